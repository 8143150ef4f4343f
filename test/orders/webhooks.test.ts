// The webhooks ingress through a real gateway: Shopee pushes and OMS shipment webhooks verified on the raw bytes,
// written to the inbox before the empty 2xx, deduplicated; refusals leave nothing behind.
import { pushSignature } from '../../connectors/shopee/push.js';
import { SHOPEE_SANDBOX_PARTNER } from '../../connectors/shopee/simulator.js';
import { OMS_SANDBOX_CREDENTIALS, type OmsSimulator } from '../../connectors/oms/simulator.js';
import { signedHeaders } from '../../platform/webhooks/standard.js';
import { startGateway } from '../../gateway/index.js';
import { baseOf, JWT_SECRET, startHarness, withGatewayConfig, type Harness } from '../graphql/support.js';
import { SHOPEE_MAPPING, sourceOrder } from './fixtures.js';

// The sandbox's Shopee block carries the simulator's partner key: pushes are signed with it.
const PARTNER_KEY = SHOPEE_SANDBOX_PARTNER.partnerKey;
let h: Harness;
let base: string;
let oms: OmsSimulator;
const inboxRows = async () => (await h.app.ctx.db.em().execute<{ n: string }[]>('select count(*) as n from order_inbox'))[0]!.n;

function push(orderSn: string, status = 'READY_TO_SHIP', updateTime = 1_764_000_000): string {
  return JSON.stringify({ data: { items: [], ordersn: orderSn, status, completed_scenario: '', update_time: updateTime }, shop_id: 727720655, code: 3, timestamp: updateTime });
}

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

const shopee = (body: string, authorization = pushSignature(PARTNER_KEY, `${base}/webhooks/shopee`, body)) => post('/webhooks/shopee', body, { authorization });

beforeAll(async () => {
  h = await startHarness();
  base = baseOf(h.gateway.url);
  oms = h.app.sims.oms as unknown as OmsSimulator;
});
afterAll(() => h.close());

describe('POST /webhooks/shopee', () => {
  it('acknowledges a signed push with an empty 2xx once it is in the inbox; a repeat changes nothing', async () => {
    const body = push('SG-PUSH-1');
    const first = await shopee(body);
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    const rows = await h.app.ctx.db.em().execute<Record<string, unknown>[]>("select kind, system, receiver, account_ref, order_ref, state, body from order_inbox where order_ref = 'SG-PUSH-1'");
    expect(rows).toEqual([{ kind: 'order.status', system: 'shopee', receiver: 'shopee', account_ref: '727720655', order_ref: 'SG-PUSH-1', state: 'pending', body }]);
    expect((await shopee(body)).status).toBe(204);
    expect((await shopee(body)).status).toBe(204);
    expect(await h.app.ctx.db.em().execute("select id from order_inbox where order_ref = 'SG-PUSH-1'")).toHaveLength(1);
    // Another status of the same order is news.
    expect((await shopee(push('SG-PUSH-1', 'CANCELLED', 1_764_000_100))).status).toBe(204);
    expect(await h.app.ctx.db.em().execute("select id from order_inbox where order_ref = 'SG-PUSH-1'")).toHaveLength(2);
  });

  it('refuses a wrong signature, a body changed by one byte and a missing signature with 401, storing nothing', async () => {
    const before = await inboxRows();
    const body = push('SG-PUSH-2');
    const good = pushSignature(PARTNER_KEY, `${base}/webhooks/shopee`, body);
    for (const res of [
      await shopee(body, pushSignature('another_partner_key', `${base}/webhooks/shopee`, body)),
      await shopee(body.replace('READY_TO_SHIP', 'READY_TO_SHIQ'), good),
      await post('/webhooks/shopee', body),
    ]) {
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('');
    }
    expect(await inboxRows()).toBe(before);
  });

  it('acknowledges and logs unknown push codes, refuses malformed JSON (400) and oversized bodies (413), all without storing', async () => {
    const before = await inboxRows();
    expect((await shopee('{"code":12,"timestamp":1764000000,"data":{"days":7}}')).status).toBe(204);
    const notJson = await shopee('{"code":3,');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'the push body is not JSON' });
    expect((await shopee(`{"pad":"${'x'.repeat(70_000)}"}`)).status).toBe(413);
    expect((await fetch(`${base}/webhooks/shopee`)).status).toBe(405);
    expect((await post('/webhooks/nothing-here', '{}')).status).toBe(404);
    expect(await inboxRows()).toBe(before);
  });

  it('keeps addresses off the allowlist out (403) when one is configured', async () => {
    const ctx = h.app.ctx;
    const routes = { ...ctx.config.orders.webhooks, shopee: { ...ctx.config.orders.webhooks.shopee!, allowlist: ['203.0.113.0/24'] } };
    const guarded = await startGateway({ ...withGatewayConfig(ctx, {}), config: { ...ctx.config, orders: { ...ctx.config.orders, webhooks: routes } } }, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET });
    try {
      const url = `${baseOf(guarded.url)}/webhooks/shopee`;
      const body = push('SG-PUSH-3');
      const res = await fetch(url, { method: 'POST', body, headers: { authorization: pushSignature(PARTNER_KEY, url, body) } });
      expect(res.status).toBe(403);
    } finally {
      await guarded.close();
      // That gateway told the OMS simulator to send its webhooks to it; they go to the harness's again.
      oms.setWebhookUrl(`${base}/webhooks/oms/shipment`);
    }
  });
});

describe('POST /webhooks/oms/shipment', () => {
  const shipped = (omsOrderId: string, orderSn: string, trackingNumber: string) => JSON.stringify({
    type: 'order.shipped', timestamp: new Date().toISOString(),
    data: { id: omsOrderId, external_order_id: orderSn, channel: 'shopee:SG', tracking_number: trackingNumber, carrier: null, shipped_at: new Date().toISOString() },
  });
  const send = (body: string, headers: Record<string, string>) => post('/webhooks/oms/shipment', body, headers);

  it('records the tracking number the OMS shipped an order with, from its signed webhook', async () => {
    await h.app.ctx.orders.records.ingest(sourceOrder({ orderSn: 'SG-SHIP-1' }), SHOPEE_MAPPING);
    await h.app.ctx.orders.pipeline.runOnce();
    const shippedNow = await oms.ship('SG-SHIP-1');
    expect(shippedNow.delivery).toMatchObject({ delivered: true, lastStatus: 204, attempts: 1 });
    await h.app.ctx.orders.pipeline.runOnce();
    const order = (await h.app.ctx.orders.findByOrderSn('SG-SHIP-1'))!;
    expect(order).toMatchObject({ status: 'shipped', trackingNumber: shippedNow.trackingNumber, omsOrderId: shippedNow.omsOrderId });
    expect((await h.app.ctx.orders.history(order.id)).at(-1)).toMatchObject({ status: 'shipped', source: 'oms' });
  });

  it('refuses a wrong signature, a body changed by one byte and a timestamp outside the window (401); a replayed id is stored once', async () => {
    const body = shipped('OMS-X', 'SG-SHIP-2', 'TRK-2');
    const good = signedHeaders(OMS_SANDBOX_CREDENTIALS.webhookSecret, 'msg_replay_1', body);
    const before = await inboxRows();
    expect((await send(body, signedHeaders('whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4', 'msg_replay_1', body))).status).toBe(401);
    expect((await send(body.replace('TRK-2', 'TRK-3'), good)).status).toBe(401);
    expect((await send(body, signedHeaders(OMS_SANDBOX_CREDENTIALS.webhookSecret, 'msg_replay_1', body, Date.now() - 6 * 60_000))).status).toBe(401);
    expect((await send(body, signedHeaders(OMS_SANDBOX_CREDENTIALS.webhookSecret, 'msg_replay_1', body, Date.now() + 6 * 60_000))).status).toBe(401);
    expect(await inboxRows()).toBe(before);
    expect((await send(body, good)).status).toBe(204);
    expect((await send(body, signedHeaders(OMS_SANDBOX_CREDENTIALS.webhookSecret, 'msg_replay_1', body))).status).toBe(204);
    const rows = await h.app.ctx.db.em().execute("select id from order_inbox where receiver = 'oms' and dedup_key = 'msg_replay_1'");
    expect(rows).toHaveLength(1);
  });

  it('acknowledges event types it does not act on, refuses a shipment without a tracking number (400)', async () => {
    const other = JSON.stringify({ type: 'order.updated', timestamp: new Date().toISOString(), data: {} });
    expect((await send(other, signedHeaders(OMS_SANDBOX_CREDENTIALS.webhookSecret, 'msg_other', other))).status).toBe(204);
    const bad = JSON.stringify({ type: 'order.shipped', data: { id: 'OMS-1', external_order_id: 'X' } });
    const res = await send(bad, signedHeaders(OMS_SANDBOX_CREDENTIALS.webhookSecret, 'msg_bad', bad));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/data.tracking_number/);
  });
});
