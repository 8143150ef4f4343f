// Stock-sync benchmark: N SKUs through the simulators (a separate process, over real HTTP; rate limits relaxed,
// batching and pagination real), on a scratch database of the PostgreSQL server (DATABASE_URL, default
// 127.0.0.1:5432). Peak RSS is the hub process's own.
// Usage: npm run bench:sync -- --skus 100000
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createContext } from '../app/context.js';
import { seedSandbox } from '../app/sandbox-seed.js';
import { openSandbox } from '../connectors/sandbox/index.js';
import { loadConfig } from '../app/config.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';
import { createLogger } from '../platform/log/index.js';

const TARGETS = { dryRunS: 20, fullS: 60, peakRssMb: 512 };

const { values } = parseArgs({ options: { skus: { type: 'string', default: '100000' }, verbose: { type: 'boolean', short: 'v' } } });
const skus = Number(values.skus);
if (!Number.isInteger(skus) || skus < 1) throw new Error(`--skus must be a whole number >= 1, got ${values.skus}`);

const scratch = await createScratchDatabase('tsunagi_bench', process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
const url = scratch.url;

const dataDir = join(tmpdir(), scratch.name);
const simulators = spawn(process.execPath, [fileURLToPath(new URL('./simulators.js', import.meta.url)), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  simulators.stdout!.once('data', () => resolve());
  simulators.once('exit', (code) => reject(new Error(`simulators exited with ${code}`)));
});
// Joins the simulator process through the sandbox registry in dataDir.
const sandbox = await openSandbox({ dataDir, rateLimits: false });
const base = loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: url, TSUNAGI_DATA_DIR: dataDir });
// Relaxed rate limits on both sides (the simulators answer without 429s); batch sizes and pagination stay real.
const relaxed = { perSecond: 10_000, burst: 100 };
const i = base.integrations;
const config = {
  ...base,
  integrations: {
    ...i,
    amazon: { ...i.amazon, rateLimit: relaxed },
    yahoo: { ...i.yahoo, rateLimit: relaxed },
    rakuten: { ...i.rakuten, upsertRateLimit: relaxed, getRateLimit: relaxed },
  },
};
const logger = values.verbose ? createLogger({ level: 'info' }) : undefined;
const ctx = await createContext({ config, databaseUrl: url, sandbox, logger });
try {
  const seedStart = performance.now();
  const seeded = await seedSandbox(ctx, skus);
  console.log(`seeded ${seeded.skus} SKUs (${seeded.mapped} mapped) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const time = async (dryRun: boolean) => {
    const start = performance.now();
    const report = await ctx.inventory.sync.run({ source: 'amazon', dryRun, trigger: 'bench' });
    const seconds = (performance.now() - start) / 1000;
    if (report.status !== 'SUCCESS') throw new Error(`${dryRun ? 'dry run' : 'sync'} ended ${report.status}: ${report.errorSummary}`);
    return { seconds, report };
  };
  const dry = await time(true);
  const full = await time(false);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const row = (name: string, value: number, target: number, unit: string) =>
    console.log(`${name.padEnd(22)} ${value.toFixed(1).padStart(8)} ${unit.padEnd(6)} target <= ${target} ${unit}  ${value <= target ? 'OK' : 'MISSED'}`);
  console.log(`source items ${dry.report.sourceItems}, mapped ${dry.report.mappedSkus}, updates ${full.report.updates} (yahoo ${full.report.channels.yahoo?.updates}, rakuten ${full.report.channels.rakuten?.updates})`);
  row('dry run', dry.seconds, TARGETS.dryRunS, 's');
  console.log(`${'dry run throughput'.padEnd(22)} ${(dry.report.sourceItems / dry.seconds).toFixed(0).padStart(8)} items/s`);
  row('full sync', full.seconds, TARGETS.fullS, 's');
  console.log(`${'full sync throughput'.padEnd(22)} ${(full.report.sourceItems / full.seconds).toFixed(0).padStart(8)} items/s`);
  row('peak RSS (hub)', peakRssMb, TARGETS.peakRssMb, 'MB');
  console.log(`sync-bench skus=${skus} dry_run_s=${dry.seconds.toFixed(1)} full_s=${full.seconds.toFixed(1)} peak_rss_mb=${peakRssMb.toFixed(0)}`);
} finally {
  await ctx.close();
  await sandbox.close();
  simulators.kill('SIGTERM');
  await new Promise((r) => simulators.once('exit', r));
  await scratch.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
