// Distributed mode: each subgraph on its own port, the gateway calling them over HTTP and WebSocket with the
// shared secret; subgraphs refuse anyone else. Upstream subscriptions live and die with the client's, and a
// subgraph that goes away either comes back (the subscription resumes) or ends the subscription with an error.
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

async function startServer(name: SubgraphName, port?: number) {
  servers.set(name, await startSubgraphServer(app.ctx, name, { secret: SECRET, port }));
}

async function stopServer(name: SubgraphName) {
  await servers.get(name)!.close();
  servers.delete(name);
}

beforeAll(async () => {
  app = await createTestApp();
  for (const name of SUBGRAPH_NAMES) await startServer(name);
  const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, servers.get(n)!.url])) as Record<SubgraphName, string>;
  // Short retries: a subgraph gone for good must end the subscription within the test's bounded wait.
  h = await startHarness({ subgraphUrls, subgraphSecret: SECRET, upstreamRetry: { attempts: 5, baseDelayMs: 100 } });
  // The subgraph servers and the gateway share one database: seed through the subgraphs' app.
  await seedDemo(app);
});

afterAll(async () => {
  await h.close();
  await Promise.all([...servers.values()].map((s) => s.close()));
  await app.close();
});

test('a subgraph refuses requests without the gateway secret', async () => {
  const res = await fetch(`${inventoryUrl()}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(res.status).toBe(401);
});

test('queries and subscriptions cross subgraphs over HTTP and WebSocket', async () => {
  const operator = await token('operator');
  const subscriber = wsClient(h.gateway.wsUrl, operator);
  try {
    const events = subscriber.iterate<Event>({ query: STOCK_CHANGED });
    await metricReaches(inventoryUrl(), UPSTREAM, 1);
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
  await metricReaches(inventoryUrl(), UPSTREAM, 0);
  const subscriber = wsClient(h.gateway.wsUrl, await token('partner'));
  const events = subscriber.iterate<Event>({ query: STOCK_CHANGED });
  const pending = events.next().catch(() => undefined);
  await metricReaches(inventoryUrl(), UPSTREAM, 1);
  expect(await metric(baseOf(h.gateway.url), DOWNSTREAM)).toBe(1);

  // The client goes away without unsubscribing: its socket closes.
  await subscriber.dispose();
  await metricReaches(baseOf(h.gateway.url), DOWNSTREAM, 0);
  await metricReaches(inventoryUrl(), UPSTREAM, 0);
  await pending;
});

test('a subgraph restart: the upstream subscription comes back and events flow again', async () => {
  const operator = await token('operator');
  const subscriber = wsClient(h.gateway.wsUrl, operator);
  try {
    const events = subscriber.iterate<Event>({ query: STOCK_CHANGED });
    await metricReaches(inventoryUrl(), UPSTREAM, 1);

    const port = Number(new URL(inventoryUrl()).port);
    await stopServer('inventory');
    // Down long enough for the gateway's first reconnection attempts to be refused.
    await new Promise((r) => setTimeout(r, 600));
    await startServer('inventory', port);
    await metricReaches(inventoryUrl(), UPSTREAM, 1, 10_000);

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
    await metricReaches(inventoryUrl(), UPSTREAM, 1);
    const port = Number(new URL(inventoryUrl()).port);
    await stopServer('inventory');

    const ended = await within(events.next().then(() => null, (err: unknown) => err), 10_000, 'the subscription to end');
    expect(ended).toEqual([expect.objectContaining({ extensions: { code: 'SUBGRAPH_UNAVAILABLE' } })]);
    expect((ended as { message: string }[])[0]!.message).toMatch(/^the inventory subgraph is unavailable: connect ECONNREFUSED 127.0.0.1:\d+; subscribe again later$/);
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
    await metricReaches(inventoryUrl(), UPSTREAM, 1);
    app.sims.amazon.setQuantity('AMZ-000001', 60);
    await app.ctx.inventory.runSync({ dryRun: false, trigger: 'test' });
    const first = (await within(events.next(), 10_000, 'the event before the restart')).value!.data!.stockChanged;
    expect(first).toMatchObject({ sku: 'AMZ-000001', after: 12 });

    const port = Number(new URL(inventoryUrl()).port);
    await stopServer('inventory');
    // While the inventory subgraph is away, another process (the CLI, a worker) changes stock.
    app.sims.amazon.setQuantity('AMZ-000001', 80);
    await app.ctx.inventory.runSync({ dryRun: false, trigger: 'test' });
    await startServer('inventory', port);

    const missed = (await within(events.next(), 15_000, 'the change made during the restart')).value!.data!.stockChanged;
    expect(missed).toMatchObject({ sku: 'AMZ-000001', after: 16 });
    expect(missed.eventId).not.toBe(first.eventId);
    app.sims.amazon.setQuantity('AMZ-000001', 100);
    await app.ctx.inventory.runSync({ dryRun: false, trigger: 'test' });
    expect((await within(events.next(), 10_000, 'the next live event')).value!.data!.stockChanged).toMatchObject({ after: 20 });
    await events.return?.();
  } finally {
    await subscriber.dispose();
  }
});
