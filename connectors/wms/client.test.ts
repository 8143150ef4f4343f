// Contract test: WmsClient's REST side against WmsSimulator over real HTTP on 127.0.0.1, its watermark in a real
// PostgreSQL database.
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { IntegrationStateStore } from '../../platform/integrations/state.js';
import { MappingSet } from '../../platform/transform/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { WmsApiError, WmsClient, type WmsStockRecord } from './client.js';
import type { WmsConfig } from './config.js';
import { WmsSimulator, wmsSimulatorConfig, type WmsSimulatorOptions } from './simulator.js';

const policy: HttpPolicy = { timeoutMs: 5000, retries: 2, backoffBaseMs: 10, backoffMaxMs: 50 };
const mappings = MappingSet.load('config/data-mappings.json');

let t: TestDatabase;
let sim: WmsSimulator;
let client: WmsClient;
let outcomes: CallOutcome[];

async function start(simOpts: WmsSimulatorOptions = {}, config: Partial<WmsConfig> = {}, settings: Record<string, unknown> = {}) {
  sim = new WmsSimulator({ rateLimit: false, ...simOpts });
  await sim.listen();
  outcomes = [];
  client = new WmsClient({
    config: { ...wmsSimulatorConfig(sim, settings), rateLimit: { perSecond: 1000, burst: 1000 }, ...config },
    mappings, state: new IntegrationStateStore(t.db).for(`wms-${Math.random()}`), policy, onOutcome: (o) => outcomes.push(o),
  });
}

async function all(pages: AsyncIterable<WmsStockRecord[]>): Promise<WmsStockRecord[][]> {
  const out: WmsStockRecord[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
afterEach(async () => {
  await client?.close();
  await sim?.close();
});

describe('WmsClient REST', () => {
  it('a wrong API key is refused with 401, named, not retried; no key at all is refused before any call', async () => {
    await start({}, { apiKey: 'not-the-key' });
    const err = (await all(client.stockPages()).catch((e: unknown) => e)) as WmsApiError;
    expect(err).toBeInstanceOf(WmsApiError);
    expect(err.code).toBe('UPSTREAM_FAILED');
    expect(err.status).toBe(401);
    expect(err.wmsCode).toBe('invalid_api_key');
    expect(err.message).toMatch(/^wms listStock: HTTP 401 invalid_api_key: .*check auth.key of the wms block/);
    expect(outcomes.filter((o) => o.operation === 'listStock').map((o) => o.attempts)).toEqual([1]);

    await client.close();
    client = new WmsClient({ config: { ...wmsSimulatorConfig(sim), apiKey: undefined }, mappings, state: new IntegrationStateStore(t.db).for('wms-nokey'), policy });
    await expect(all(client.stockPages())).rejects.toThrow(/no API key configured/);
    expect(sim.stats.listRequests).toBe(1);
  });

  it('reads every record in cursor pages sorted by (updated_at, sku), mapped through wms_to_shopee', async () => {
    await start({}, { pageSize: 3 });
    // Seeded in one go: most records share one timestamp, which the (updated_at, sku) order keeps stable.
    sim.seed(['S-05', 'S-01', 'S-03', 'S-02', 'S-04', 'S-06', 'S-07'], 4, 'TKY-B-02');
    await sleep(5);
    sim.setStock('S-03', 9, { reserved: 2 });
    const pages = await all(client.stockPages());
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const flat = pages.flat();
    expect(flat.map((r) => r.sku)).toEqual(['S-01', 'S-02', 'S-04', 'S-05', 'S-06', 'S-07', 'S-03']);
    expect(flat[6]).toEqual({ sku: 'S-03', available: 9, reserved: 2, location: 'TKY-B-02', updatedAt: expect.any(String) });
    expect(flat[6]!.updatedAt >= flat[5]!.updatedAt).toBe(true);

    const items: { sku: string; quantity: number }[] = [];
    for await (const page of client.pages()) items.push(...page);
    expect(items).toHaveLength(7);
    expect(items.find((i) => i.sku === 'S-03')).toEqual({ sku: 'S-03', quantity: 9 });
  });

  it('incremental reads start at the watermark less the overlap, move it only on commit, and see equal timestamps', async () => {
    await start({}, { pageSize: 2, overlapSeconds: 1 });
    sim.seed(['A', 'B', 'C'], 1);
    const first = await client.incremental();
    expect(first.since).toBeNull();
    expect((await all(first.pages())).flat().map((r) => r.sku)).toEqual(['A', 'B', 'C']);
    expect(await client.watermark()).toBeUndefined();
    await first.commit();
    const mark = await client.watermark();
    expect(mark).toBe(sim.getStock('C') && (await all(client.stockPages())).flat().at(-1)!.updatedAt);

    // Nothing new: the overlap re-reads what shares the watermark's second, and nothing older.
    const again = await client.incremental();
    expect(again.since).toBe(new Date(Date.parse(mark!) - 1000).toISOString());
    expect((await all(again.pages())).flat().map((r) => r.sku)).toEqual(['A', 'B', 'C']);
    await again.commit();
    expect(await client.watermark()).toBe(mark);

    await sleep(1100);
    sim.setStock('B', 7);
    const later = await client.incremental();
    // A and C are within the overlap of the watermark; B changed after it.
    expect((await all(later.pages())).flat().map((r) => [r.sku, r.available])).toEqual([['A', 1], ['C', 1], ['B', 7]]);
    await later.commit();
    const moved = await client.watermark();
    expect(Date.parse(moved!)).toBeGreaterThanOrEqual(Date.parse(mark!) + 1100);

    await sleep(1100);
    sim.setStock('C', 2);
    const last = await client.incremental();
    // A is now older than the watermark less the overlap: not read again.
    expect((await all(last.pages())).flat().map((r) => [r.sku, r.available])).toEqual([['B', 7], ['C', 2]]);
    await last.commit();

    // A read that is not committed (the run using it failed) leaves the watermark where it was.
    const before = await client.watermark();
    sim.setStock('C', 3);
    const failed = await client.incremental();
    await all(failed.pages());
    expect(await client.watermark()).toBe(before);
  });

  it('a record changed while the pages are read shows up again later in the same read, with its new figure', async () => {
    await start({}, { pageSize: 2 });
    sim.seed(['A', 'B', 'C', 'D'], 1);
    const seen: [string, number][] = [];
    for await (const page of client.stockPages()) {
      seen.push(...page.map((r) => [r.sku, r.available] as [string, number]));
      if (seen.length === 2) sim.setStock('A', 5);
    }
    expect(seen).toEqual([['A', 1], ['B', 1], ['C', 1], ['D', 1], ['A', 5]]);
  });

  it('429 with Retry-After is waited out; a bad parameter is a 400 named by the WMS', async () => {
    await start({ rateLimit: { perSecond: 2, burst: 1 } }, { pageSize: 1 });
    sim.seed(['A', 'B'], 1);
    const started = Date.now();
    expect((await all(client.stockPages())).flat()).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(sim.stats.throttled).toBeGreaterThan(0);
    const retried = outcomes.filter((o) => o.operation === 'listStock' && o.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((o) => o.ok)).toBe(true);

    await client.close();
    client = new WmsClient({ config: { ...wmsSimulatorConfig(sim), pageSize: 101 }, mappings, state: new IntegrationStateStore(t.db).for('wms-limit'), policy });
    await expect(all(client.stockPages())).rejects.toThrow(/HTTP 400 invalid_parameter: limit must be 1..100/);
  });

  it('a record that breaks the contract fails the read, naming the item and the field', async () => {
    await start();
    sim.faults.add({
      path: '/v1/stock',
      times: 1,
      response: { status: 200, body: { items: [{ product_code: 'A', available_quantity: 2, updated_at: '2026-11-27T00:00:00Z' }, { product_code: 'B', available_quantity: -1, updated_at: 'yesterday' }], next_cursor: null } },
    });
    await expect(all(client.stockPages())).rejects.toThrow(/wms listStock: item #2: available_quantity: -1 is negative; updated_at: not an RFC 3339 date-time/);
    sim.faults.add({ path: '/v1/stock', times: 1, response: { status: 200, body: { records: [] } } });
    await expect(all(client.stockPages())).rejects.toThrow(/lacks items\[\] or next_cursor/);
  });

  it('5xx is retried, and health says what is reachable and what runs', async () => {
    await start();
    sim.faults.add({ path: '/v1/stock', times: 1, response: { status: 503, body: { code: 'maintenance', message: 'back soon' } } });
    expect(await all(client.stockPages())).toEqual([[]]);
    expect(outcomes.find((o) => o.operation === 'listStock')!.attempts).toBe(2);

    const health = await client.health();
    expect(health).toMatchObject({ name: 'wms', ok: true, expiresInDays: null });
    expect(health.detail).toMatch(/^REST OK; stream: no consumer running \(the worker consumes it\); FTP OK \(0 file\(s\) waiting\)$/);

    sim.faults.add({ path: '/v1/stock', response: { status: 401, body: { code: 'invalid_api_key', message: 'revoked' } } });
    const down = await client.health();
    expect(down.ok).toBe(false);
    expect(down.detail).toMatch(/HTTP 401 invalid_api_key: revoked/);
  });
});
