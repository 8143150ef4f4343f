// Distributed mode: each subgraph on its own port, the gateway calling them over HTTP and WebSocket with the
// shared secret; subgraphs refuse anyone else. Upstream subscriptions live and die with the client's, and a
// subgraph that goes away either comes back (the subscription resumes) or ends the subscription with an error.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startSubgraphServer } from '../../gateway/subgraph-server.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../gateway/supergraph.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { baseOf, gql, metric, metricReaches, seedDemo, startHarness, token, within, wsClient, type Harness } from './support.js';

const SECRET = 'subgraph-secret-subgraph-secret-0123456789';
const UPSTREAM = 'tsunagi_subgraph_subscriptions_active';
const DOWNSTREAM = 'tsunagi_graphql_subscriptions_active';
const STOCK_CHANGED = 'subscription { stockChanged(skus: ["AMZ-000001"], channels: ["rakuten"]) { sku after product { sku listings { channel } } } }';
type Event = { stockChanged: { sku: string; after: number; product: { sku: string; listings: { channel: string }[] } } };

let app: TestApp;
const servers = new Map<SubgraphName, { url: string; close(): Promise<void> }>();
let h: Harness;

const inventoryUrl = () => servers.get('inventory')!.url;
/** What the gateway sends: subgraph servers answer nothing else but /healthz. */
const AS_GATEWAY = { 'x-tsunagi-gateway-secret': SECRET };
const upstreamReaches = (value: number, ms?: number) => metricReaches(inventoryUrl(), UPSTREAM, value, ms, AS_GATEWAY);

async function startServer(name: SubgraphName, port?: number) {
  servers.set(name, await startSubgraphServer(app.ctx, name, { secret: SECRET, port }));
}

async function stopServer(name: SubgraphName) {
  await servers.get(name)!.close();
  servers.delete(name);
}

// Apollo Server sends stack traces unless NODE_ENV is production or test: the servers here start in development,
// and nothing may leak all the same.
const nodeEnv = process.env.NODE_ENV;

beforeAll(async () => {
  process.env.NODE_ENV = 'development';
  app = await createTestApp();
  for (const name of SUBGRAPH_NAMES) await startServer(name);
  const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, servers.get(n)!.url])) as Record<SubgraphName, string>;
  // Short retries: a subgraph gone for good must end the subscription within the test's bounded wait.
  h = await startHarness({ subgraphUrls, subgraphSecret: SECRET, upstreamRetry: { attempts: 5, baseDelayMs: 100 } });
  // The subgraph servers and the gateway share one database: seed through the subgraphs' app.
  await seedDemo(app);
});

afterAll(async () => {
  process.env.NODE_ENV = nodeEnv;
  await h.close();
  await Promise.all([...servers.values()].map((s) => s.close()));
  await app.close();
});

test('a subgraph refuses requests and metrics without the gateway secret; health stays open', async () => {
  const res = await fetch(`${inventoryUrl()}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(res.status).toBe(401);
  expect((await fetch(`${inventoryUrl()}/metrics`)).status).toBe(401);
  expect((await fetch(`${inventoryUrl()}/metrics`, { headers: { 'x-tsunagi-gateway-secret': 'x'.repeat(SECRET.length) } })).status).toBe(401);
  const metrics = await fetch(`${inventoryUrl()}/metrics`, { headers: AS_GATEWAY });
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain(UPSTREAM);
  expect((await fetch(`${inventoryUrl()}/healthz`)).status).toBe(200);
});

test('a subgraph refuses an actor whose role is unknown, over HTTP and WebSocket', async () => {
  const MUTATION = JSON.stringify({ query: 'mutation { runStockSync(dryRun: true) { runId } }' });
  for (const actor of ['{"name":"mallory","role":"superuser"}', '{"name":"mallory"}', 'not json', '{"role":"admin"}']) {
    const res = await fetch(`${inventoryUrl()}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...AS_GATEWAY, 'x-tsunagi-actor': actor }, body: MUTATION,
    });
    expect({ actor, status: res.status }).toEqual({ actor, status: 400 });
    expect((await res.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  }
  const client = createClient({
    url: `${inventoryUrl().replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0,
    connectionParams: { ...AS_GATEWAY, 'x-tsunagi-actor': '{"name":"mallory","role":"superuser"}' },
  });
  const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
  await client.iterate({ query: '{ __typename }' }).next().catch(() => undefined);
  expect(await within(closed, 5000, 'the refusal')).toBe(4403);
  await client.dispose();
  expect(await app.ctx.inventory.history.listRuns()).toEqual([]);
});

test('clients get codes and safe messages only: no stack trace, file path or upstream address', async () => {
  const operator = await token('operator');
  const leaks = /stacktrace|exception|node_modules|\/work\/|127\.0\.0\.1|localhost|ECONNREFUSED|https?:\/\//i;
  // A database error inside a subgraph (PostgreSQL refuses a NUL byte): not raised on purpose, so a generic message.
  const failing = await fetch(h.gateway.url, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
    body: JSON.stringify({ query: '{ stock(skus: ["AMZ\u0000"]) { sku } }' }),
  });
  const failingText = await failing.text();
  expect(failingText).not.toMatch(leaks);
  expect(JSON.parse(failingText).errors).toEqual([expect.objectContaining({ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);

  // A subgraph that is down.
  const port = Number(new URL(servers.get('pricing')!.url).port);
  await stopServer('pricing');
  try {
    const down = await fetch(h.gateway.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ query: '{ products(first: 1) { edges { node { sku prices { amount } } } } }' }),
    });
    const downText = await down.text();
    expect(downText).not.toMatch(leaks);
    expect(JSON.parse(downText).errors).toEqual([expect.objectContaining({ message: 'a subgraph is unavailable; try again later', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } })]);
  } finally {
    await startServer('pricing', port);
  }
});

test('queries and subscriptions cross subgraphs over HTTP and WebSocket', async () => {
  const operator = await token('operator');
  const subscriber = wsClient(h.gateway.wsUrl, operator);
  try {
    const events = subscriber.iterate<Event>({ query: STOCK_CHANGED });
    await upstreamReaches(1);
    const sync = await gql(h.gateway.url, 'mutation { runStockSync(dryRun: false) { status updates } }', {}, operator);
    expect(sync.body.data).toEqual({ runStockSync: { status: 'SUCCESS', updates: 6 } });
    expect((await within(events.next(), 5000, 'the stock event')).value?.data).toEqual({
      stockChanged: { sku: 'AMZ-000001', after: 4, product: { sku: 'AMZ-000001', listings: [{ channel: 'yahoo' }, { channel: 'rakuten' }] } },
    });
    await events.return?.();

    const products = await gql(h.gateway.url, '{ products(first: 1) { edges { node { sku sourceQuantity stock { channel quantity } } } } }', {}, operator);
    expect(products.body.data!.products.edges[0].node).toMatchObject({ sku: 'AMZ-000001', sourceQuantity: 20 });
  } finally {
    await subscriber.dispose();
  }
});

test('closing a client closes its upstream subscription on the subgraph', async () => {
  await upstreamReaches(0);
  const subscriber = wsClient(h.gateway.wsUrl, await token('partner'));
  const events = subscriber.iterate<Event>({ query: STOCK_CHANGED });
  const pending = events.next().catch(() => undefined);
  await upstreamReaches(1);
  expect(await metric(baseOf(h.gateway.url), DOWNSTREAM)).toBe(1);

  // The client goes away without unsubscribing: its socket closes.
  await subscriber.dispose();
  await metricReaches(baseOf(h.gateway.url), DOWNSTREAM, 0);
  await upstreamReaches(0);
  await pending;
});

test('a subgraph restart: the upstream subscription comes back and events flow again', async () => {
  const operator = await token('operator');
  const subscriber = wsClient(h.gateway.wsUrl, operator);
  try {
    const events = subscriber.iterate<Event>({ query: STOCK_CHANGED });
    await upstreamReaches(1);

    const port = Number(new URL(inventoryUrl()).port);
    await stopServer('inventory');
    // Down long enough for the gateway's first reconnection attempts to be refused.
    await new Promise((r) => setTimeout(r, 600));
    await startServer('inventory', port);
    await upstreamReaches(1, 10_000);

    app.sims.amazon.setQuantity('AMZ-000001', 40);
    const sync = await gql(h.gateway.url, 'mutation { runStockSync(dryRun: false) { status updates } }', {}, operator);
    expect(sync.body.data).toEqual({ runStockSync: { status: 'SUCCESS', updates: 2 } });
    const next = await within(events.next(), 10_000, 'the event after the restart');
    expect(next.value?.data?.stockChanged).toMatchObject({ sku: 'AMZ-000001', after: 8 });
    await events.return?.();
  } finally {
    await subscriber.dispose();
  }
});

test('a subgraph that does not come back ends the subscription with an error, not a silent stall', async () => {
  const subscriber = wsClient(h.gateway.wsUrl, await token('partner'));
  try {
    const events = subscriber.iterate<Event>({ query: STOCK_CHANGED });
    await upstreamReaches(1);
    const port = Number(new URL(inventoryUrl()).port);
    await stopServer('inventory');

    const ended = await within(events.next().then(() => null, (err: unknown) => err), 10_000, 'the subscription to end');
    expect(ended).toEqual([expect.objectContaining({ extensions: { code: 'SUBGRAPH_UNAVAILABLE' } })]);
    // The reason (connect ECONNREFUSED <address>) is logged, not sent.
    expect((ended as { message: string }[])[0]!.message).toBe('the inventory subgraph is unavailable; subscribe again later');
    await metricReaches(baseOf(h.gateway.url), DOWNSTREAM, 0);

    const ready = await fetch(`${baseOf(h.gateway.url)}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks.inventory).not.toMatch(/^ok/);
    await startServer('inventory', port);
  } finally {
    await subscriber.dispose();
  }
});

test('a change made while the subgraph is down reaches the subscriber once it is back, exactly once (resume by event id)', async () => {
  const operator = await token('operator');
  const subscriber = wsClient(h.gateway.wsUrl, operator);
  const query = 'subscription { stockChanged(skus: ["AMZ-000001"], channels: ["rakuten"]) { sku after eventId } }';
  try {
    const events = subscriber.iterate<{ stockChanged: { sku: string; after: number; eventId: string } }>({ query });
    await upstreamReaches(1);
    app.sims.amazon.setQuantity('AMZ-000001', 60);
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    const first = (await within(events.next(), 10_000, 'the event before the restart')).value!.data!.stockChanged;
    expect(first).toMatchObject({ sku: 'AMZ-000001', after: 12 });

    const port = Number(new URL(inventoryUrl()).port);
    await stopServer('inventory');
    // While the inventory subgraph is away, another process (the CLI, a worker) changes stock.
    app.sims.amazon.setQuantity('AMZ-000001', 80);
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    await startServer('inventory', port);

    const missed = (await within(events.next(), 15_000, 'the change made during the restart')).value!.data!.stockChanged;
    expect(missed).toMatchObject({ sku: 'AMZ-000001', after: 16 });
    expect(missed.eventId).not.toBe(first.eventId);
    app.sims.amazon.setQuantity('AMZ-000001', 100);
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect((await within(events.next(), 10_000, 'the next live event')).value!.data!.stockChanged).toMatchObject({ after: 20 });
    await events.return?.();
  } finally {
    await subscriber.dispose();
  }
});
