// Image benchmark: N source images of 2000×2000 JPEG (the DAM simulator's, in the simulators' process of its own,
// over real HTTP) made into WebP q85 at each market's rule (the shipped config: one Shopee rule for the seven
// markets) by the image sync — download, hash, checks, libvips, the media store and the database — next to raw
// sharp doing the same resize and encode on the same files in the same run, at the same concurrency, libvips' cache
// off for both. Target: ours >= 80 % of raw sharp's images/s. Last line: `images-bench images=N ours_per_s=X
// sharp_per_s=Y`. Usage: npm run bench:images [-- --images 500]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';
import type { ImageSource } from '../subgraphs/media/ports.js';
import { canvasSide } from '../subgraphs/media/transcode.js';
import { openBenchContext } from './sync-context.js';

const TARGET_SHARE = 0.8;
const SIDE = 2000;

const { values } = parseArgs({ options: { images: { type: 'string', default: '500' } } });
const images = Number(values.images);
// The DAM simulator keeps its last 1,000 files made: more would be drawn again while we time.
if (!Number.isInteger(images) || images < 1 || images > 1000) throw new Error(`--images must be a whole number from 1 to 1,000, got ${values.images}`);

const scratch = await createScratchDatabase('tsunagi_bench', process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
const dataDir = join(tmpdir(), scratch.name);
const simulators = spawn(process.execPath, [fileURLToPath(new URL('./simulators.js', import.meta.url)), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  simulators.stdout!.once('data', () => resolve());
  simulators.once('exit', (code) => reject(new Error(`simulators exited with ${code}`)));
});
try {
  const { ctx, sandbox } = await openBenchContext({ dataDir, databaseUrl: scratch.url });
  try {
    sharp.cache(false);
    await sandbox.call('dam', 'clear');
    for (let i = 1; i <= images; i++) {
      const sku = `AMZ-${String(i).padStart(6, '0')}`;
      await sandbox.call('dam', 'addImage', { id: `${sku}-1`, sku, kind: 'jpeg', width: SIDE, height: SIDE, seed: i });
    }
    // Every file once, untimed: the simulator draws it now (not while we time), and raw sharp gets the same bytes.
    const source = ctx.hub.connector<ImageSource>('dam', 'ImageSource');
    const files: Buffer[] = [];
    const prepared = performance.now();
    for await (const page of source.images({})) for (const image of page) files.push(await source.download(image, ctx.config.media.maxSourceBytes));
    if (files.length !== images) throw new Error(`the DAM listed ${files.length} images, not ${images}`);
    console.log(`${images} source images of ${SIDE}×${SIDE} JPEG (${(files.reduce((n, f) => n + f.length, 0) / files.length / 1024).toFixed(0)} KiB each) drawn in ${((performance.now() - prepared) / 1000).toFixed(1)} s`);

    const rules = [...new Set(Object.values(ctx.config.markets).map((m) => m.imageRule))].map((name) => ctx.config.media.rules[name]!);
    const concurrency = ctx.config.media.concurrency;
    const rawStart = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const file = files[next++]!;
        for (const rule of rules) {
          const side = canvasSide(SIDE, rule);
          await sharp(file).rotate().resize(side, side, { fit: 'contain', background: rule.background }).flatten({ background: rule.background }).webp({ quality: rule.quality }).toBuffer();
        }
      }
    }));
    const rawS = (performance.now() - rawStart) / 1000;

    const oursStart = performance.now();
    const report = await ctx.media.sync({ dryRun: false, trigger: 'bench' });
    const oursS = (performance.now() - oursStart) / 1000;
    if (report.failed.length || report.transcoded !== images * rules.length) throw new Error(`the image sync made ${report.transcoded} variants, ${report.failed.length} failed: ${JSON.stringify(report.failed.slice(0, 3))}`);

    const ours = (images * rules.length) / oursS;
    const raw = (images * rules.length) / rawS;
    console.log(`${rules.length} rule(s) (${rules.map((r) => `${r.maxSide} px q${r.quality}`).join(', ')}), concurrency ${concurrency}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`${'raw sharp'.padEnd(12)} ${raw.toFixed(2).padStart(7)} images/s (${rawS.toFixed(1)} s)`);
    console.log(`${'image sync'.padEnd(12)} ${ours.toFixed(2).padStart(7)} images/s (${oursS.toFixed(1)} s)  ${((ours / raw) * 100).toFixed(0)} % of raw sharp, target >= ${TARGET_SHARE * 100} %  ${ours >= raw * TARGET_SHARE ? 'OK' : 'MISSED'}`);
    console.log(`images-bench images=${images} ours_per_s=${ours.toFixed(2)} sharp_per_s=${raw.toFixed(2)}`);
  } finally {
    await ctx.close();
    await sandbox.close();
  }
} finally {
  simulators.kill('SIGTERM');
  await new Promise((r) => simulators.once('exit', r));
  await scratch.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
