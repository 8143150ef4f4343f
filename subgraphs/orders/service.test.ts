// The orders module against a real PostgreSQL and the OMS simulator over HTTP (test/support/app.ts).
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { SHOPEE_MAPPING, sourceOrder } from '../../test/orders/fixtures.js';
import { RejectedError } from './ports.js';
import type { OmsSimulator } from '../../connectors/oms/simulator.js';

let app: TestApp;
let oms: OmsSimulator;
const ingest = (o: Parameters<typeof sourceOrder>[0]) => app.ctx.orders.records.ingest(sourceOrder(o), SHOPEE_MAPPING);
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => app.ctx.db.em().execute<T[]>(text, params);

beforeAll(async () => {
  app = await createTestApp();
  oms = app.sims.oms as unknown as OmsSimulator;
});
afterAll(() => app.close());
beforeEach(() => oms.clearFaults());

describe('recording an order from its channel', () => {
  it('maps it with shopee_to_oms, stores money in minor units, seals the buyer and decides the OMS call', async () => {
    expect(await ingest({ orderSn: 'SG-REC-1', items: [{ sku: 'AMZ-000001', quantity: 2, price: 12.5 }, { sku: 'AMZ-000002', quantity: 1, price: 3.05 }] })).toBe('created');
    const order = (await app.ctx.orders.findByOrderSn('SG-REC-1'))!;
    expect(order).toMatchObject({ channel: 'shopee:SG', country: 'SG', status: 'confirmed', channelStatus: 'READY_TO_SHIP', totalMinor: 2805, currency: 'SGD' });
    const lines = (await app.ctx.orders.lines([order.id])).get(order.id)!;
    expect(lines.map((l) => [l.sku, l.quantity, l.unitPriceMinor])).toEqual([['AMZ-000001', 2, 1250], ['AMZ-000002', 1, 305]]);
    const [row] = await sql<{ buyer_sealed: string; document: Record<string, unknown>; buyer_ref: string }>('select buyer_sealed, document, buyer_ref from orders where id = ?', [order.id]);
    expect(row!.buyer_sealed).toMatch(/^v2:/);
    expect(row!.buyer_sealed).not.toContain('Test Buyer');
    expect(JSON.stringify(row!.document)).not.toMatch(/Test Buyer|Test Street|6590000000/);
    expect(row!.buyer_ref).toMatch(/^[0-9a-f]{64}$/);
    expect(await app.ctx.orders.buyer(order.id)).toEqual({ name: 'Test Buyer', phone: '6590000000', postal_code: '018956', address: '10 Test Street, #01-01, Singapore 018956' });
    const outbox = await sql('select kind, ref, state from order_outbox where order_id = ? order by id', [order.id]);
    expect(outbox).toEqual([{ kind: 'stock.reserve', ref: '', state: 'pending' }, { kind: 'oms.create', ref: '', state: 'pending' }]);
    expect((await app.ctx.orders.history(order.id)).map((h) => [h.status, h.channelStatus, h.source])).toEqual([['confirmed', 'READY_TO_SHIP', 'channel']]);
  });

  it('takes a model SKU over the item SKU, and VND (no minor digits) as whole dong', async () => {
    await ingest({ orderSn: 'VN-REC-1', region: 'VN', currency: 'VND', items: [{ sku: 'AMZ-000003', modelSku: 'AMZ-000003-RED', quantity: 1, price: 32119 }] });
    const order = (await app.ctx.orders.findByOrderSn('VN-REC-1'))!;
    expect(order).toMatchObject({ channel: 'shopee:VN', totalMinor: 32119, currency: 'VND' });
    expect((await app.ctx.orders.lines([order.id])).get(order.id)![0]).toMatchObject({ sku: 'AMZ-000003-RED', unitPriceMinor: 32119 });
  });

  it('ignores news older than what it has; newer news moves the status and decides its OMS call once', async () => {
    await ingest({ orderSn: 'SG-REC-2', status: 'READY_TO_SHIP', updateTime: 1_764_000_100 });
    expect(await ingest({ orderSn: 'SG-REC-2', status: 'READY_TO_SHIP', updateTime: 1_764_000_100 })).toBe('unchanged');
    expect(await ingest({ orderSn: 'SG-REC-2', status: 'UNPAID', updateTime: 1_764_000_050 })).toBe('unchanged');
    expect(await ingest({ orderSn: 'SG-REC-2', status: 'CANCELLED', updateTime: 1_764_000_200 })).toBe('updated');
    expect(await ingest({ orderSn: 'SG-REC-2', status: 'CANCELLED', updateTime: 1_764_000_300 })).toBe('updated');
    const order = (await app.ctx.orders.findByOrderSn('SG-REC-2'))!;
    expect(order.status).toBe('cancelled');
    expect(order.completedAt).not.toBeNull();
    const outbox = await sql('select kind, ref from order_outbox where order_id = ? order by id', [order.id]);
    expect(outbox).toEqual([{ kind: 'stock.reserve', ref: '' }, { kind: 'oms.create', ref: '' }, { kind: 'oms.status', ref: 'cancelled' }, { kind: 'stock.release', ref: 'cancelled' }]);
  });

  it('refuses a record the mapping cannot map, naming the field, and stores nothing', async () => {
    const bad = sourceOrder({ orderSn: 'SG-BAD-1' });
    (bad.lines[0] as Record<string, unknown>).model_discounted_price = 12.345;
    await expect(app.ctx.orders.records.ingest(bad, SHOPEE_MAPPING)).rejects.toThrow(RejectedError);
    await expect(app.ctx.orders.records.ingest(bad, SHOPEE_MAPPING)).rejects.toThrow(/line 1: .*model_discounted_price → unit_price_minor: has more decimals than SGD allows/);
    expect(await app.ctx.orders.findByOrderSn('SG-BAD-1')).toBeNull();
  });

  it('keeps one order when two workers record it at once', async () => {
    const outcomes = await Promise.all([ingest({ orderSn: 'SG-RACE-1' }), ingest({ orderSn: 'SG-RACE-1' }), ingest({ orderSn: 'SG-RACE-1' })]);
    expect(outcomes.sort()).toEqual(['created', 'unchanged', 'unchanged']);
    const [n] = await sql<{ n: string }>("select count(*) as n from order_line l join orders o on o.id = l.order_id where o.order_sn = 'SG-RACE-1'");
    expect(Number(n!.n)).toBe(1);
  });
});

describe('the outbox to the OMS', () => {
  it('creates each order once with an idempotency key from the order, and sends its status changes after it', async () => {
    await ingest({ orderSn: 'SG-OMS-1', status: 'UNPAID', updateTime: 1_764_000_010 });
    await ingest({ orderSn: 'SG-OMS-1', status: 'READY_TO_SHIP', updateTime: 1_764_000_020 });
    await drain();
    const held = oms.listOrders().filter((o) => o.external_order_id === 'SG-OMS-1');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ status: 'confirmed', channel: 'shopee:SG' });
    const doc = oms.getOrder(held[0]!.id)!.document;
    expect(doc).toMatchObject({ external_order_id: 'SG-OMS-1', currency: 'SGD', totals: { amount_minor: 2500 }, shipping: { name: 'Test Buyer' } });
    expect((await app.ctx.orders.findByOrderSn('SG-OMS-1'))!.omsOrderId).toBe(held[0]!.id);
  });

  it('retries through 5xx, 429 and a down period, and the OMS still holds the order once', async () => {
    oms.fail('/api/v1/orders', 503, 3);
    oms.fail('/api/v1/orders', 429, 1);
    await ingest({ orderSn: 'SG-OMS-2' });
    oms.down(1);
    await drain(20_000);
    expect(oms.listOrders().filter((o) => o.external_order_id === 'SG-OMS-2')).toHaveLength(1);
    expect((await app.ctx.orders.findByOrderSn('SG-OMS-2'))!.omsOrderId).toMatch(/^OMS-/);
  });

  it('an answer lost on the way back (timeout) is the same order when sent again', async () => {
    // The OMS answers after the client's 5-s timeout: the order is created there, the answer never arrives.
    oms.slow('/api/v1/orders', 5200);
    await ingest({ orderSn: 'SG-OMS-3' });
    const cleared = new Promise((r) => setTimeout(r, 5100)).then(() => oms.clearFaults());
    await app.ctx.orders.pipeline.runOnce();
    await cleared;
    await drain();
    expect(oms.listOrders().filter((o) => o.external_order_id === 'SG-OMS-3')).toHaveLength(1);
    expect((await app.ctx.orders.findByOrderSn('SG-OMS-3'))!.omsOrderId).toBe(oms.getOrder('SG-OMS-3')!.id);
  }, 60_000);

  it('a refusal (the OMS says the order is invalid) is a dead letter at once; the operator retries it', async () => {
    const bad = sourceOrder({ orderSn: 'SG-OMS-4' });
    await app.ctx.orders.records.ingest(bad, SHOPEE_MAPPING);
    // The OMS refuses what Tsunagi sends (an order with a currency it does not take): here, its document is changed.
    await sql(`update orders set document = jsonb_set(document, '{currency}', '"XXX"') where order_sn = 'SG-OMS-4'`);
    await drain();
    const dead = await app.ctx.orders.deadLetters();
    const letter = dead.find((d) => d.orderSn === 'SG-OMS-4')!;
    expect(letter).toMatchObject({ kind: 'oms.create', channel: 'shopee:SG', attempts: 1 });
    expect(letter.lastError).toMatch(/validation_failed.*currency/);
    await sql(`update orders set document = jsonb_set(document, '{currency}', '"SGD"') where order_sn = 'SG-OMS-4'`);
    expect(await app.ctx.orders.retry([letter.id])).toBe(1);
    await drain();
    expect(oms.listOrders().filter((o) => o.external_order_id === 'SG-OMS-4')).toHaveLength(1);
    expect((await app.ctx.orders.deadLetters()).find((d) => d.orderSn === 'SG-OMS-4')).toBeUndefined();
  });
});

describe('buyer retention', () => {
  it('deletes the buyer data of orders completed before the retention period, and only those', async () => {
    await ingest({ orderSn: 'SG-RET-1', status: 'COMPLETED' });
    await ingest({ orderSn: 'SG-RET-2', status: 'READY_TO_SHIP' });
    const later = new Date(Date.now() + 91 * 86_400_000);
    expect((await app.ctx.orders.cleanup(90, { dryRun: true, now: later })).buyers).toBeGreaterThanOrEqual(1);
    await app.ctx.orders.cleanup(90, { now: later });
    const done = (await app.ctx.orders.findByOrderSn('SG-RET-1'))!;
    const open = (await app.ctx.orders.findByOrderSn('SG-RET-2'))!;
    expect(await app.ctx.orders.buyer(done.id)).toBeNull();
    expect(done.buyerDeleted).toBe(true);
    expect(await app.ctx.orders.buyer(open.id)).toMatchObject({ name: 'Test Buyer' });
  });
});

/** Runs the inbox and outbox until nothing is due (retries falling due included), within `ms`. */
async function drain(ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const { inbox, outbox } = await app.ctx.orders.pipeline.runOnce();
    const q = await app.ctx.orders.queues();
    if (inbox + outbox === 0 && q.inbox.pending === 0 && q.outbox.pending === 0) return;
    if (Date.now() > until) throw new Error(`queues not drained: ${JSON.stringify(q)}`);
    if (inbox + outbox === 0) await new Promise((r) => setTimeout(r, 100));
  }
}
