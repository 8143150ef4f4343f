// An order's whole way through the hub, against the simulators over real HTTP: Shopee's signed push → the inbox →
// the order fetched from Shopee → the OMS (once, however often the push comes, also after the OMS was down) → the
// OMS ships it → its signed webhook → the tracking number back on Shopee, verified; a cancellation reaches the OMS.
import type { OmsSimulator } from '../../connectors/oms/simulator.js';
import type { ShopeeSimulator } from '../../connectors/shopee/simulator.js';
import { baseOf, startHarness, waitFor, type Harness } from '../graphql/support.js';

let h: Harness;
let shopee: ShopeeSimulator;
let oms: OmsSimulator;

beforeAll(async () => {
  h = await startHarness();
  shopee = h.app.sims.shopee as unknown as ShopeeSimulator;
  oms = h.app.sims.oms as unknown as OmsSimulator;
  shopee.addItem('SG', { item_sku: 'AMZ-000001', stock: 50 });
  shopee.addItem('MY', { item_sku: 'AMZ-000001', stock: 50 });
});
afterAll(() => h.close());
beforeEach(() => oms.clearFaults());

/** Works the inbox and outbox until nothing is due, within `ms`. */
async function drain(ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const { inbox, outbox } = await h.app.ctx.orders.pipeline.runOnce();
    const q = await h.app.ctx.orders.queues();
    if (inbox + outbox === 0 && q.inbox.pending === 0 && q.outbox.pending === 0) return;
    if (Date.now() > until) throw new Error(`queues not drained: ${JSON.stringify(q)}`);
    if (inbox + outbox === 0) await new Promise((r) => setTimeout(r, 100));
  }
}
const omsOrders = (orderSn: string) => oms.listOrders().filter((o) => o.external_order_id === orderSn);

it('the gateway told both simulators where to send their webhooks', () => {
  expect(shopee.orders.list()).toEqual([]);
  const base = baseOf(h.gateway.url);
  return expect(fetch(`${base}/webhooks/shopee`, { method: 'POST', body: '{}' }).then((r) => r.status)).resolves.toBe(401);
});

it('a pushed order reaches the OMS once, though the push comes three times', async () => {
  const { order, push } = await shopee.placeOrder('SG', 'AMZ-000001', 2, { price: 12.5 });
  expect(push).toMatchObject({ status: 204 });
  for (let i = 0; i < 2; i++) {
    const again = await fetch(push!.url, { method: 'POST', body: push!.body, headers: { authorization: push!.authorization, 'content-type': 'application/json' } });
    expect(again.status).toBe(204);
  }
  await drain();
  expect(omsOrders(order.order_sn)).toHaveLength(1);
  const ours = (await h.app.ctx.orders.findByOrderSn(order.order_sn))!;
  expect(ours).toMatchObject({ channel: 'shopee:SG', status: 'confirmed', totalMinor: 2500, currency: 'SGD', omsOrderId: omsOrders(order.order_sn)[0]!.id });
  expect(oms.getOrder(order.order_sn)!.document).toMatchObject({ shipping: { name: 'Sandbox Buyer' }, lines: [{ sku: 'AMZ-000001', quantity: 2, unit_price_minor: 1250 }] });
});

it('with the OMS down, the order waits and arrives once it is back', async () => {
  oms.down(3);
  const { order } = await shopee.placeOrder('SG', 'AMZ-000001', 1);
  await h.app.ctx.orders.pipeline.runOnce();
  expect(omsOrders(order.order_sn)).toHaveLength(0);
  await drain(30_000);
  expect(omsOrders(order.order_sn)).toHaveLength(1);
}, 60_000);

it('the OMS ships: its tracking number reaches Shopee, verified, once', async () => {
  const { order } = await shopee.placeOrder('MY', 'AMZ-000001', 1);
  await drain();
  const shipped = await oms.ship(order.order_sn, { trackingNumber: 'MY-TRK-0001' });
  expect(shipped.delivery).toMatchObject({ delivered: true });
  await drain();
  expect(shopee.getOrder(order.order_sn)).toMatchObject({ tracking_number: 'MY-TRK-0001', order_status: 'PROCESSED' });
  const ours = (await h.app.ctx.orders.findByOrderSn(order.order_sn))!;
  expect(ours).toMatchObject({ trackingNumber: 'MY-TRK-0001', status: 'shipped' });
  expect(ours.trackingSentAt).not.toBeNull();
  // The ship_order push Shopee sent back is news of the same order: nothing goes out twice.
  const calls = shopee.counts.calls['/api/v2/logistics/ship_order'];
  await h.app.ctx.orders.recordShipments([{ omsOrderId: shipped.omsOrderId, orderSn: order.order_sn, trackingNumber: 'MY-TRK-0001' }]);
  await drain();
  expect(shopee.counts.calls['/api/v2/logistics/ship_order']).toBe(calls);
});

it('a cancellation on Shopee reaches the OMS as a status', async () => {
  const { order } = await shopee.placeOrder('SG', 'AMZ-000001', 1);
  await drain();
  await shopee.setOrderStatus(order.order_sn, 'CANCELLED');
  await drain();
  expect(oms.getOrder(order.order_sn)!.status).toBe('cancelled');
  expect((await h.app.ctx.orders.findByOrderSn(order.order_sn))!.status).toBe('cancelled');
});

it('pushes the hub missed are recovered with get_lost_push_message (push-recover)', async () => {
  shopee.setWebhookUrl(`${baseOf(h.gateway.url)}/webhooks/not-configured`);
  const { order } = await shopee.placeOrder('SG', 'AMZ-000001', 1);
  shopee.setWebhookUrl(`${baseOf(h.gateway.url)}/webhooks/shopee`);
  expect(shopee.lostPushes().map((p) => JSON.parse(p.data).ordersn)).toContain(order.order_sn);
  const r = await h.app.ctx.hub.run({ system: 'shopee', operation: 'push-recover', dryRun: false, trigger: 'test' });
  expect(r.output).toMatchObject({ added: 1 });
  expect(shopee.lostPushes()).toEqual([]);
  await drain();
  expect(omsOrders(order.order_sn)).toHaveLength(1);
});

it('a push for an order Shopee does not know waits for it, retried', async () => {
  const body = JSON.stringify({ data: { items: [], ordersn: 'NO-SUCH-ORDER', status: 'READY_TO_SHIP', completed_scenario: '', update_time: 1 }, shop_id: 2000018 * 0 + (await shopee.placeOrder('SG', 'AMZ-000001', 1)).order.shop_id, code: 3, timestamp: 1 });
  const { pushSignature } = await import('../../connectors/shopee/push.js');
  const { SHOPEE_SANDBOX_PARTNER } = await import('../../connectors/shopee/simulator.js');
  const url = `${baseOf(h.gateway.url)}/webhooks/shopee`;
  expect((await fetch(url, { method: 'POST', body, headers: { authorization: pushSignature(SHOPEE_SANDBOX_PARTNER.partnerKey, url, body) } })).status).toBe(204);
  await h.app.ctx.orders.pipeline.runOnce();
  const row = await waitFor(async () => (await h.app.ctx.db.em().execute<{ state: string; last_error: string }[]>("select state, last_error from order_inbox where order_ref = 'NO-SUCH-ORDER'"))[0], 2000, 'the inbox row');
  expect(row).toMatchObject({ state: 'pending', last_error: expect.stringMatching(/does not \(yet\) know order NO-SUCH-ORDER/) });
});
