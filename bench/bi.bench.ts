// BI export benchmark: N order lines (two per order, spread over 30 days) exported by the bi connector's
// sales-export, as the scheduler runs it: every line to the BI import API (its simulator, in a process of its own,
// over real HTTP) in batches, and every day's CSV extract written. The orders are written straight into a scratch
// database of the PostgreSQL server (DATABASE_URL, default 127.0.0.1:5432): the benchmark measures the export,
// not the ingestion. Last line: `bi-bench lines=N export_s=X`.
// Usage: npm run bench:bi [-- --lines 1000000]
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createContext } from '../app/context.js';
import { loadConfig } from '../app/config.js';
import { openSandbox } from '../connectors/sandbox/index.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';

const TARGETS = { exportS: 60 };
const DAYS = 30;

const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' } } });
const lines = Number(values.lines);
if (!Number.isInteger(lines) || lines < 2 || lines % 2 !== 0 || lines > 10_000_000) throw new Error(`--lines must be an even whole number from 2 to 10,000,000, got ${values.lines}`);
const orders = lines / 2;

const scratch = await createScratchDatabase('tsunagi_bench', process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
const dataDir = join(tmpdir(), scratch.name);
const simulators = spawn(process.execPath, [fileURLToPath(new URL('./simulators.js', import.meta.url)), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  simulators.stdout!.once('data', () => resolve());
  simulators.once('exit', (code) => reject(new Error(`simulators exited with ${code}`)));
});
const sandbox = await openSandbox({ dataDir, rateLimits: false });
const config = loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: scratch.url, TSUNAGI_DATA_DIR: dataDir });
const bi = config.integrations.bi!;
const ctx = await createContext({
  config: { ...config, integrations: { ...config.integrations, bi: { ...bi, rate_limit: { perSecond: 10_000, burst: 100 } } } },
  databaseUrl: scratch.url, sandbox,
});
try {
  const seedStart = performance.now();
  const em = ctx.db.em();
  // Orders of the seven markets over the last 30 days, each with two lines and a buyer pseudonym.
  await em.execute(`
    insert into orders (system, channel, country, account_ref, order_sn, status, channel_status, placed_at, source_updated_at, total_minor,
                        currency, document, buyer_ref, created_at, updated_at)
    select 'shopee', 'shopee:' || m.country, m.country, '1', 'BENCH' || lpad(g::text, 9, '0'), 'confirmed', 'READY_TO_SHIP',
           now() - (g % ${DAYS}) * interval '1 day', now(), 3 * m.price, m.currency, '{}'::jsonb, md5(g::text) || md5((g * 7)::text), now(),
           now() - (g % 1000) * interval '1 millisecond'
    from generate_series(1, ${orders}) g
    join (values (0, 'SG', 'SGD', 1250), (1, 'MY', 'MYR', 3990), (2, 'TH', 'THB', 29900), (3, 'TW', 'TWD', 39900), (4, 'PH', 'PHP', 59900),
                 (5, 'VN', 'VND', 259000), (6, 'BR', 'BRL', 4990)) as m(n, country, currency, price) on m.n = g % 7`);
  await em.execute(`
    insert into order_line (order_id, line_no, sku, quantity, unit_price_minor)
    select o.id, l.n, 'AMZ-' || lpad(((o.id * l.n) % 30 + 1)::text, 6, '0'), l.n, (o.total_minor / 3)
    from orders o cross join (values (1), (2)) as l(n)`);
  await em.execute('analyze orders; analyze order_line');
  console.log(`seeded ${orders} orders with ${lines} lines over ${DAYS} days in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const start = performance.now();
  const result = await ctx.hub.run({ system: 'bi', operation: 'sales-export', dryRun: false, trigger: 'bench' });
  const seconds = (performance.now() - start) / 1000;
  const out = result.output as { rows: number; batches: number; days: string[]; files: string[] };
  const held = await sandbox.call<{ rows: number; calls: number }>('bi', 'stats');
  const extracts = readdirSync(join(dataDir, 'bi')).filter((f) => f.endsWith('.csv')).length;
  if (out.rows !== lines || held.rows !== lines) throw new Error(`exported ${out.rows} rows, the BI simulator holds ${held.rows}; expected ${lines}`);
  console.log(`rows ${out.rows} in ${out.batches} import calls (BI holds ${held.rows}); ${extracts} daily extracts written`);
  console.log(`${'export'.padEnd(22)} ${seconds.toFixed(1).padStart(8)} s      target <= ${TARGETS.exportS} s  ${seconds <= TARGETS.exportS ? 'OK' : 'MISSED'}`);
  console.log(`${'throughput'.padEnd(22)} ${(lines / seconds).toFixed(0).padStart(8)} lines/s`);
  console.log(`peak RSS (hub) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log(`bi-bench lines=${lines} export_s=${seconds.toFixed(1)}`);
} finally {
  await ctx.close();
  await sandbox.close();
  simulators.kill('SIGTERM');
  await new Promise((r) => simulators.once('exit', r));
  await scratch.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
