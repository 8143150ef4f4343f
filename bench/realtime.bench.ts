// Real-time stock benchmark: the WMS stream to the seven Shopee shops. N SKUs listed in seven shops (the
// simulators in a process of their own, over real HTTP and WebSocket, no rate limits), the hub's stream consumer
// as the worker runs it, on a scratch database of the PostgreSQL server (DATABASE_URL, default 127.0.0.1:5432).
// The WMS process changes random SKUs at the rate asked, each to a figure whose equal split differs (a write in
// every shop). Latency is from the change leaving the WMS (its frame's ts) to the last Shopee call for it
// returning (the batch applied: calls answered, ledger settled). Peak RSS is the hub process's own.
// Usage: npm run bench:realtime -- --skus 10000 --rate 500 --seconds 20
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../app/config.js';
import { createContext } from '../app/context.js';
import { seedSandbox } from '../app/sandbox-seed.js';
import { openSandbox } from '../connectors/sandbox/index.js';
import { startStreamConsumers } from '../jobs/stream-consumers.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';

const TARGETS = { p99Ms: 200, lost: 0 };
const SHOPS = ['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c) => `shopee:${c}`);

const { values } = parseArgs({ options: { skus: { type: 'string', default: '10000' }, rate: { type: 'string', default: '500' }, seconds: { type: 'string', default: '20' } } });
const skus = Number(values.skus);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
if (!Number.isInteger(skus) || skus < 1) throw new Error(`--skus must be a whole number >= 1, got ${values.skus}`);
if (!(rate > 0) || !(seconds > 0)) throw new Error('--rate and --seconds must be above 0');

const scratch = await createScratchDatabase('tsunagi_bench', process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
const dataDir = join(tmpdir(), scratch.name);
const child = spawn(process.execPath, [fileURLToPath(new URL('./wms-simulators.js', import.meta.url)), dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
const reply = async <T>(): Promise<T> => {
  const next = await lines.next();
  if (next.done) throw new Error('the simulator process ended');
  return (next.value === 'ready' ? next.value : JSON.parse(next.value)) as T;
};
const ask = <T>(command: unknown): Promise<T> => {
  child.stdin!.write(`${JSON.stringify(command)}\n`);
  return reply<T>();
};
await reply<string>();

// Joins the simulator process through the sandbox registry in dataDir; the clients pace themselves no more than it does.
const sandbox = await openSandbox({ dataDir, rateLimits: false });
const base = loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: scratch.url, TSUNAGI_DATA_DIR: dataDir });
const unlimited = (limit: unknown): unknown =>
  limit && typeof limit === 'object'
    ? 'perSecond' in limit ? { perSecond: 100_000, burst: 1000 } : Object.fromEntries(Object.entries(limit).map(([k, v]) => [k, unlimited(v)]))
    : limit;
const config = { ...base, integrations: Object.fromEntries(Object.entries(base.integrations).map(([n, b]) => [n, { ...b, rate_limit: unlimited(b.rate_limit) }])) };
const ctx = await createContext({ config, databaseUrl: scratch.url, sandbox });

const latencies: number[] = [];
let events = 0;
let lastSeq = 0;
let lastAppliedAt = 0;
let caughtUp = 0;
/** Each applied batch: its stream changes timed from their WMS time; catch-up records (no seq) counted apart. */
const onApplied = (_source: string, changes: { seq?: number; at?: string }[]) => {
  const now = Date.now();
  for (const c of changes) {
    if (c.seq === undefined) {
      caughtUp++;
      continue;
    }
    events++;
    lastSeq = Math.max(lastSeq, c.seq);
    latencies.push(now - Date.parse(c.at!));
  }
  lastAppliedAt = now;
};
const waitUntil = async (what: string, test: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  let said = Date.now();
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (${events} changes applied, last seq ${lastSeq})`);
    if (Date.now() - said > 5000) {
      said = Date.now();
      console.error(`[PROGRESS] waiting for ${what}: ${events} changes applied, last seq ${lastSeq}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};

try {
  const seedStart = performance.now();
  const seeded = await seedSandbox(ctx, skus);
  // The shops as the daily run leaves them: the warehouse's 70 of each SKU split seven ways.
  const listed = (await sandbox.call<string[]>('amazon', 'skus')).slice(0, skus);
  for (const shop of SHOPS) await sandbox.call('shopee', 'seed', shop, listed, 10);
  const mappings = await ctx.catalog.allMappings();
  const active = listed.filter((sku) => mappings.get(sku)?.isActive);
  console.log(`seeded ${seeded.skus} SKUs in the WMS and 7 shops (${active.length} active in the SKU master) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const fullStart = performance.now();
  const full = await ctx.hub.run({ system: 'wms', operation: 'stock-full', input: {}, dryRun: false, trigger: 'bench' });
  console.log(`stock-full (WMS read, ${active.length} SKUs × 7 shops read, snapshots): ${((performance.now() - fullStart) / 1000).toFixed(1)} s, ${JSON.stringify(full.output)}`);

  // The worker's consumer: its first start reads the warehouse whole (nothing to write: the shops are right).
  const running = startStreamConsumers(ctx, { lease: { leaseMs: 30_000, heartbeatMs: 5000 }, standbyMs: 200, onApplied });
  try {
    await waitUntil('the first start to read the warehouse', () => caughtUp >= skus, 120_000);
    const cpuMs = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    const hubCpuBefore = cpuMs();
    const simCpuBefore = (await ask<{ cpuMs: number }>({ cpu: true })).cpuMs;
    const burstStart = Date.now();
    const sent = await ask<{ sent: number; latestSeq: number }>({ burst: { skus: active, rate, seconds } });
    await waitUntil('the consumer to apply every change', () => lastSeq >= sent.latestSeq, 600_000);
    const hubCpu = cpuMs() - hubCpuBefore;
    const simCpu = (await ask<{ cpuMs: number }>({ cpu: true })).cpuMs - simCpuBefore;
    const checked = await ask<{ checked: number; mismatches: string[]; mismatchCount: number }>({ verify: { skus: active, shops: SHOPS, divisor: 7 } });

    const processed = events / ((lastAppliedAt - burstStart) / 1000);
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const runs = await ctx.inventory.history.listRuns(10, { kind: 'REALTIME' });
    for (const r of runs) console.log(`REALTIME run #${r.id}: ${r.status}, ${r.updates} writes, ${r.failed} refused${r.errorSummary ? ` (${r.errorSummary})` : ''}`);
    const lost = checked.mismatchCount + (sent.sent - events);
    console.log(`changes sent by the WMS: ${sent.sent} at ${rate}/s for ${seconds} s; applied: ${events} (${processed.toFixed(0)}/s)`);
    console.log(`latency frame → last Shopee call: p50 ${at(50)} ms, p99 ${at(99)} ms (target < ${TARGETS.p99Ms}), max ${latencies.at(-1)} ms`);
    console.log(`shops checked against the warehouse: ${checked.checked}, wrong ${checked.mismatchCount} (target ${TARGETS.lost})${checked.mismatches.length ? `: ${checked.mismatches.join('; ')}` : ''}`);
    console.log(`peak RSS of the hub process: ${peakRssMb.toFixed(0)} MB`);
    // CPU time does not grow with other work on the machine: what one core could sustain, load aside.
    console.log(`CPU per change: hub ${(hubCpu / events).toFixed(2)} ms, simulators ${(simCpu / events).toFixed(2)} ms` +
      ` (one core each: ${(1000 / (hubCpu / events)).toFixed(0)} and ${(1000 / (simCpu / events)).toFixed(0)} changes/s); load average ${loadavg()[0]!.toFixed(1)}`);
    console.log(`realtime-bench events=${events} rate=${processed.toFixed(0)} p50_ms=${at(50)} p99_ms=${at(99)} peak_rss_mb=${peakRssMb.toFixed(0)}`);
    if (lost > 0) process.exitCode = 1;
  } finally {
    await running.stop();
  }
} finally {
  await ctx.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await scratch.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
