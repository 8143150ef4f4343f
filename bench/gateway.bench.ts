// Gateway benchmark: one federated query (catalog + inventory + pricing, 20 products) under autocannon against
//   ours-in-process   startGateway without subgraphUrls (npm start's shape: subgraphs executed in-process),
//   ours-distributed  startGateway with subgraphUrls → six subgraph servers in a process of their own,
//   peer              @graphql-hive/gateway-runtime on the same supergraph and the same six subgraph servers,
//   peer-no-dedup     the same with its in-flight deduplication of identical subgraph fetches off (no target),
// then a subscription fan-out on the in-process gateway (bench/fanout.ts). Data is seeded through the services
// on a scratch database of the PostgreSQL server (DATABASE_URL, default 127.0.0.1:5432), dropped afterwards.
// autocannon runs in its own process; everything listens on 127.0.0.1.
// Usage: npm run bench:gateway [-- --connections 50 --duration 10 --subscribers 1000 --rounds 20 --only peer,fanout ...]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Transport } from '@graphql-mesh/transport-common';
import { buildHTTPExecutor, type AsyncFetchFn } from '@graphql-tools/executor-http';
import { GraphQLError } from 'graphql';
import { createContext } from '../app/context.js';
import { seedSandbox } from '../app/sandbox-seed.js';
import { openSandbox } from '../connectors/sandbox/index.js';
import { authenticate, issueToken } from '../gateway/auth.js';
import { startGateway, type RunningGateway } from '../gateway/index.js';
import { ACTOR_HEADER, GATEWAY_SECRET_HEADER } from '../gateway/subgraph-server.js';
import { buildSubgraphs, composeSupergraph, SUBGRAPH_NAMES, type SubgraphName } from '../gateway/supergraph.js';
import { loadConfig } from '../app/config.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../platform/db/scratch.js';
import type { Actor } from '../subgraphs/federation.js';
import { runFanout } from './fanout.js';

const TARGETS = { inProcessP99Ms: 50, fanoutP99Ms: 100 };
const PAGE = 20;
const QUERY = `query Products($first: Int!) {
  products(first: $first) {
    edges { node { sku listings { channel code } stock { channel quantity } sourceQuantity prices { channel country amount currency } } }
  }
}`;

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    products: { type: 'string', default: '200' },
    subscribers: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '20' },
    'skus-per-round': { type: 'string', default: '1' },
    'fanout-product': { type: 'boolean', default: false },
    only: { type: 'string', default: 'ours-in-process,ours-distributed,peer,peer-no-dedup,fanout' },
  },
});
function bounded(name: keyof typeof values, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got ${values[name]}`);
  return n;
}
const connections = bounded('connections', 1, 1000);
const duration = bounded('duration', 1, 120);
const warmup = bounded('warmup', 0, 30);
const products = bounded('products', PAGE, 10_000);
const subscribers = bounded('subscribers', 1, 5000);
const rounds = bounded('rounds', 1, 200);
const skusPerRound = bounded('skus-per-round', 1, 20);
const PARTS = ['ours-in-process', 'ours-distributed', 'peer', 'peer-no-dedup', 'fanout'];
const only = new Set(values.only!.split(',').map((p) => p.trim()));
for (const p of only) if (!PARTS.includes(p)) throw new Error(`--only takes a comma list of ${PARTS.join(', ')}; got ${p}`);

/** peer-no-dedup is informational: the peer with its in-flight deduplication of identical subgraph fetches off. */
type Target = 'ours-in-process' | 'ours-distributed' | 'peer' | 'peer-no-dedup';
interface Measured {
  target: Target;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  bad: number;
  load: string;
}

const autocannonBin = createRequire(import.meta.url).resolve('autocannon');

/** One autocannon run in its own process; `expected` is the exact body every response must carry. */
function autocannon(url: string, token: string, body: string, expected: string, seconds: number): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      autocannonBin, '--json', '-c', String(connections), '-d', String(seconds), '-m', 'POST',
      '-H', 'content-type=application/json', '-H', `authorization=Bearer ${token}`, '-b', body, '-E', expected, url,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err.slice(0, 500)}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`autocannon printed no JSON: ${out.slice(0, 300)} ${err.slice(0, 300)}`));
      }
    });
  });
}

async function measure(target: Target, url: string, token: string, reference: unknown): Promise<Measured> {
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
  if (warmup > 0) await autocannon(url, token, body, expected, warmup);
  const load = loadavg()[0]!.toFixed(2);
  const r = await autocannon(url, token, body, expected, duration);
  return {
    target, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total,
    bad: r.errors + r.timeouts + r.non2xx + (r.mismatches ?? 0), load,
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
  const first = await ctx.inventory.runSync({ dryRun: false, trigger: 'bench' });
  if (first.status !== 'SUCCESS') throw new Error(`the seeding sync ended ${first.status}: ${first.errorSummary}`);
  console.log(`seeded ${seeded.skus} SKUs (${seeded.mapped} in the catalog), first sync ${first.updates} updates`);

  // The reference answer, straight from the services: what every gateway must return.
  const page = await ctx.catalog.listMappings({ first: PAGE });
  const stock = await ctx.inventory.stock(page.rows.map((r) => r.amazonSku));
  const reference = {
    products: {
      edges: page.rows.map((m) => {
        const own = stock.filter((s) => s.sku === m.amazonSku);
        return {
          node: {
            sku: m.amazonSku,
            listings: [
              ...(m.yahooItemCode ? [{ channel: 'yahoo', code: m.yahooItemCode }] : []),
              ...(m.rakutenItemNumber ? [{ channel: 'rakuten', code: m.rakutenItemNumber }] : []),
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
  if (only.has('ours-in-process')) results.push(await measure('ours-in-process', inProcess.url, token, reference));

  if (only.has('ours-distributed') || only.has('peer') || only.has('peer-no-dedup')) {
    const subgraphs = await startSubgraphProcess(env);
    cleanup.unshift(() => stop(subgraphs.child));
    if (only.has('ours-distributed')) {
      const distributed = await startGateway(ctx, { ...common, subgraphUrls: subgraphs.urls, subgraphSecret });
      results.push(await measure('ours-distributed', distributed.url, token, reference).finally(() => distributed.close()));
    }
    const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `${subgraphs.urls[n]}/graphql`]));
    const supergraph = composeSupergraph(await buildSubgraphs(), urls);
    for (const target of ['peer', 'peer-no-dedup'] as const) {
      if (!only.has(target)) continue;
      const peer = await startPeer(supergraph, jwtSecret, subgraphSecret, target === 'peer');
      results.push(await measure(target, peer.url, token, reference).finally(() => peer.close()));
    }
  }

  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
  if (results.length > 0) {
    console.log(`\n${PAGE} products per request (catalog + inventory + pricing), ${connections} connections, ${duration} s after ${warmup} s warm-up, ${cpus().length} CPUs shared`);
    console.log(`${'setup'.padEnd(18)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'requests'.padStart(9)} ${'bad'.padStart(5)} ${'load1'.padStart(6)}`);
    for (const r of results) {
      console.log(`${r.target.padEnd(18)} ${r.rps.toFixed(0).padStart(8)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.requests).padStart(9)} ${String(r.bad).padStart(5)} ${r.load.padStart(6)}`);
    }
    const by = new Map(results.map((r) => [r.target, r]));
    const peer = by.get('peer');
    for (const ours of ['ours-in-process', 'ours-distributed'] as const) {
      const r = by.get(ours);
      if (r && peer) console.log(`target: ${ours} ahead of peer`.padEnd(42) + `${r.rps.toFixed(0)} vs ${peer.rps.toFixed(0)} req/s  ${verdict(r.rps > peer.rps)}`);
    }
    const own = by.get('ours-in-process');
    if (own) console.log(`target: ours-in-process p99 < ${TARGETS.inProcessP99Ms} ms`.padEnd(42) + `${own.p99} ms  ${verdict(own.p99 < TARGETS.inProcessP99Ms)}`);
    if (by.has('peer-no-dedup')) console.log('(peer-no-dedup: the peer with its in-flight subgraph fetch deduplication off; information, no target)');
    for (const r of results) {
      if (r.bad > 0) {
        failed = true;
        console.log(`INVALID: ${r.target} had ${r.bad} failed or wrong responses`);
      }
      if (r.target !== 'peer-no-dedup') console.log(`gateway-bench target=${r.target} rps=${r.rps.toFixed(0)} p50_ms=${r.p50} p99_ms=${r.p99}`);
    }
  }

  if (only.has('fanout')) {
    const withProduct = values['fanout-product']!;
    const fan = await runFanout({ ctx, url: inProcess.url, wsUrl: inProcess.wsUrl, jwtSecret, subscribers, rounds, skusPerRound, withProduct });
    console.log(`\nfan-out on ours-in-process: ${subscribers} graphql-ws subscribers, ${rounds} syncs × ${fan.eventsPerRound} stockChanged events${withProduct ? ' with product' : ''}, ${fan.deliveries} deliveries`);
    console.log(`delivery latency (publish → receipt): p50 ${fan.p50} ms, p99 ${fan.p99} ms, max ${fan.max} ms; target p99 < ${TARGETS.fanoutP99Ms} ms  ${verdict(fan.p99 < TARGETS.fanoutP99Ms)}`);
    console.log(`fanout-bench subscribers=${subscribers} p99_ms=${fan.p99}`);
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
