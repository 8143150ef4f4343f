// Contract test: Shopee's order, logistics and push calls (orders.ts) against ShopeeSimulator over real HTTP.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpPolicy } from '../../platform/http/index.js';
import { RejectedError } from '../../subgraphs/orders/ports.js';
import { ORDER_LIST_WINDOW_DAYS } from './orders.js';
import { shopeePushReceiver } from './push.js';
import { sandboxShopId, SHOPEE_SANDBOX_PARTNER } from './simulator.js';
import { simulatedShops } from './testing.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 1, backoffBaseMs: 10, backoffMaxMs: 40 };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function harness() {
  const { sim, shops, outcomes } = await simulatedShops(['SG', 'VN'], { open, policy });
  sim.addItem('SG', { item_sku: 'AMZ-000001', stock: 100 });
  sim.addItem('SG', { item_sku: 'BAG', models: [{ model_sku: 'BAG-RED', stock: 5 }] });
  sim.addItem('VN', { item_sku: 'AMZ-000001', stock: 100 });
  const calls = (operation: string) => outcomes.filter((o) => o.operation.startsWith(operation)).length;
  return { sim, shops, calls, sg: String(sandboxShopId('SG')) };
}

describe('order details', () => {
  it('fetches orders with their lines (each with the order currency), buyer id and address; unknown ones are left out', async () => {
    const { sim, shops, sg } = await harness();
    const a = (await sim.placeOrder('SG', 'AMZ-000001', 2, { price: 12.5 })).order;
    const b = (await sim.placeOrder('SG', 'BAG-RED', 1)).order;
    expect(sim.getQuantity('SG', 'AMZ-000001')).toBe(98);
    const got = await shops.fetchOrders(sg, [a.order_sn, b.order_sn, 'NOT-AN-ORDER']);
    expect(got.map((o) => [o.orderSn, o.channel, o.accountRef, o.channelStatus])).toEqual([[a.order_sn, 'shopee:SG', sg, 'READY_TO_SHIP'], [b.order_sn, 'shopee:SG', sg, 'READY_TO_SHIP']]);
    expect(got[0]!.record).toMatchObject({ order_sn: a.order_sn, currency: 'SGD', total_amount: 25, recipient_address: { name: 'Sandbox Buyer' } });
    expect(got[0]!.lines).toEqual([expect.objectContaining({ item_sku: 'AMZ-000001', model_quantity_purchased: 2, model_discounted_price: 12.5, currency: 'SGD' })]);
    expect(got[1]!.lines[0]).toMatchObject({ item_sku: 'BAG', model_sku: 'BAG-RED' });
    expect(got[0]!.buyerId).toBe(String(a.buyer_user_id));
    expect(got[0]!.updatedAt.getTime()).toBe(a.update_time * 1000);
    expect(await shops.fetchOrders(sg, ['NOT-AN-ORDER'])).toEqual([]);
    // Another shop's order is not this shop's.
    expect(await shops.fetchOrders(String(sandboxShopId('VN')), [a.order_sn])).toEqual([]);
  });

  it('asks for at most 50 orders a call', async () => {
    const { sim, shops, calls, sg } = await harness();
    const sns: string[] = [];
    for (let i = 0; i < 51; i++) sns.push((await sim.placeOrder('SG', 'AMZ-000001', 1)).order.order_sn);
    expect(await shops.fetchOrders(sg, sns)).toHaveLength(51);
    expect(calls('get_order_detail')).toBe(2);
  });

  it('lists orders in windows of 15 days, page by page', async () => {
    const { sim, shops } = await harness();
    sim.setQuantity('SG', 'AMZ-000001', 1000);
    for (let i = 0; i < 120; i++) await sim.placeOrder('SG', 'AMZ-000001', 1, { price: 1 });
    const sns: string[] = [];
    for await (const page of shops.orders.listOrders('shopee:SG', 'create_time', new Date(Date.now() - (ORDER_LIST_WINDOW_DAYS + 5) * 86_400_000), new Date(Date.now() + 1000))) sns.push(...page);
    expect(new Set(sns).size).toBe(120);
  });
});

describe('tracking back', () => {
  it('ships with the tracking number where info_needed asks for it, verified with get_tracking_number; once only', async () => {
    const { sim, shops, calls } = await harness();
    const { order } = await sim.placeOrder('SG', 'AMZ-000001', 1);
    expect(await shops.shipOrder({ channel: 'shopee:SG', accountRef: String(order.shop_id), orderSn: order.order_sn, trackingNumber: 'JP0001' })).toEqual({ trackingNumber: 'JP0001' });
    expect(sim.getOrder(order.order_sn)).toMatchObject({ order_status: 'PROCESSED', tracking_number: 'JP0001' });
    expect([calls('get_shipping_parameter'), calls('ship_order'), calls('get_tracking_number')]).toEqual([1, 1, 1]);
    // Sent again (a retry after a lost answer): refused by Shopee, but the order shows this number: done.
    expect(await shops.shipOrder({ channel: 'shopee:SG', orderSn: order.order_sn, trackingNumber: 'JP0001' })).toEqual({ trackingNumber: 'JP0001' });
    await expect(shops.shipOrder({ channel: 'shopee:SG', orderSn: order.order_sn, trackingNumber: 'OTHER' })).rejects.toThrow(RejectedError);
  });

  it('refuses for good an order that cannot ship (cancelled)', async () => {
    const { sim, shops } = await harness();
    const { order } = await sim.placeOrder('SG', 'AMZ-000001', 1);
    await sim.setOrderStatus(order.order_sn, 'CANCELLED');
    await expect(shops.shipOrder({ channel: 'shopee:SG', orderSn: order.order_sn, trackingNumber: 'JP0002' })).rejects.toThrow(/cannot arrange shipment/);
  });
});

describe('pushes', () => {
  let receiver: Server;
  let received: { headers: IncomingHttpHeaders; body: Buffer; url: string }[];
  async function listen(status: number): Promise<string> {
    received = [];
    receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ headers: req.headers, body: Buffer.concat(chunks), url: req.url! });
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/shopee`;
  }
  afterEach(() => new Promise<void>((r) => receiver.close(() => r())));

  it('pushes each order change signed over the callback URL and the raw body', async () => {
    const { sim } = await harness();
    const url = await listen(204);
    sim.setWebhookUrl(url);
    const { order, push } = await sim.placeOrder('SG', 'AMZ-000001', 1);
    expect(push).toMatchObject({ url, status: 204 });
    const [{ headers, body }] = received as [typeof received[0]];
    const req = { rawBody: body, headers, url, now: Date.now() };
    expect(shopeePushReceiver.verify(req, SHOPEE_SANDBOX_PARTNER.partnerKey)).toBeNull();
    expect(shopeePushReceiver.decode(req).messages).toEqual([
      { kind: 'order.status', dedupKey: `${order.shop_id}:${order.order_sn}:READY_TO_SHIP:${order.update_time}`, accountRef: String(order.shop_id), orderRef: order.order_sn },
    ]);
    expect(sim.lostPushes()).toEqual([]);
  });

  it('keeps pushes the hub did not acknowledge; get_lost_push_message gives them, confirming removes them', async () => {
    const { sim, shops } = await harness();
    sim.setWebhookUrl(await listen(500));
    const { order } = await sim.placeOrder('SG', 'AMZ-000001', 1);
    await sim.setOrderStatus(order.order_sn, 'CANCELLED');
    const lost = await shops.orders.lostPushes();
    expect(lost.pushes.map((p) => JSON.parse(p.body).data.status)).toEqual(['READY_TO_SHIP', 'CANCELLED']);
    expect(lost.lastMessageId).toBe(2);
    // A lost push decodes as the push itself would have.
    const decoded = shopeePushReceiver.decode({ rawBody: Buffer.from(lost.pushes[1]!.body), headers: {}, url: '', now: Date.now() });
    expect(decoded.messages[0]).toMatchObject({ kind: 'order.status', orderRef: order.order_sn, dedupKey: expect.stringContaining(':CANCELLED:') });
    await shops.orders.confirmLostPushes(lost.lastMessageId!);
    expect((await shops.orders.lostPushes()).pushes).toEqual([]);
  });
});
