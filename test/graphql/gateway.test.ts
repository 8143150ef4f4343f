// End to end through the gateway over real HTTP and a real graphql-ws client, on a real PostgreSQL database
// with the marketplace simulators.
import type { Client } from 'graphql-ws';
import { gql, metric, metricReaches, seedDemo, startHarness, token, within, wsClient, type Harness } from './support.js';

const PRODUCTS = `query($first: Int, $after: String) {
  products(first: $first, after: $after) {
    edges { cursor node { sku nameJa nameEn listings { channel code } stock { channel quantity updatedAt } sourceQuantity prices { amount } images(country: "SG") { url } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const SYNC = 'mutation($dryRun: Boolean!) { runStockSync(dryRun: $dryRun) { runId status updates changes { channel sku before after } } }';

let h: Harness;
const clients: Client[] = [];

beforeAll(async () => {
  h = await startHarness();
  await seedDemo(h.app);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await h.close();
});

test('without a token the API answers 401 and runs nothing', async () => {
  const res = await gql(h.gateway.url, SYNC, { dryRun: false });
  expect(res.status).toBe(401);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(await h.app.ctx.inventory.history.listRuns()).toEqual([]);
});

test('a partner may read products but not sync: FORBIDDEN, no run recorded', async () => {
  const partner = await token('partner');
  const read = await gql(h.gateway.url, '{ product(sku: "AMZ-000001") { sku listings { channel code } } }', {}, partner);
  expect(read.body).toEqual({ data: { product: { sku: 'AMZ-000001', listings: [{ channel: 'yahoo', code: 'Y-AMZ-000001' }, { channel: 'rakuten', code: 'r-amz-000001' }] } } });

  const res = await gql(h.gateway.url, SYNC, { dryRun: false }, partner);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(res.body.data).toBeNull();
  expect(await h.app.ctx.inventory.history.listRuns()).toEqual([]);
});

test('setChannelStock with a negative quantity answers BAD_USER_INPUT naming the argument, and changes nothing', async () => {
  const operator = await token('operator');
  const res = await gql(h.gateway.url, 'mutation { setChannelStock(sku: "AMZ-000001", channel: "yahoo", quantity: -3) { runId status } }', {}, operator);
  expect(res.body.errors?.[0]).toMatchObject({ message: 'quantity must be a whole number from 0 to 999999999, got -3', extensions: { code: 'BAD_USER_INPUT', argumentName: 'quantity' } });
  expect(await h.app.ctx.inventory.history.listRuns()).toEqual([]);
});

test('an operator syncs by mutation; a subscriber sees each change with its product resolved across subgraphs', async () => {
  const operator = await token('operator');
  const subscriber = wsClient(h.gateway.wsUrl, await token('partner'));
  clients.push(subscriber);
  const events = subscriber.iterate<{ stockChanged: { sku: string; channel: string; before: number; after: number; runId: number; at: string; product: { sku: string; listings: { code: string }[] } } }>({
    query: 'subscription { stockChanged(channels: ["yahoo"]) { sku channel before after runId at product { sku listings { code } } } }',
  });
  // The first next() opens the subscription; give the upstream a moment to attach to the event bus.
  const first = events.next();
  await new Promise((r) => setTimeout(r, 300));

  const sync = await gql(h.gateway.url, SYNC, { dryRun: false }, operator);
  expect(sync.body.errors).toBeUndefined();
  const report = sync.body.data!.runStockSync;
  expect(report.status).toBe('SUCCESS');
  // Tiers: 20 → 1/5 = 4, 10 → 1/4 = 2, 4 → 1/2 = 2, on both malls.
  expect(report.updates).toBe(6);

  const received = [(await first).value];
  for (let i = 0; i < 2; i++) received.push((await events.next()).value);
  const changes = received.map((r) => r!.data!.stockChanged).sort((a, b) => a.sku.localeCompare(b.sku));
  expect(changes.map(({ sku, channel, before, after, runId, product }) => ({ sku, channel, before, after, runId, product }))).toEqual([
    { sku: 'AMZ-000001', channel: 'yahoo', before: 0, after: 4, runId: report.runId, product: { sku: 'AMZ-000001', listings: [{ code: 'Y-AMZ-000001' }, { code: 'r-amz-000001' }] } },
    { sku: 'AMZ-000002', channel: 'yahoo', before: 0, after: 2, runId: report.runId, product: { sku: 'AMZ-000002', listings: [{ code: 'Y-AMZ-000002' }, { code: 'r-amz-000002' }] } },
    { sku: 'AMZ-000003', channel: 'yahoo', before: 0, after: 2, runId: report.runId, product: { sku: 'AMZ-000003', listings: [{ code: 'Y-AMZ-000003' }, { code: 'r-amz-000003' }] } },
  ]);
  expect(Number.isNaN(Date.parse(changes[0]!.at))).toBe(false);
  await events.return?.();
});

test('products query joins catalog, inventory, pricing and media, paginated', async () => {
  const partner = await token('partner');
  const page1 = await gql(h.gateway.url, PRODUCTS, { first: 2 }, partner);
  expect(page1.body.errors).toBeUndefined();
  const conn = page1.body.data!.products;
  expect(conn.pageInfo).toEqual({ hasNextPage: true, endCursor: 'AMZ-000002' });
  const node = conn.edges[0].node;
  expect(node).toMatchObject({ sku: 'AMZ-000001', nameJa: null, nameEn: null, sourceQuantity: 20, prices: [], images: [] });
  expect(node.stock.map((s: { channel: string; quantity: number }) => [s.channel, s.quantity])).toEqual([['rakuten', 4], ['yahoo', 4]]);

  const page2 = await gql(h.gateway.url, PRODUCTS, { first: 2, after: conn.pageInfo.endCursor }, partner);
  expect(page2.body.data!.products.edges.map((e: { node: { sku: string } }) => e.node.sku)).toEqual(['AMZ-000003']);
  expect(page2.body.data!.products.pageInfo.hasNextPage).toBe(false);
});

test('run history with its ledger is served by reporting', async () => {
  const operator = await token('operator');
  const res = await gql(h.gateway.url, '{ syncRuns(limit: 5) { id status dryRun updates ledger(first: 2) { edges { node { sku channel after result } } pageInfo { hasNextPage } } } }', {}, operator);
  expect(res.body.errors).toBeUndefined();
  const [run] = res.body.data!.syncRuns;
  expect(run).toMatchObject({ status: 'SUCCESS', dryRun: false, updates: 6 });
  expect(run.ledger.edges).toHaveLength(2);
  expect(run.ledger.pageInfo.hasNextPage).toBe(true);
});

test('a WebSocket without a valid token is closed with 4401', async () => {
  const client = wsClient(h.gateway.wsUrl, 'not-a-token');
  clients.push(client);
  const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
  const sub = client.iterate({ query: 'subscription { stockChanged { sku } }' });
  await expect(sub.next()).rejects.toBeDefined();
  expect(await closed).toBe(4401);
});

test('depth and cost limits refuse oversized queries before they run', async () => {
  const operator = await token('operator');
  const res = await gql(h.gateway.url, '{ products(first: 1000) { edges { node { sku stock { channel } listings { code } } } } syncRuns(limit: 500) { ledger(first: 500) { edges { node { sku } } } } }', {}, operator);
  expect(res.status).toBe(400);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
});

test('health, readiness and metrics endpoints', async () => {
  const base = h.gateway.url.replace(/\/graphql$/, '');
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const ready = await fetch(`${base}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toContain('tsunagi_graphql_requests_total');
  expect(metrics).toContain('tsunagi_graphql_subscriptions_active');
  // The hub's own beside the gateway's: external calls, runs, alerts firing, credential expiry.
  for (const name of ['tsunagi_external_calls_total', 'tsunagi_external_call_duration_seconds', 'tsunagi_runs', 'tsunagi_alerts_firing', 'tsunagi_credential_expiry_days']) {
    expect(metrics).toContain(`# TYPE ${name} `);
  }
  // Long synchronous stretches show up here: the loop's delay and every GC pause, as histograms.
  expect(metrics).toMatch(/^tsunagi_eventloop_delay_seconds_count [1-9]/m);
  expect(metrics).toMatch(/^tsunagi_gc_pause_seconds_count\{kind="minor"\} [1-9]/m);
});

test('subscribers of one operation share its execution: each gets every event under its own id, and one leaving ends only its own', async () => {
  const base = h.gateway.url.replace(/\/graphql$/, '');
  const open = await metric(base, 'tsunagi_graphql_subscriptions_active');
  const query = 'subscription { stockChanged(channels: ["rakuten"]) { sku after } }';
  type Event = { stockChanged: { sku: string; after: number } };
  const a = wsClient(h.gateway.wsUrl, await token('partner', 'partner-a'));
  const b = wsClient(h.gateway.wsUrl, await token('partner', 'partner-b'));
  clients.push(a, b);
  // Two subscriptions on one socket (two ids) and one on another socket.
  const [a1, a2, b1] = [a.iterate<Event>({ query }), a.iterate<Event>({ query }), b.iterate<Event>({ query })];
  const nexts = [a1.next(), a2.next()];
  const bNext = b1.next();
  await metricReaches(base, 'tsunagi_graphql_subscriptions_active', open + 3);
  await b1.return?.();
  await metricReaches(base, 'tsunagi_graphql_subscriptions_active', open + 2);

  await h.app.sandbox.call('amazon', 'setQuantity', 'AMZ-000001', 40);
  const report = await h.app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
  expect(report.status).toBe('SUCCESS');
  // 40 → 1/5 = 8 on Rakuten.
  for (const next of nexts) expect((await within(next, 5000, 'the shared event')).value).toEqual({ data: { stockChanged: { sku: 'AMZ-000001', after: 8 } } });
  expect(await bNext).toEqual({ value: undefined, done: true });
  await Promise.all([a1.return?.(), a2.return?.()]);
  await metricReaches(base, 'tsunagi_graphql_subscriptions_active', open);
});

test('identical queries in flight together share subgraph fetches and each still gets the whole answer', async () => {
  const partner = await token('partner');
  const alone = await gql(h.gateway.url, PRODUCTS, { first: 3 }, partner);
  expect(alone.body.data!.products.edges).toHaveLength(3);
  // Forty callers of one operation: shared fetches, every response but one merged from a copy.
  const together = await Promise.all(Array.from({ length: 40 }, () => gql(h.gateway.url, PRODUCTS, { first: 3 }, partner)));
  for (const res of together) expect(res.body).toEqual(alone.body);
});
