// A webhook's correlation id through its later processing: a signed Shopee push is written to the inbox with the
// id the gateway gave it (the caller's, or a new one it answers with); the order fetched from Shopee, recorded and
// sent to the OMS under that id, which the OMS simulator receives as x-correlation-id; an OMS shipment webhook's id
// reaches the tracking call back to Shopee. The lines are read back from the real logger's file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type AppContext } from '../../app/context.js';
import type { OmsSimulator } from '../../connectors/oms/simulator.js';
import { pushSignature } from '../../connectors/shopee/push.js';
import { SHOPEE_SANDBOX_PARTNER, type ShopeeSimulator } from '../../connectors/shopee/simulator.js';
import { startGateway, type RunningGateway } from '../../gateway/index.js';
import { closeLogger, createLogger } from '../../platform/log/index.js';
import { liveLogFiles, readLast, type LogEntry } from '../../platform/log/read.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { baseOf, JWT_SECRET } from '../graphql/support.js';

let app: TestApp;
let ctx: AppContext;
let gateway: RunningGateway;
let dir: string;
let shopee: ShopeeSimulator;
let oms: OmsSimulator;
const logger = () => ctx.logger;

beforeAll(async () => {
  app = await createTestApp();
  dir = mkdtempSync(join(tmpdir(), 'tsunagi-webhook-correlation-'));
  ctx = await createContext({ config: app.ctx.config, databaseUrl: app.t.url, sandbox: app.sandbox, logger: createLogger({ dir, file: 'hub.log', quiet: true, level: 'debug' }) });
  gateway = await startGateway(ctx, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET });
  shopee = app.sims.shopee as unknown as ShopeeSimulator;
  oms = app.sims.oms as unknown as OmsSimulator;
  shopee.addItem('SG', { item_sku: 'AMZ-000001', stock: 50 });
});
afterAll(async () => {
  await gateway?.close();
  await ctx?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Works the inbox and outbox until nothing is due. */
async function drain(): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const { inbox, outbox } = await ctx.orders.pipeline.runOnce();
    const q = await ctx.orders.queues();
    if (inbox + outbox === 0 && q.inbox.pending === 0 && q.outbox.pending === 0) return;
    if (Date.now() > until) throw new Error(`queues not drained: ${JSON.stringify(q)}`);
    if (inbox + outbox === 0) await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pushes a new order's status as Shopee does, signed; returns the gateway's answer. */
async function pushNewOrder(headers: Record<string, string> = {}): Promise<{ orderSn: string; res: Response }> {
  const [o] = shopee.createOrders('SG', 'AMZ-000001', 1);
  const url = `${baseOf(gateway.url)}/webhooks/shopee`;
  const body = JSON.stringify({ data: { items: [], ordersn: o!.orderSn, status: 'READY_TO_SHIP', completed_scenario: '', update_time: o!.updateTime }, shop_id: o!.shopId, code: 3, timestamp: o!.updateTime });
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: pushSignature(SHOPEE_SANDBOX_PARTNER.partnerKey, url, body), ...headers } });
  return { orderSn: o!.orderSn, res };
}

/** The hub's log lines so far (the logger flushed first). */
async function lines(): Promise<LogEntry[]> {
  await new Promise<void>((resolve) => logger().flush(() => resolve()));
  return readLast(liveLogFiles(dir), {}, 100_000);
}

const systemsCalled = (entries: LogEntry[]) =>
  new Set(entries.filter((e) => e.msg === 'external call').map((e) => (e.fields.outcome as { system: string }).system));

it('a push sent with the caller\'s x-correlation-id is fetched, recorded and sent to the OMS under it', async () => {
  const { orderSn, res } = await pushNewOrder({ 'x-correlation-id': 'shopee-push-42' });
  expect(res.status).toBe(204);
  expect(res.headers.get('x-correlation-id')).toBe('shopee-push-42');
  const [row] = await ctx.db.em().execute<{ correlation_id: string }[]>('select correlation_id from order_inbox where order_ref = ?', [orderSn]);
  expect(row!.correlation_id).toBe('shopee-push-42');

  const before = oms.calls().length;
  await drain();
  expect(oms.getOrder(orderSn)).not.toBeNull();
  const creates = oms.calls().slice(before).filter((c) => c.method === 'POST' && c.path.endsWith('/orders'));
  expect(creates.map((c) => c.correlationId)).toEqual(['shopee-push-42']);

  const mine = (await lines()).filter((e) => e.fields.correlationId === 'shopee-push-42');
  // The gateway's, the Shopee fetch's and the OMS call's lines: the push's whole way.
  expect(systemsCalled(mine)).toEqual(new Set(['shopee', 'oms']));
});

it('a push without one gets a new id, returned by the gateway, that its OMS call carries; a shipment\'s id reaches Shopee', async () => {
  const { orderSn, res } = await pushNewOrder();
  expect(res.status).toBe(204);
  const id = res.headers.get('x-correlation-id')!;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const before = oms.calls().length;
  await drain();
  const creates = oms.calls().slice(before).filter((c) => c.method === 'POST' && c.path.endsWith('/orders'));
  expect(creates.map((c) => c.correlationId)).toEqual([id]);
  expect(systemsCalled((await lines()).filter((e) => e.fields.correlationId === id))).toEqual(new Set(['shopee', 'oms']));

  // The OMS ships it: its webhook gets an id at the gateway, and the tracking number goes back to Shopee under it.
  const shipped = await oms.ship(orderSn);
  expect(shipped.delivery).toMatchObject({ delivered: true });
  const [shipment] = await ctx.db.em().execute<{ correlation_id: string }[]>("select correlation_id from order_inbox where kind = 'shipment' and payload->>'orderSn' = ?", [orderSn]);
  expect(shipment!.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(shipment!.correlation_id).not.toBe(id);
  await drain();
  expect((await ctx.orders.findByOrderSn(orderSn))!.status).toBe('shipped');
  expect(systemsCalled((await lines()).filter((e) => e.fields.correlationId === shipment!.correlation_id))).toContain('shopee');
});
