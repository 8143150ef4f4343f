// Distributed mode: each subgraph on its own port, the gateway calling them over HTTP and WebSocket with the
// shared secret; subgraphs refuse anyone else.
import { startSubgraphServer } from '../../gateway/subgraph-server.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../gateway/supergraph.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { gql, seedDemo, startHarness, token, wsClient, type Harness } from './support.js';

const SECRET = 'subgraph-secret-subgraph-secret-0123456789';
let app: TestApp;
let servers: { url: string; close(): Promise<void> }[];
let h: Harness;

beforeAll(async () => {
  app = await createTestApp();
  servers = await Promise.all(SUBGRAPH_NAMES.map((name) => startSubgraphServer(app.ctx, name, { secret: SECRET })));
  const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((n, i) => [n, servers[i]!.url])) as Record<SubgraphName, string>;
  h = await startHarness({ subgraphUrls, subgraphSecret: SECRET });
  // The subgraph servers and the gateway share one database: seed through the subgraphs' app.
  await seedDemo(app);
});

afterAll(async () => {
  await h.close();
  await Promise.all(servers.map((s) => s.close()));
  await app.close();
});

test('a subgraph refuses requests without the gateway secret', async () => {
  const res = await fetch(`${servers[0]!.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(res.status).toBe(401);
});

test('queries and subscriptions cross subgraphs over HTTP and WebSocket', async () => {
  const operator = await token('operator');
  const subscriber = wsClient(h.gateway.wsUrl, operator);
  try {
    const events = subscriber.iterate<{ stockChanged: { sku: string; after: number; product: { sku: string; listings: { channel: string }[] } } }>({
      query: 'subscription { stockChanged(skus: ["AMZ-000001"], channels: ["rakuten"]) { sku after product { sku listings { channel } } } }',
    });
    const first = events.next();
    await new Promise((r) => setTimeout(r, 300));
    const sync = await gql(h.gateway.url, 'mutation { runStockSync(dryRun: false) { status updates } }', {}, operator);
    expect(sync.body.data).toEqual({ runStockSync: { status: 'SUCCESS', updates: 6 } });
    expect((await first).value?.data).toEqual({
      stockChanged: { sku: 'AMZ-000001', after: 4, product: { sku: 'AMZ-000001', listings: [{ channel: 'yahoo' }, { channel: 'rakuten' }] } },
    });
    await events.return?.();

    const products = await gql(h.gateway.url, '{ products(first: 1) { edges { node { sku sourceQuantity stock { channel quantity } } } } }', {}, operator);
    expect(products.body.data!.products.edges[0].node).toMatchObject({ sku: 'AMZ-000001', sourceQuantity: 20 });
  } finally {
    await subscriber.dispose();
  }
});
