// Webhook ingress benchmark: autocannon (in a process of its own, bench/webhooks-load.ts) POSTs signed Shopee
// order-status pushes at the gateway's /webhooks/shopee, 50 connections for 20 s, each push for another order the
// Shopee simulator holds. The gateway (this process) acknowledges each once it is in the inbox; the orders' inbox
// and outbox loops work them meanwhile, each order fetched from Shopee and created in the OMS: by default in a
// worker process of their own (bench/webhooks-worker.ts), as the production deployment runs them beside the
// gateway; `--worker same` runs them in the gateway's process, as the one-process hub of `npm start` does. After
// the load, it waits for the queues to empty and counts the acknowledged orders the OMS simulator holds.
// Simulators in a process of their own, without rate limits; a scratch database of the PostgreSQL server
// (DATABASE_URL, default 127.0.0.1:5432), dropped afterwards.
// Last line: `webhook-bench worker=process|same acked=N rps=R p99_ms=X oms_orders=M lost=L`.
// Usage: npm run bench:webhooks [-- --connections 50 --duration 20 --worker process|same]
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createContext } from '../app/context.js';
import { loadConfig } from '../app/config.js';
import { openSandbox } from '../connectors/sandbox/index.js';
import { SHOPEE_MARKETS, SHOPEE_SANDBOX_PARTNER } from '../connectors/shopee/simulator.js';
import { startGateway } from '../gateway/index.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';

const TARGETS = { ackedPerSecond: 1000, p99Ms: 50, lost: 0 };
/** How long the queues may take to empty after the load. */
const DRAIN_LIMIT_MS = 15 * 60_000;

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '50' }, duration: { type: 'string', default: '20' }, orders: { type: 'string', default: '140000' }, worker: { type: 'string', default: 'process' } },
});
const worker = values.worker;
if (worker !== 'same' && worker !== 'process') throw new Error(`--worker must be same or process, got ${worker}`);
const connections = Number(values.connections);
const duration = Number(values.duration);
const orderCount = Number(values.orders);
for (const [name, v] of [['connections', connections], ['duration', duration], ['orders', orderCount]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number >= 1`);
}

const scratch = await createScratchDatabase('tsunagi_bench', process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
const dataDir = join(tmpdir(), scratch.name);
const simulators = spawn(process.execPath, [fileURLToPath(new URL('./simulators.js', import.meta.url)), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  simulators.stdout!.once('data', () => resolve());
  simulators.once('exit', (code) => reject(new Error(`simulators exited with ${code}`)));
});
const sandbox = await openSandbox({ dataDir, rateLimits: false });
const base = loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: scratch.url, TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: join(dataDir, 'logs') });
// The simulators take any pace: the clients need not pace themselves either (batch sizes stay real).
const relaxed = { perSecond: 100_000, burst: 1000 };
const relax = (limit: unknown): unknown =>
  limit && typeof limit === 'object' ? ('perSecond' in limit ? relaxed : Object.fromEntries(Object.entries(limit).map(([k, v]) => [k, relax(v)]))) : limit;
const config = { ...base, integrations: Object.fromEntries(Object.entries(base.integrations).map(([n, b]) => [n, { ...b, rate_limit: relax(b.rate_limit) }])) };
const ctx = await createContext({ config, databaseUrl: scratch.url, sandbox });
const gateway = await startGateway(ctx, { port: 0, host: '127.0.0.1', jwtSecret: new TextEncoder().encode('bench-secret-bench-secret-bench-secret-0') });
const ordersFile = join(dataDir, 'orders.json');
let stopWorker = () => ctx.orders.pipeline.stop();
try {
  const seedStart = performance.now();
  const markets = Object.keys(SHOPEE_MARKETS);
  const orders: unknown[] = [];
  for (const m of markets) {
    const count = Math.ceil(orderCount / markets.length);
    await sandbox.call('shopee', 'addItem', m, { item_sku: 'BENCH-SKU', stock: count });
    orders.push(...(await sandbox.call<unknown[]>('shopee', 'createOrders', m, 'BENCH-SKU', count)));
  }
  // Interleaved across the shops, as pushes arrive.
  const byShop = markets.map((_, i) => orders.filter((__, j) => Math.floor(j / Math.ceil(orderCount / markets.length)) === i));
  const mixed = byShop[0]!.flatMap((_, i) => byShop.map((s) => s[i]).filter((o) => o !== undefined));
  writeFileSync(ordersFile, JSON.stringify(mixed));
  console.log(`${mixed.length} orders in the Shopee simulator's ${markets.length} shops in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  let workerProcess: ChildProcess | undefined;
  if (worker === 'same') ctx.orders.pipeline.start();
  else {
    workerProcess = spawn(process.execPath, [fileURLToPath(new URL('./webhooks-worker.js', import.meta.url)), dataDir, scratch.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      workerProcess!.stdout!.once('data', () => resolve());
      workerProcess!.once('exit', (code) => reject(new Error(`the worker exited with ${code}`)));
    });
  }
  stopWorker = async () => {
    await ctx.orders.pipeline.stop();
    if (workerProcess && workerProcess.exitCode === null) {
      workerProcess.kill('SIGTERM');
      await new Promise((r) => workerProcess!.once('exit', r));
    }
  };
  const url = `${gateway.url.replace(/\/graphql$/, '')}/webhooks/shopee`;
  const load = await new Promise<{ result: Record<string, any>; acked: string[]; sent: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./webhooks-load.js', import.meta.url)), url, SHOPEE_SANDBOX_PARTNER.partnerKey, ordersFile, String(connections), String(duration)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`the load exited with ${code}`))));
  });
  const { result } = load;
  const acked = new Set(load.acked);
  const rps = load.acked.length / duration;
  const p50 = Number(result.latency.p50);
  const p99 = Number(result.latency.p99);

  const drainStart = performance.now();
  for (;;) {
    const q = await ctx.orders.queues();
    if (q.inbox.pending + q.outbox.pending === 0) break;
    if (performance.now() - drainStart > DRAIN_LIMIT_MS) {
      console.log(`queues not empty after ${DRAIN_LIMIT_MS / 60_000} min: ${JSON.stringify(q)}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const drainS = (performance.now() - drainStart) / 1000;
  await stopWorker();
  const held = new Set((await sandbox.call<{ external_order_id: string }[]>('oms', 'listOrders')).map((o) => o.external_order_id));
  const omsOrders = [...acked].filter((sn) => held.has(sn)).length;
  const lost = acked.size - omsOrders;
  const queues = await ctx.orders.queues();

  const row = (name: string, value: string, target: string, ok: boolean) => console.log(`${name.padEnd(24)} ${value.padStart(10)}   target ${target.padEnd(10)} ${ok ? 'OK' : 'MISSED'}`);
  console.log(`pushes sent ${load.sent} (${result.non2xx} not 2xx, ${result.errors} errors, ${result.timeouts} timeouts); distinct orders acknowledged ${acked.size}`);
  row('acknowledged/s', rps.toFixed(0), `>= ${TARGETS.ackedPerSecond}`, rps >= TARGETS.ackedPerSecond);
  console.log(`${'ack latency p50'.padEnd(24)} ${p50.toFixed(1).padStart(10)} ms`);
  row('ack latency p99', `${p99.toFixed(1)} ms`, `< ${TARGETS.p99Ms} ms`, p99 < TARGETS.p99Ms);
  console.log(`${'queues emptied after'.padEnd(24)} ${drainS.toFixed(1).padStart(10)} s   (${(omsOrders / ((duration + drainS) || 1)).toFixed(0)} orders/s to the OMS over load and drain); dead letters ${queues.inbox.dead + queues.outbox.dead}`);
  row('lost', String(lost), `= ${TARGETS.lost}`, lost === TARGETS.lost);
  console.log(`peak RSS (hub) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log(`webhook-bench worker=${worker} acked=${acked.size} rps=${rps.toFixed(0)} p99_ms=${p99.toFixed(1)} oms_orders=${omsOrders} lost=${lost}`);
} finally {
  await stopWorker();
  await gateway.close();
  await ctx.close();
  await sandbox.close();
  simulators.kill('SIGTERM');
  await new Promise((r) => simulators.once('exit', r));
  await scratch.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
