// Stock-sync benchmark: N SKUs through the simulators (a separate process, over real HTTP; rate limits relaxed,
// batching and pagination real), on a scratch database of the PostgreSQL server (DATABASE_URL, default
// 127.0.0.1:5432). The catalogue is seeded by a process of its own: the peak RSS is the hub process's, running
// the two syncs only. Usage: npm run bench:sync -- --skus 100000 (and --skus 300000: the RSS must not grow with it)
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';
import { createLogger } from '../platform/log/index.js';
import { openBenchContext } from './sync-context.js';

const TARGETS = { dryRunS: 20, fullS: 60, peakRssMb: 256 };
const MB = 1024 * 1024;

const { values } = parseArgs({ options: { skus: { type: 'string', default: '100000' }, verbose: { type: 'boolean', short: 'v' } } });
const skus = Number(values.skus);
if (!Number.isInteger(skus) || skus < 1) throw new Error(`--skus must be a whole number >= 1, got ${values.skus}`);

const scratch = await createScratchDatabase('tsunagi_bench', process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
const url = scratch.url;
const dataDir = join(tmpdir(), scratch.name);
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
const simulators = spawn(process.execPath, [script('simulators.js'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  simulators.stdout!.once('data', () => resolve());
  simulators.once('exit', (code) => reject(new Error(`simulators exited with ${code}`)));
});
try {
  const seedStart = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, [script('seed.js'), dataDir, url, String(skus)], { maxBuffer: MB });
  const seeded = JSON.parse(stdout.trim().split('\n').at(-1)!) as { skus: number; mapped: number };
  console.log(`seeded ${seeded.skus} SKUs (${seeded.mapped} mapped) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (by a process of its own)`);

  const logger = values.verbose ? createLogger({ level: 'info' }) : undefined;
  const { ctx, sandbox } = await openBenchContext({ dataDir, databaseUrl: url, logger });
  try {
    const rss = () => process.memoryUsage().rss / MB;
    const rssOpened = rss();
    // CPU time (user + system) beside wall time: it does not grow when other work shares the machine.
    const time = async (dryRun: boolean) => {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const report = await ctx.inventory.sync.run({ source: 'amazon', dryRun, trigger: 'bench' });
      const seconds = (performance.now() - start) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      if (report.status !== 'SUCCESS') throw new Error(`${dryRun ? 'dry run' : 'sync'} ended ${report.status}: ${report.errorSummary}`);
      return { seconds, cpuSeconds: (user + system) / 1e6, report, rssAfter: rss() };
    };
    const dry = await time(true);
    const full = await time(false);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const row = (name: string, value: number, target: number, unit: string) =>
      console.log(`${name.padEnd(22)} ${value.toFixed(1).padStart(8)} ${unit.padEnd(6)} target <= ${target} ${unit}  ${value <= target ? 'OK' : 'MISSED'}`);
    const c = full.report.channels;
    console.log(`source items ${dry.report.sourceItems}, mapped ${dry.report.mappedSkus}, updates ${full.report.updates} (${Object.entries(c).map(([k, v]) => `${k} ${v!.updates}`).join(', ')})`);
    console.log(`RSS (hub): ${rssOpened.toFixed(0)} MB opened, ${dry.rssAfter.toFixed(0)} MB after the dry run, ${full.rssAfter.toFixed(0)} MB after the sync`);
    console.log(`CPU (hub): dry run ${dry.cpuSeconds.toFixed(1)} s, full sync ${full.cpuSeconds.toFixed(1)} s; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    row('dry run', dry.seconds, TARGETS.dryRunS, 's');
    console.log(`${'dry run throughput'.padEnd(22)} ${(dry.report.sourceItems / dry.seconds).toFixed(0).padStart(8)} items/s`);
    row('full sync', full.seconds, TARGETS.fullS, 's');
    console.log(`${'full sync throughput'.padEnd(22)} ${(full.report.sourceItems / full.seconds).toFixed(0).padStart(8)} items/s`);
    row('peak RSS (hub)', peakRssMb, TARGETS.peakRssMb, 'MB');
    console.log(`sync-bench skus=${skus} dry_run_s=${dry.seconds.toFixed(1)} full_s=${full.seconds.toFixed(1)} peak_rss_mb=${peakRssMb.toFixed(0)}`);
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
