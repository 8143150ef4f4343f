// The orders subgraph through the gateway: listing with filters and pages, one order with its lines and their
// products (from catalog, by federation), the buyer for admins only, dead letters and their retry, orderChanged.
import { SHOPEE_MAPPING, sourceOrder } from '../orders/fixtures.js';
import { gql, seedDemo, startHarness, token, within, wsClient, type Harness } from './support.js';

let h: Harness;
const ingest = (o: Parameters<typeof sourceOrder>[0]) => h.app.ctx.orders.records.ingest(sourceOrder(o), SHOPEE_MAPPING);

beforeAll(async () => {
  h = await startHarness();
  await seedDemo(h.app);
  await ingest({ orderSn: 'GQ-SG-1', updateTime: 1_764_000_000, items: [{ sku: 'AMZ-000001', quantity: 2, price: 12.5 }, { sku: 'NOT-IN-CATALOG', quantity: 1, price: 1 }] });
  await ingest({ orderSn: 'GQ-VN-1', region: 'VN', currency: 'VND', status: 'CANCELLED', items: [{ sku: 'AMZ-000002', quantity: 1, price: 32119 }] });
  await ingest({ orderSn: 'GQ-SG-2', status: 'UNPAID', items: [{ sku: 'AMZ-000003', quantity: 3, price: 1.1 }] });
});
afterAll(() => h.close());

const ORDERS = `query Orders($first: Int!, $after: String, $channel: String, $status: String, $placedFrom: DateTimeISO, $placedTo: DateTimeISO) {
  orders(first: $first, after: $after, channel: $channel, status: $status, placedFrom: $placedFrom, placedTo: $placedTo) {
    edges { cursor node { id channel orderSn status total { amount currency } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('orders', () => {
  it('pages newest first and filters by channel, status and placement time', async () => {
    const partner = await token('partner');
    const page1 = await gql(h.gateway.url, ORDERS, { first: 2 }, partner);
    expect(page1.body.errors).toBeUndefined();
    expect(page1.body.data!.orders.edges).toHaveLength(2);
    expect(page1.body.data!.orders.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(h.gateway.url, ORDERS, { first: 2, after: page1.body.data!.orders.pageInfo.endCursor }, partner);
    const all = [...page1.body.data!.orders.edges, ...page2.body.data!.orders.edges].map((e: { node: { orderSn: string } }) => e.node.orderSn);
    expect(all.sort()).toEqual(['GQ-SG-1', 'GQ-SG-2', 'GQ-VN-1']);
    expect(page2.body.data!.orders.pageInfo.hasNextPage).toBe(false);

    const vn = await gql(h.gateway.url, ORDERS, { first: 10, channel: 'shopee:VN' }, partner);
    expect(vn.body.data!.orders.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { id: expect.any(String), channel: 'shopee:VN', orderSn: 'GQ-VN-1', status: 'cancelled', total: { amount: 32119, currency: 'VND' } },
    ]);
    const unpaid = await gql(h.gateway.url, ORDERS, { first: 10, status: 'pending_payment' }, partner);
    expect(unpaid.body.data!.orders.edges.map((e: { node: { orderSn: string } }) => e.node.orderSn)).toEqual(['GQ-SG-2']);
    const none = await gql(h.gateway.url, ORDERS, { first: 10, placedFrom: '2030-01-01T00:00:00Z' }, partner);
    expect(none.body.data!.orders.edges).toEqual([]);
  });

  it('refuses a bad page size, an unknown status and a foreign cursor, naming the argument', async () => {
    const partner = await token('partner');
    for (const [vars, pattern] of [
      [{ first: 0 }, /first must be 1..200/],
      [{ first: 5, status: 'lost' }, /status: unknown lost/],
      [{ first: 5, after: 'bm90LWEtY3Vyc29y' }, /after: .* is not a cursor from this list/],
    ] as const) {
      const r = await gql(h.gateway.url, ORDERS, vars, partner);
      expect(r.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(pattern), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('one order with its lines, money in minor units, and each line\'s product from catalog', async () => {
    const id = (await h.app.ctx.orders.findByOrderSn('GQ-SG-1'))!.id;
    const r = await gql(h.gateway.url, `query($id: ID!) { order(id: $id) {
      orderSn country channelStatus placedAt omsOrderId trackingNumber total { amount currency }
      lines { lineNo sku quantity unitPrice { amount currency } product { sku listings { channel code } } }
      history { status channelStatus source }
    } }`, { id: String(id) }, await token('operator'));
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.order).toEqual({
      orderSn: 'GQ-SG-1', country: 'SG', channelStatus: 'READY_TO_SHIP', placedAt: '2025-11-24T16:00:00.000Z', omsOrderId: null, trackingNumber: null,
      total: { amount: 2600, currency: 'SGD' },
      lines: [
        { lineNo: 1, sku: 'AMZ-000001', quantity: 2, unitPrice: { amount: 1250, currency: 'SGD' }, product: { sku: 'AMZ-000001', listings: [{ channel: 'yahoo', code: 'Y-AMZ-000001' }, { channel: 'rakuten', code: 'r-amz-000001' }] } },
        { lineNo: 2, sku: 'NOT-IN-CATALOG', quantity: 1, unitPrice: { amount: 100, currency: 'SGD' }, product: null },
      ],
      history: [{ status: 'confirmed', channelStatus: 'READY_TO_SHIP', source: 'channel' }],
    });
    expect((await gql(h.gateway.url, '{ order(id: "999999") { id } }', {}, await token('partner'))).body.data!.order).toBeNull();
  });

  it('shows the buyer to admins only', async () => {
    const id = String((await h.app.ctx.orders.findByOrderSn('GQ-SG-1'))!.id);
    const query = 'query($id: ID!) { order(id: $id) { orderSn buyer { name phone address postalCode } } }';
    const admin = await gql(h.gateway.url, query, { id }, await token('admin'));
    expect(admin.body.errors).toBeUndefined();
    expect(admin.body.data!.order.buyer).toEqual({ name: 'Test Buyer', phone: '6590000000', address: '10 Test Street, #01-01, Singapore 018956', postalCode: '018956' });
    for (const role of ['operator', 'manager', 'partner'] as const) {
      const r = await gql(h.gateway.url, query, { id }, await token(role));
      expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(r.body)).not.toMatch(/Test Buyer|Test Street|6590000000/);
    }
  });

  it('dead letters are listed for staff and retried by operators', async () => {
    await ingest({ orderSn: 'GQ-DEAD-1' });
    await h.app.ctx.db.em().execute(`update order_outbox set state = 'dead', attempts = 10, last_error = 'oms down' where kind = 'oms.create' and order_id = (select id from orders where order_sn = 'GQ-DEAD-1')`);
    const list = await gql(h.gateway.url, '{ orderFailures { id kind channel orderSn attempts lastError } }', {}, await token('operator'));
    const letter = list.body.data!.orderFailures.find((f: { orderSn: string }) => f.orderSn === 'GQ-DEAD-1');
    expect(letter).toMatchObject({ id: expect.stringMatching(/^outbox:\d+$/), kind: 'oms.create', channel: 'shopee:SG', attempts: 10, lastError: 'oms down' });
    expect((await gql(h.gateway.url, '{ orderFailures { id } }', {}, await token('partner'))).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await gql(h.gateway.url, 'mutation { retryOrderFailures(ids: ["12"]) }', {}, await token('operator'));
    expect(bad.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/not a dead letter id/), extensions: { code: 'BAD_USER_INPUT' } });
    const retried = await gql(h.gateway.url, 'mutation($ids: [ID!]!) { retryOrderFailures(ids: $ids) }', { ids: [letter.id] }, await token('operator'));
    expect(retried.body.data!.retryOrderFailures).toBe(1);
    const [row] = await h.app.ctx.db.em().execute<{ state: string; attempts: number }[]>(`select state, attempts from order_outbox where id = ?`, [Number(letter.id.split(':')[1])]);
    expect(row).toEqual({ state: 'pending', attempts: 0 });
  });

  it('orderChanged streams the orders of the channels asked for', async () => {
    const client = wsClient(h.gateway.wsUrl, await token('partner'));
    const events = client.iterate<{ orderChanged: { change: string; channel: string; orderSn: string; status: string; order: { total: { amount: number } } } }>({
      query: 'subscription { orderChanged(channels: ["shopee:MY"]) { change channel orderSn status order { total { amount } } } }',
    });
    const first = events.next();
    await new Promise((r) => setTimeout(r, 300));
    await ingest({ orderSn: 'GQ-SG-LIVE' });
    await ingest({ orderSn: 'GQ-MY-LIVE', region: 'MY', currency: 'MYR', items: [{ sku: 'AMZ-000001', quantity: 1, price: 49.9 }] });
    const got = (await within(first, 5000, 'orderChanged')).value!.data!.orderChanged;
    expect(got).toEqual({ change: 'created', channel: 'shopee:MY', orderSn: 'GQ-MY-LIVE', status: 'confirmed', order: { total: { amount: 4990 } } });
    await events.return?.();
    await client.dispose();
  });
});
