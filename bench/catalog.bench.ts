// Product-master benchmark: the PIM simulator (in the simulators' process of its own, over real HTTP; rate limits
// relaxed, OAuth, search_after pages of 100 and the incremental search real) holds N products last changed over the
// past days; a full products sync reads them all into the catalog of a scratch database (DATABASE_URL, default
// 127.0.0.1:5432), then 1,000 products change and an incremental sync reads only those. Last line:
// `catalog-bench products=N full_s=X incremental_s=Y`. Usage: npm run bench:catalog [-- --products 100000]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';
import type { ProductImportReport } from '../subgraphs/catalog/ports.js';
import { openBenchContext } from './sync-context.js';

const TARGETS = { fullS: 60, incrementalS: 3 };
const CHANGED = 1000;
const SEED_GROUP = 100;

const { values } = parseArgs({ options: { products: { type: 'string', default: '100000' } } });
const products = Number(values.products);
if (!Number.isInteger(products) || products < CHANGED || products > 1_000_000) throw new Error(`--products must be a whole number from ${CHANGED} to 1,000,000, got ${values.products}`);

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
    const skus = Array.from({ length: products }, (_, i) => `AMZ-${String(i + 1).padStart(7, '0')}`);
    const seedStart = performance.now();
    await sandbox.call('pim', 'clear');
    // Last changed over the past days, 100 products every 2 minutes up to an hour ago, as a catalogue is: the
    // incremental run re-reads its overlap (60 s before the watermark) and the 1,000 that change below.
    const newest = Math.floor(Date.now() / 1000) - 3600;
    for (let i = 0; i < products; i += SEED_GROUP) await sandbox.call('pim', 'seed', skus.slice(i, i + SEED_GROUP), newest - (products - i) / SEED_GROUP * 120);
    console.log(`seeded ${products} PIM products in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (in the simulators' process)`);

    const time = async (operation: 'products-full' | 'products-incremental') => {
      const start = performance.now();
      const run = await ctx.hub.run({ system: 'pim', operation, dryRun: false, trigger: 'bench' });
      const seconds = (performance.now() - start) / 1000;
      const report = run.output as ProductImportReport;
      if (report.status !== 'SUCCESS') throw new Error(`${operation} ended ${report.status}: ${report.errorSummary}`);
      return { seconds, report };
    };
    const full = await time('products-full');
    if (full.report.read !== products) throw new Error(`the full sync read ${full.report.read} products, not ${products}`);
    const step = Math.floor(products / CHANGED);
    for (let i = 0; i < CHANGED; i++) await sandbox.call('pim', 'update', skus[i * step]!, { values: { name_en: `Changed ${i}` } });
    const incremental = await time('products-incremental');
    if (incremental.report.updated !== CHANGED) throw new Error(`the incremental sync updated ${incremental.report.updated} products, not ${CHANGED}`);

    const row = (name: string, value: number, target: number) =>
      console.log(`${name.padEnd(20)} ${value.toFixed(2).padStart(8)} s  target <= ${target} s  ${value <= target ? 'OK' : 'MISSED'}`);
    console.log(`full: read ${full.report.read}, created ${full.report.created}; incremental: read ${incremental.report.read}, updated ${incremental.report.updated}`);
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    row('full sync', full.seconds, TARGETS.fullS);
    console.log(`${'full throughput'.padEnd(20)} ${(products / full.seconds).toFixed(0).padStart(8)} products/s`);
    row('incremental sync', incremental.seconds, TARGETS.incrementalS);
    console.log(`catalog-bench products=${products} full_s=${full.seconds.toFixed(1)} incremental_s=${incremental.seconds.toFixed(2)}`);
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
