// Contract test: the BI export (client and its simulator over HTTP) fed by the orders module on a real PostgreSQL:
// rows keyed by order line, no personal data, incremental by watermark, windows by day, extracts in the data dir.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { SHOPEE_MAPPING, sourceOrder } from '../../test/orders/fixtures.js';
import { BiClient } from './client.js';
import { BI_SANDBOX_CREDENTIALS, type BiSimulator } from './simulator.js';

let app: TestApp;
let bi: BiSimulator;
const ingest = (o: Parameters<typeof sourceOrder>[0]) => app.ctx.orders.records.ingest(sourceOrder(o), SHOPEE_MAPPING);
const run = (input: Record<string, unknown> = {}, dryRun = false) => app.ctx.hub.run({ system: 'bi', operation: 'sales-export', input, dryRun, trigger: 'test' });
const extractDir = () => join(app.ctx.config.dataDir, 'bi');
/** 2026-03-01 00:30 in Tokyo, plus `days`. */
const day = (days: number) => Math.floor(Date.parse('2026-02-28T15:30:00Z') / 1000) + days * 86_400;

beforeAll(async () => {
  app = await createTestApp();
  bi = app.sims.bi as unknown as BiSimulator;
  await ingest({ orderSn: 'BI-1', createTime: day(0), items: [{ sku: 'AMZ-000001', quantity: 2, price: 12.5 }, { sku: 'AMZ-000002', quantity: 1, price: 3.05 }] });
  await ingest({ orderSn: 'BI-2', region: 'VN', currency: 'VND', createTime: day(1), items: [{ sku: 'AMZ-000003', quantity: 3, price: 32119 }] });
  await ingest({ orderSn: 'BI-3', status: 'UNPAID', createTime: day(1) });
});
afterAll(() => app.close());

describe('sales-export', () => {
  it('sends one row per order line in the BI shape, with a keyed buyer pseudonym and no personal data', async () => {
    const r = await run();
    expect(r.output).toMatchObject({ mode: 'incremental', orders: 3, rows: 3, deleted: 1, days: ['2026-03-01', '2026-03-02'] });
    const [one, two] = bi.rows({ orderId: 'BI-1' }).sort((a, b) => a.key.localeCompare(b.key));
    const buyerRef = (await app.ctx.db.em().execute<{ buyer_ref: string }[]>("select buyer_ref from orders where order_sn = 'BI-1'"))[0]!.buyer_ref;
    const buyerKey = createHmac('sha256', BI_SANDBOX_CREDENTIALS.buyerKeySecret).update(buyerRef).digest('hex');
    expect(one).toEqual({
      key: 'shopee:SG:BI-1:1', date: '2026-03-01', country: 'SG', order_id: 'BI-1', sku: 'AMZ-000001', quantity: 2,
      unit_price: '12.50', total_amount: '25.00', currency: 'SGD', buyer_key: buyerKey,
    });
    expect(two).toMatchObject({ key: 'shopee:SG:BI-1:2', unit_price: '3.05', total_amount: '3.05', buyer_key: buyerKey });
    expect(bi.rows({ orderId: 'BI-2' })[0]).toMatchObject({ date: '2026-03-02', country: 'VN', quantity: 3, unit_price: '32119', total_amount: '96357', currency: 'VND' });
    // The unpaid order is no sale yet.
    expect(bi.rows({ orderId: 'BI-3' })).toEqual([]);
    const everything = JSON.stringify(bi.rows({ limit: 100 })) + readdirSync(extractDir()).map((f) => readFileSync(join(extractDir(), f), 'utf8')).join('');
    expect(everything).not.toMatch(/Test Buyer|Test Street|6590000000|018956|5001/);
  });

  it('writes each day touched as a CSV extract in the data directory', async () => {
    const csv = readFileSync(join(extractDir(), 'sales-2026-03-01.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('date,country,order_id,sku,quantity,unit_price,total_amount,currency,buyer_key');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 8).join(','))).toEqual([
      '2026-03-01,SG,BI-1,AMZ-000001,2,12.50,25.00,SGD',
      '2026-03-01,SG,BI-1,AMZ-000002,1,3.05,3.05,SGD',
    ]);
    expect(readdirSync(extractDir()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('runs again without duplicates, and takes up only what changed since its watermark', async () => {
    const before = bi.stats();
    const again = await run();
    expect(again.output).toMatchObject({ mode: 'incremental' });
    expect(bi.stats().rows).toBe(before.rows);

    await ingest({ orderSn: 'BI-4', createTime: day(2), items: [{ sku: 'AMZ-000001', quantity: 1, price: 9.9 }] });
    await ingest({ orderSn: 'BI-2', region: 'VN', currency: 'VND', status: 'CANCELLED', updateTime: 1_800_000_000, createTime: day(1), items: [{ sku: 'AMZ-000003', quantity: 3, price: 32119 }] });
    await ingest({ orderSn: 'BI-3', status: 'READY_TO_SHIP', updateTime: 1_800_000_000, createTime: day(1) });
    const next = (await run()).output as { rows: number; deleted: number; days: string[] };
    // The three changed orders, and those changed within the overlap (60 s) before the watermark again.
    expect(next.deleted).toBe(1);
    expect(next.rows).toBeGreaterThanOrEqual(2);
    expect(next.days).toEqual(expect.arrayContaining(['2026-03-02', '2026-03-03']));
    expect(bi.rows({ orderId: 'BI-2' })).toEqual([]);
    expect(bi.rows({ orderId: 'BI-3' })).toHaveLength(1);
    expect(bi.stats().rows).toBe(before.rows + 1);
    expect(readFileSync(join(extractDir(), 'sales-2026-03-02.csv'), 'utf8')).not.toContain('BI-2');
  });

  it('a window (--from/--to) exports the orders placed then, writes every day of it, and leaves the watermark', async () => {
    const watermark = (await run({}, true)).output as { watermark: string };
    bi.reset();
    const r = await run({ from: '2026-02-28', to: '2026-03-03' });
    expect(r.output).toMatchObject({ mode: 'range', orders: 4, rows: 4, deleted: 1, days: ['2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03'], watermark: null });
    expect(readFileSync(join(extractDir(), 'sales-2026-02-28.csv'), 'utf8')).toBe('date,country,order_id,sku,quantity,unit_price,total_amount,currency,buyer_key\n');
    expect(bi.stats().rows).toBe(4);
    expect((await run({}, true)).output).toMatchObject({ watermark: watermark.watermark });
  });

  it('refuses a half window or a reversed one before doing anything', async () => {
    await expect(run({ from: '2026-03-01' })).rejects.toThrow(/give both from and to/);
    await expect(run({ from: '2026-03-02', to: '2026-03-01' })).rejects.toThrow(/from is after to/);
    await expect(run({ from: '2026-02-30', to: '2026-03-01' })).rejects.toThrow(/input.from: a date YYYY-MM-DD/);
  });

  it('an import that fails leaves the watermark where it was; the next run delivers', async () => {
    await ingest({ orderSn: 'BI-5', createTime: day(3) });
    const before = ((await run({}, true)).output as { watermark: string }).watermark;
    bi.fail(500, 20);
    await expect(run()).rejects.toThrow(/HTTP 500/);
    expect(((await run({}, true)).output as { watermark: string }).watermark).toBe(before);
    bi.faults.clear();
    await run();
    expect(bi.rows({ orderId: 'BI-5' })).toHaveLength(1);
  });
});

describe('the BI import API', () => {
  it('takes batches up to 5000, and refuses a row with any field besides the BI shape (nothing imported)', async () => {
    const client = new BiClient({
      config: {
        system: 'bi', endpoint: app.sandbox.urls.bi!, apiKey: BI_SANDBOX_CREDENTIALS.apiKey, batchSize: 5000, extractDir: 'bi', timezone: 'Asia/Tokyo',
        overlapMs: 0, rateLimit: { perSecond: 100, burst: 100 },
      },
      dataDir: app.ctx.config.dataDir, policy: { retries: 0 },
    });
    const row = { key: 'k:1', date: '2026-03-01', country: 'SG', order_id: 'X', sku: 'S', quantity: 1, unit_price: '1.00', total_amount: '1.00', currency: 'SGD', buyer_key: null };
    const before = bi.stats().rows;
    await expect(client.importBatch([row, { ...row, key: 'k:2', name: 'Someone' } as typeof row], [])).rejects.toThrow(/HTTP 422.*rows\[1\]\.name: not a BI field/);
    expect(bi.stats().rows).toBe(before);
    await expect(client.importBatch(Array.from({ length: 5001 }, (_, i) => ({ ...row, key: `k:${i}` })), [])).rejects.toThrow(/at most 5000/);
    expect(await client.importBatch([row], [])).toEqual({ upserted: 1, deleted: 0 });
    expect(await client.importBatch([], ['k:1'])).toEqual({ upserted: 0, deleted: 1 });
    expect(existsSync(extractDir())).toBe(true);
  });
});
