// Gateway benchmark: one federated query (catalog + inventory + pricing, 20 products) under autocannon against
//   ours-in-process   startGateway without subgraphUrls (npm start's shape: subgraphs executed in-process),
//   ours-distributed  startGateway with subgraphUrls → six subgraph servers in a process of their own,
//   peer              @graphql-hive/gateway-runtime on the same supergraph and the same six subgraph servers,
//   peer-no-dedup     the same with its in-flight deduplication of identical subgraph fetches off (no target),
// each at every --connections level, while a second autocannon asks /healthz 20 times a second; then a
// subscription fan-out on the in-process gateway (bench/fanout.ts) at every --subscribers level. Every gateway
// runs in this process: the event-loop delay and GC pauses printed per run are the gateway's. Data is seeded
// through the services on a scratch database of the PostgreSQL server (DATABASE_URL, default 127.0.0.1:5432),
// dropped afterwards. autocannon runs in its own processes; everything listens on 127.0.0.1.
// Usage: npm run bench:gateway [-- --connections 50,200 --duration 10 --subscribers 1000,10000 --rounds 20 --only peer,fanout ...]
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Transport } from '@graphql-mesh/transport-common';
import { buildHTTPExecutor, type AsyncFetchFn } from '@graphql-tools/executor-http';
import { GraphQLError } from 'graphql';
import { createContext } from '../app/context.js';
import { seedSandbox } from '../app/sandbox-seed.js';
import { openSandbox } from '../connectors/sandbox/index.js';
import { authenticate, issueToken } from '../platform/auth/tokens.js';
import { startGateway, type RunningGateway } from '../gateway/index.js';
import { ACTOR_HEADER, GATEWAY_SECRET_HEADER } from '../gateway/subgraph-server.js';
import { buildSubgraphs, composeSupergraph, SUBGRAPH_NAMES, type SubgraphName } from '../gateway/supergraph.js';
import { loadConfig } from '../app/config.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';
import type { Actor } from '../subgraphs/federation.js';
import { runFanout } from './fanout.js';
import type { LoadOptions, LoadResult } from './gateway-load.js';

const TARGETS = {
  /** In-process p99 at 50 connections. */
  inProcessP99Ms: 50,
  /** Both modes' p99 at 200 connections (and throughput no lower than at 50). */
  p99At200Ms: 250,
  healthzP99Ms: 50,
  /** Fan-out p99 by subscribers: at most 1,000, and above. */
  fanoutP99Ms: (subscribers: number) => (subscribers <= 1000 ? 100 : 250),
  fanoutRssMb: 1024,
};
const PAGE = 20;
const QUERY = `query Products($first: Int!) {
  products(first: $first) {
    edges { node { sku listings { channel code } stock { channel quantity } sourceQuantity prices { channel country amount currency } } }
  }
}`;

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50,200' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    products: { type: 'string', default: '200' },
    subscribers: { type: 'string', default: '1000,10000' },
    rounds: { type: 'string', default: '20' },
    'skus-per-round': { type: 'string', default: '1' },
    'fanout-product': { type: 'boolean', default: false },
    only: { type: 'string', default: 'ours-in-process,ours-distributed,peer,peer-no-dedup,fanout' },
  },
});
function bounded(name: keyof typeof values, min: number, max: number, text = String(values[name])): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got ${text}`);
  return n;
}
/** A comma list of levels, each bounded. */
const levels = (name: 'connections' | 'subscribers', max: number) => values[name]!.split(',').map((v) => bounded(name, 1, max, v.trim()));
const connectionLevels = levels('connections', 1000);
const duration = bounded('duration', 1, 120);
const warmup = bounded('warmup', 0, 30);
const products = bounded('products', PAGE, 10_000);
const subscriberLevels = levels('subscribers', 10_000);
const rounds = bounded('rounds', 1, 200);
const skusPerRound = bounded('skus-per-round', 1, 20);
const PARTS = ['ours-in-process', 'ours-distributed', 'peer', 'peer-no-dedup', 'fanout'];
const only = new Set(values.only!.split(',').map((p) => p.trim()));
for (const p of only) if (!PARTS.includes(p)) throw new Error(`--only takes a comma list of ${PARTS.join(', ')}; got ${p}`);

/** peer-no-dedup is informational: the peer with its in-flight deduplication of identical subgraph fetches off. */
type Target = 'ours-in-process' | 'ours-distributed' | 'peer' | 'peer-no-dedup';
interface Measured {
  target: Target;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Each connection's first response, connect included (p99 over the connections), ms: the ramp, apart from p99. */
  rampP99: number;
  bad: number;
  load: string;
  /** /healthz answered during the run: p99 and max, ms. */
  healthzP99: number;
  healthzMax: number;
  /** The gateway's own view (its request-duration histogram): the bucket holding the 99th percentile, ms; ours only. */
  serverP99?: number;
  /** This process's event-loop delay during the run (p99, max) and its GC pauses (total, longest), ms. */
  loopP99: number;
  loopMax: number;
  gcMs: number;
  gcMaxMs: number;
  /**
   * This process's CPU time (user + system) per GraphQL request answered (the /healthz probes' few included), µs:
   * what a request costs, which other work on the machine does not inflate as it does latencies. In-process it
   * includes the subgraphs; the distributed gateway's and the peer's subgraphs run in another process.
   */
  cpuUs: number;
}

/**
 * A load process (bench/gateway-load.ts): a warm-up, then the measured window on the same connections. `window`
 * runs when the window opens, and what it returns when the window closes.
 */
function load(options: LoadOptions, window: () => () => void = () => () => {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./gateway-load.js', import.meta.url)), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let err = '';
    let close: (() => void) | undefined;
    let result: LoadResult | undefined;
    child.stderr!.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (options.warmupSeconds + options.seconds + 60) * 1000);
    child.on('message', (m: { type: 'window'; open: boolean } | { type: 'result'; result: LoadResult }) => {
      if (m.type === 'result') result = m.result;
      else if (m.open) close = window();
      else close?.();
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 || !result) reject(new Error(`the load process for ${options.url} exited with ${code}: ${err.slice(0, 500)}`));
      else resolve(result);
    });
  });
}

/**
 * Our gateway's request-duration histogram for the bench's operation (cumulative count per bucket bound, s), from
 * its /metrics; undefined for the peer. Compared with autocannon's figures it tells the time in the gateway from
 * the time before it (sockets, the load generator's own loop).
 */
async function durationBuckets(url: string): Promise<Map<number, number> | undefined> {
  const res = await fetch(url.replace(/\/graphql$/, '/metrics'), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) return undefined;
  const buckets = new Map<number, number>();
  for (const [, labels, count] of (await res.text()).matchAll(/^tsunagi_graphql_request_duration_seconds_bucket\{([^}]*)\} (\d+)$/gm)) {
    const le = /le="([^"]+)"/.exec(labels!)?.[1];
    if (le && labels!.includes('operation="Products"')) buckets.set(le === '+Inf' ? Infinity : Number(le), Number(count));
  }
  return buckets.size ? buckets : undefined;
}

/** The bound (ms) of the bucket holding the 99th percentile of the requests counted between two readings. */
function p99Bucket(before: Map<number, number>, after?: Map<number, number>): number | undefined {
  if (!after) return undefined;
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = after.get(Infinity)! - (before.get(Infinity) ?? 0);
  const bound = bounds.find((b) => after.get(b)! - (before.get(b) ?? 0) >= 0.99 * total);
  return bound === undefined ? undefined : bound * 1000;
}

/** The event-loop delay and the GC pauses of this process (where every gateway under test runs) from now on. */
function watchLoop(): () => { loopP99: number; loopMax: number; gcMs: number; gcMaxMs: number } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let gcMs = 0;
  let gcMaxMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // Incremental marking steps run interleaved with the program; the pauses are the rest.
      if ((e as typeof e & { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) continue;
      gcMs += e.duration;
      gcMaxMs = Math.max(gcMaxMs, e.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  return () => {
    delay.disable();
    gc.disconnect();
    return { loopP99: delay.percentile(99) / 1e6, loopMax: delay.max / 1e6, gcMs, gcMaxMs };
  };
}

/** `healthUrl`: the gateway's liveness endpoint, probed through the run. */
async function measure(target: Target, url: string, healthUrl: string, token: string, reference: unknown, connections: number): Promise<Measured> {
  const body = JSON.stringify({ query: QUERY, variables: { first: PAGE }, operationName: 'Products' });
  // Checked once by hand, then byte-for-byte on every response of the run (autocannon's expectBody).
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body, signal: AbortSignal.timeout(30_000),
  });
  const expected = await res.text();
  const parsed = JSON.parse(expected) as { data?: unknown; errors?: unknown };
  if (res.status !== 200 || parsed.errors || !isDeepStrictEqual(parsed.data, reference)) {
    throw new Error(`${target} answers differently from the data seeded (HTTP ${res.status}): ${expected.slice(0, 500)}`);
  }
  // Taken over the measured window only: CPU, event loop and GC, the gateway's histogram. The /healthz probe (one
  // connection, 20 requests a second, as a load balancer would send them) runs beside the load, windowed alike.
  type Window = { load1: string; before: Promise<Map<number, number> | undefined>; after?: Promise<Map<number, number> | undefined> };
  let window: Window | undefined;
  let loop: ReturnType<ReturnType<typeof watchLoop>> | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  const measured = { warmupSeconds: warmup, seconds: duration };
  const [r, health] = await Promise.all([
    load({
      ...measured, url, connections, method: 'POST', body, expectBody: expected,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    }, () => {
      const stopWatching = watchLoop();
      const cpuFrom = process.cpuUsage();
      const w: Window = { load1: loadavg()[0]!.toFixed(2), before: durationBuckets(url) };
      window = w;
      return () => {
        cpu = process.cpuUsage(cpuFrom);
        loop = stopWatching();
        w.after = durationBuckets(url);
      };
    }),
    load({ ...measured, url: healthUrl, connections: 1, rate: 20, method: 'GET' }),
  ]);
  if (!window?.after || !loop || !cpu) throw new Error(`${target}: the load process never opened and closed its measured window`);
  const before = await window.before;
  return {
    target, connections, rps: r.rps, p50: r.p50, p99: r.p99, requests: r.requests, rampP99: r.rampP99, bad: r.bad + health.bad,
    load: window.load1, healthzP99: health.p99, healthzMax: health.max, ...loop,
    cpuUs: (cpu.user + cpu.system) / Math.max(1, r.requests),
    serverP99: before && p99Bucket(before, await window.after),
  };
}

/**
 * The runtime loads its HTTP transport by name from @graphql-mesh/transport-http, which is not installed. This is
 * that package's query path (no subscriptions, no header templates): the same executor on the entry's location.
 */
const httpTransport: Transport = {
  getSubgraphExecutor: (p) =>
    buildHTTPExecutor({
      endpoint: p.transportEntry.location, ...p.transportEntry.options, getDisposeReason: p.getDisposeReason,
      fetch: p.fetch as AsyncFetchFn,
    }),
};

/** The peer: Hive Gateway runtime on the same supergraph, checking the same JWT and sending the subgraph secret. */
async function startPeer(
  supergraph: string, jwtSecret: Uint8Array, subgraphSecret: string, dedup: boolean,
): Promise<{ url: string; close(): Promise<void> }> {
  const auth: GatewayPlugin<{ actor?: Actor }> = {
    async onContextBuilding({ context, extendContext }) {
      try {
        extendContext({ actor: await authenticate(jwtSecret, context.request.headers.get('authorization')) });
      } catch (err) {
        throw new GraphQLError((err as Error).message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
      }
    },
  };
  const runtime = createGatewayRuntime<{ actor?: Actor }>({
    supergraph,
    logging: false,
    landingPage: false,
    graphiql: false,
    transports: { http: httpTransport },
    // On by default: concurrent identical subgraph queries (same body and headers, i.e. same caller) run once.
    ...(dedup ? {} : { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }),
    plugins: () => [auth],
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => ({ [GATEWAY_SECRET_HEADER]: subgraphSecret, [ACTOR_HEADER]: JSON.stringify(context.actor) }),
    },
  });
  const server = createServer(runtime);
  const { port } = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await runtime.dispose();
    },
  };
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
}

/** The subgraph servers' process; resolves with their URLs once they listen. */
function startSubgraphProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; urls: Record<SubgraphName, string> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./subgraph-servers.js', import.meta.url))], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the subgraph servers did not start within 60 s'));
    }, 60_000);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve({ child, urls: JSON.parse(out.split('\n')[0]!) });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the subgraph servers exited with ${code}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

const scratch = await createScratchDatabase('tsunagi_bench', process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
const url = scratch.url;
const dataDir = join(tmpdir(), scratch.name);
const jwtSecret = randomBytes(32);
const subgraphSecret = randomBytes(32).toString('base64url');

const cleanup: (() => Promise<unknown>)[] = [];
let failed = false;
try {
  const sandbox = await openSandbox({ dataDir, rateLimits: false });
  cleanup.unshift(() => sandbox.close());
  const env = { ...process.env, DATABASE_URL: url, TSUNAGI_DATA_DIR: dataDir, TSUNAGI_SUBGRAPH_SECRET: subgraphSecret };
  const base = loadConfig('config/config.yaml', env);
  // The marketplace clients' rate limits would only slow the fan-out rounds' syncs down; relaxed as in sync.bench.
  const relaxed = { perSecond: 10_000, burst: 100 };
  const i = base.integrations;
  const config = {
    ...base,
    integrations: {
      ...i, amazon: { ...i.amazon, rateLimit: relaxed }, yahoo: { ...i.yahoo, rateLimit: relaxed },
      rakuten: { ...i.rakuten, upsertRateLimit: relaxed, getRateLimit: relaxed },
    },
  };
  const ctx = await createContext({ config, databaseUrl: url, sandbox });
  cleanup.unshift(() => ctx.close());

  const seeded = await seedSandbox(ctx, products);
  const first = await ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'bench' });
  if (first.status !== 'SUCCESS') throw new Error(`the seeding sync ended ${first.status}: ${first.errorSummary}`);
  console.log(`seeded ${seeded.skus} SKUs (${seeded.mapped} in the catalog), first sync ${first.updates} updates`);

  // The reference answer, straight from the services: what every gateway must return.
  const page = await ctx.catalog.listMappings({ first: PAGE });
  const stock = await ctx.inventory.history.stock(page.rows.map((r) => r.sku));
  const reference = {
    products: {
      edges: page.rows.map((m) => {
        const own = stock.filter((s) => s.sku === m.sku);
        return {
          node: {
            sku: m.sku,
            listings: [
              ...Object.entries(m.listings).map(([channel, code]) => ({ channel, code })),
            ],
            stock: own.filter((s) => s.channel !== 'amazon').map((s) => ({ channel: s.channel, quantity: s.quantity })),
            sourceQuantity: own.find((s) => s.channel === 'amazon')?.quantity ?? null,
            prices: [],
          },
        };
      }),
    },
  };

  const token = await issueToken(jwtSecret, { name: 'bench-partner', role: 'partner' });
  // One caller drives all the load: the per-caller rate limit (default 1200/min) would turn it into 429s.
  // No allowances: every request, operation and socket of the load comes from one address.
  const unlimited = Number.MAX_SAFE_INTEGER;
  const common = {
    port: 0, host: '127.0.0.1', jwtSecret,
    requestsPerMinute: unlimited, costPerMinute: unlimited, socketsPerClient: unlimited, socketsPerAddress: unlimited,
  };
  const results: Measured[] = [];

  const inProcess: RunningGateway = await startGateway(ctx, common);
  cleanup.unshift(() => inProcess.close());
  const healthz = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/healthz');
  /** Each level in turn on one running gateway. */
  const atEveryLevel = async (target: Target, url: string, healthUrl: string) => {
    for (const connections of connectionLevels) results.push(await measure(target, url, healthUrl, token, reference, connections));
  };
  if (only.has('ours-in-process')) await atEveryLevel('ours-in-process', inProcess.url, healthz(inProcess.url));

  if (only.has('ours-distributed') || only.has('peer') || only.has('peer-no-dedup')) {
    const subgraphs = await startSubgraphProcess(env);
    cleanup.unshift(() => stop(subgraphs.child));
    if (only.has('ours-distributed')) {
      const distributed = await startGateway(ctx, { ...common, subgraphUrls: subgraphs.urls, subgraphSecret });
      await atEveryLevel('ours-distributed', distributed.url, healthz(distributed.url)).finally(() => distributed.close());
    }
    const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `${subgraphs.urls[n]}/graphql`]));
    const supergraph = composeSupergraph(await buildSubgraphs(), urls);
    for (const target of ['peer', 'peer-no-dedup'] as const) {
      if (!only.has(target)) continue;
      const peer = await startPeer(supergraph, jwtSecret, subgraphSecret, target === 'peer');
      await atEveryLevel(target, peer.url, peer.url.replace(/\/graphql$/, '/healthcheck')).finally(() => peer.close());
    }
  }

  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
  const line = (label: string, value: string, ok: boolean) => console.log(`target: ${label}`.padEnd(56) + `${value}  ${verdict(ok)}`);
  if (results.length > 0) {
    console.log(`\n${PAGE} products per request (catalog + inventory + pricing), ${duration} s after ${warmup} s warm-up on the same connections, ${cpus().length} CPUs shared;`);
    console.log('ramp p99: each connection\'s first response, connect included (not in p50/p99); healthz: /healthz (the peer: /healthcheck) asked');
    console.log('20 times a second through the window; loop and GC: the gateway\'s event-loop delay and GC pauses');
    const cols = ['conns', 'req/s', 'p50 ms', 'p99 ms', 'ramp p99', 'requests', 'bad', 'hz p99', 'hz max', 'srv p99≤', 'loop p99', 'loop max', 'gc ms', 'gc max', 'cpu/req µs', 'load1'];
    console.log(`${'setup'.padEnd(18)} ${cols.map((c) => c.padStart(8)).join(' ')}`);
    const ms = (n: number) => n.toFixed(n < 10 ? 1 : 0);
    for (const r of results) {
      const cells = [r.connections, r.rps.toFixed(0), r.p50, r.p99, r.rampP99, r.requests, r.bad, r.healthzP99, r.healthzMax, r.serverP99 ?? '-', ms(r.loopP99), ms(r.loopMax), ms(r.gcMs), ms(r.gcMaxMs), r.cpuUs.toFixed(0), r.load];
      console.log(`${r.target.padEnd(18)} ${cells.map((c) => String(c).padStart(8)).join(' ')}`);
    }
    const find = (target: Target, connections: number) => results.find((r) => r.target === target && r.connections === connections);
    for (const connections of connectionLevels) {
      const peer = find('peer', connections);
      for (const ours of ['ours-in-process', 'ours-distributed'] as const) {
        const r = find(ours, connections);
        if (!r) continue;
        if (peer) line(`${ours} ahead of peer at ${connections}`, `${r.rps.toFixed(0)} vs ${peer.rps.toFixed(0)} req/s`, r.rps > peer.rps);
        if (ours === 'ours-in-process' && connections === 50) line(`${ours} p99 < ${TARGETS.inProcessP99Ms} ms at 50`, `${r.p99} ms`, r.p99 < TARGETS.inProcessP99Ms);
        if (connections === 200) {
          line(`${ours} p99 < ${TARGETS.p99At200Ms} ms at 200`, `${r.p99} ms`, r.p99 < TARGETS.p99At200Ms);
          const at50 = find(ours, 50);
          if (at50) line(`${ours} req/s at 200 >= at 50`, `${r.rps.toFixed(0)} vs ${at50.rps.toFixed(0)}`, r.rps >= at50.rps);
        }
        line(`${ours} /healthz p99 < ${TARGETS.healthzP99Ms} ms at ${connections}`, `${r.healthzP99} ms`, r.healthzP99 < TARGETS.healthzP99Ms);
      }
    }
    if (results.some((r) => r.target === 'peer-no-dedup')) console.log('(peer-no-dedup: the peer with its in-flight subgraph fetch deduplication off; information, no target)');
    for (const r of results) {
      if (r.bad > 0) {
        failed = true;
        console.log(`INVALID: ${r.target} at ${r.connections} connections had ${r.bad} failed or wrong responses`);
      }
      if (r.target !== 'peer-no-dedup') {
        console.log(`gateway-bench target=${r.target} connections=${r.connections} rps=${r.rps.toFixed(0)} p50_ms=${r.p50} p99_ms=${r.p99} ramp_p99_ms=${r.rampP99} healthz_p99_ms=${r.healthzP99} server_p99_le_ms=${r.serverP99 ?? '-'} loop_p99_ms=${ms(r.loopP99)} cpu_us_per_request=${r.cpuUs.toFixed(0)} load1=${r.load}`);
      }
    }
  }

  if (only.has('fanout')) {
    const withProduct = values['fanout-product']!;
    for (const subscribers of subscriberLevels) {
      const load1 = loadavg()[0]!.toFixed(2);
      const fan = await runFanout({ ctx, url: inProcess.url, wsUrl: inProcess.wsUrl, jwtSecret, subscribers, rounds, skusPerRound, withProduct });
      const target = TARGETS.fanoutP99Ms(subscribers);
      console.log(`\nfan-out on ours-in-process: ${subscribers} graphql-ws subscribers, ${rounds} syncs × ${fan.eventsPerRound} stockChanged events${withProduct ? ' with product' : ''}, ${fan.deliveries} deliveries`);
      console.log(`delivery latency (publish → receipt): p50 ${fan.p50} ms, p99 ${fan.p99} ms, max ${fan.max} ms; target p99 < ${target} ms  ${verdict(fan.p99 < target)}`);
      console.log(`gateway process RSS with every subscriber connected: ${fan.rssMb} MB; target < ${TARGETS.fanoutRssMb} MB  ${verdict(fan.rssMb < TARGETS.fanoutRssMb)}`);
      console.log(`CPU per delivery: gateway process ${fan.cpuUsPerDelivery.toFixed(1)} µs (syncs included), subscribers' process ${fan.subscriberCpuUsPerDelivery.toFixed(1)} µs`);
      console.log(`fanout-bench subscribers=${subscribers} p50_ms=${fan.p50} p99_ms=${fan.p99} rss_mb=${fan.rssMb} cpu_us_per_delivery=${fan.cpuUsPerDelivery.toFixed(1)} subscriber_cpu_us_per_delivery=${fan.subscriberCpuUsPerDelivery.toFixed(1)} load1=${load1}`);
    }
  }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  for (const close of cleanup) await close().catch((err) => console.error('cleanup:', err));
  await scratch.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
