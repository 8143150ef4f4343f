// Contract test: the shops as stock targets (SKU map, seller_stock, update_stock per item) against
// ShopeeSimulator over real HTTP on 127.0.0.1.
import type { HttpPolicy } from '../../platform/http/index.js';
import { PATHS, ShopeeApiError } from './client.js';
import type { ShopeeConfig } from './config.js';
import { MODELS_PER_STOCK_CALL } from './shops.js';
import { sandboxShopId } from './simulator.js';
import { simulatedShops } from './testing.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 2, backoffBaseMs: 10, backoffMaxMs: 40 };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function harness(overrides: Partial<ShopeeConfig> = {}) {
  const { sim, shops, outcomes } = await simulatedShops(['SG', 'MY'], { open, policy, overrides });
  const calls = (operation: string) => outcomes.filter((o) => o.operation === operation).length;
  return { sim, shops, sg: shops.target('shopee:SG'), my: shops.target('MY'), outcomes, calls };
}

describe('stock per shop', () => {
  test('items without models (item_sku) and models (model_sku) round-trip seller_stock; each shop is its own channel', async () => {
    const { sim, sg, my } = await harness();
    sim.addItem('SG', { item_sku: 'PLAIN-1', stock: 3 });
    const bag = sim.addItem('SG', { item_sku: 'BAG', models: [{ model_sku: 'BAG-RED', stock: 1 }, { model_sku: 'BAG-BLUE', stock: 2 }] });
    sim.addItem('MY', { item_sku: 'PLAIN-1', stock: 9 });
    expect([sg.channel, my.channel, sg.maxWriteBatch, sg.maxReadBatch]).toEqual(['shopee:SG', 'shopee:MY', 50, 50]);

    expect(await sg.getStock(['PLAIN-1', 'BAG-RED', 'BAG-BLUE', 'BAG', 'NOPE'])).toEqual(new Map([['PLAIN-1', 3], ['BAG-RED', 1], ['BAG-BLUE', 2], ['BAG', null], ['NOPE', null]]));
    expect(await sg.setStock([{ code: 'BAG-BLUE', quantity: 0 }, { code: 'PLAIN-1', quantity: 7 }, { code: 'BAG-RED', quantity: 5 }, { code: 'NOPE', quantity: 1 }])).toEqual([
      { code: 'BAG-BLUE', ok: true },
      { code: 'PLAIN-1', ok: true },
      { code: 'BAG-RED', ok: true },
      { code: 'NOPE', ok: false, error: `shopee:SG: no listing with SKU "NOPE" (item_sku or model_sku) in shop ${sandboxShopId('SG')}` },
    ]);
    expect([sim.getQuantity('SG', 'PLAIN-1'), sim.getQuantity('SG', 'BAG-RED'), sim.getQuantity('SG', 'BAG-BLUE'), sim.getQuantity('MY', 'PLAIN-1')]).toEqual([7, 5, 0, 9]);
    expect(await my.getStock(['PLAIN-1', 'BAG-RED'])).toEqual(new Map([['PLAIN-1', 9], ['BAG-RED', null]]));
    expect(bag.modelIds).toHaveLength(2);
  });

  test('one update_stock call per item: models of one item go together, other items in their own calls', async () => {
    const { sim, sg, calls } = await harness();
    sim.addItem('SG', { models: Array.from({ length: 50 }, (_, i) => ({ model_sku: `M-${i}`, stock: 0 })) });
    sim.addItem('SG', { item_sku: 'OTHER', stock: 0 });
    await sg.getStock(['M-0']);
    const updates = Array.from({ length: 49 }, (_, i) => ({ code: `M-${i}`, quantity: i }));
    const results = await sg.setStock([...updates, { code: 'OTHER', quantity: 4 }]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls('update_stock SG')).toBe(2);
    expect(sim.getQuantity('SG', 'M-48')).toBe(48);
    expect(sim.getQuantity('SG', 'OTHER')).toBe(4);
    // More than update_stock's 50 models is refused before anything is sent.
    await expect(sg.setStock(Array.from({ length: 51 }, (_, i) => ({ code: `M-${i % 50}-${i}`, quantity: 1 })))).rejects.toThrow('shopee:SG setStock: 51 updates given, at most 50 per call');
    expect(MODELS_PER_STOCK_CALL).toBe(50);
  });

  test('the simulator holds update_stock to 1–50 models, distinct and existing, and non-negative stock', async () => {
    const { sim, shops } = await harness();
    const { itemId, modelIds } = sim.addItem('SG', { models: Array.from({ length: 50 }, (_, i) => ({ model_sku: `M-${i}`, stock: 1 })) });
    const client = shops.client;
    const shop = client.shop('SG');
    const send = (stock_list: unknown[], item_id: number = itemId) => client.request({ path: PATHS.updateStock, method: 'POST', shop, body: { item_id, stock_list } }).catch((e: ShopeeApiError) => e);
    const entry = (model_id: number, stock: number) => ({ model_id, seller_stock: [{ stock }] });
    expect(await send(modelIds.concat(modelIds[0]!).map((m) => entry(m, 1)))).toMatchObject({ error: 'error_param', shopeeMessage: expect.stringMatching(/between 1 to 50/) });
    expect(await send([])).toMatchObject({ error: 'error_param' });
    expect(await send([entry(modelIds[0]!, 1), entry(modelIds[0]!, 2)])).toMatchObject({ error: 'error_param', shopeeMessage: 'Repeat model_id.' });
    expect(await send([entry(123, 1)])).toMatchObject({ error: 'error_param', shopeeMessage: 'Wrong model_id.' });
    expect(await send([entry(0, 1)])).toMatchObject({ error: 'error_edit_item_stock_for_item_has_model' });
    expect(await send([entry(modelIds[1]!, -1)])).toMatchObject({ error: 'error_param', shopeeMessage: expect.stringMatching(/greater than or equal to 0/) });
    expect(sim.getQuantity('SG', 'M-1')).toBe(1);
    // The client refuses a negative quantity itself.
    await expect(shops.target('SG').setStock([{ code: 'M-1', quantity: -1 }])).rejects.toThrow('shopee:SG setStock: quantity for "M-1" must be an integer 0..2147483647, got -1');
  });

  test('an item of another shop is refused (error_item_not_belong_shop) and a stale map entry is dropped', async () => {
    const { sim, sg, shops } = await harness();
    const mine = sim.addItem('MY', { item_sku: 'MY-ONLY', stock: 2 });
    const err = await shops.client.request({ path: PATHS.updateStock, method: 'POST', shop: shops.client.shop('SG'), body: { item_id: mine.itemId, stock_list: [{ model_id: 0, seller_stock: [{ stock: 0 }] }] } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ error: 'error_item_not_belong_shop', shopeeMessage: 'Item not belong to shop.' });
    expect(sim.getQuantity('MY', 'MY-ONLY')).toBe(2);

    const listed = sim.addItem('SG', { item_sku: 'GOING', stock: 1 });
    await sg.getStock(['GOING']);
    sim.setSku('SG', listed.itemId, 0, 'RENAMED');
    sim.faults.add({ path: PATHS.updateStock, times: 1, response: { status: 200, body: { request_id: 'x', error: 'error_item_not_found', message: 'Item_id is not found.' } } });
    const [gone] = await sg.setStock([{ code: 'GOING', quantity: 5 }]);
    expect(gone).toEqual({ code: 'GOING', ok: false, error: expect.stringMatching(/^shopee update_stock \(SG\): error_item_not_found: Item_id is not found\./) });
    // The next call reads the shop's changes: the SKU is gone, the new one is found.
    expect(await sg.getStock(['GOING', 'RENAMED'])).toEqual(new Map([['GOING', null], ['RENAMED', 1]]));
    // A read of items Shopee no longer has answers null for them instead of failing the batch.
    sim.faults.add({ path: PATHS.itemBaseInfo, times: 1, response: { status: 200, body: { request_id: 'y', error: 'error_item_not_found', message: 'Item_id is not found.' } } });
    expect(await sg.getStock(['RENAMED'])).toEqual(new Map([['RENAMED', null]]));
  });

  test('per-model failures are read from failure_list; the rest of the item is applied; all failing is error_busi_update_stock_failed', async () => {
    const { sim, sg } = await harness();
    sim.addItem('SG', { models: [{ model_sku: 'A', stock: 5, reserved: 2 }, { model_sku: 'B', stock: 5 }, { model_sku: 'C', stock: 5, reserved: 3 }] });
    const results = await sg.setStock([{ code: 'A', quantity: 1 }, { code: 'B', quantity: 0 }, { code: 'C', quantity: 3 }]);
    expect(results).toEqual([
      { code: 'A', ok: false, error: expect.stringMatching(/^shopee:SG item \d+ model \d+: Total stock must be more than reserved stock\.$/) },
      { code: 'B', ok: true },
      { code: 'C', ok: true },
    ]);
    expect([sim.getQuantity('SG', 'A'), sim.getQuantity('SG', 'B'), sim.getQuantity('SG', 'C')]).toEqual([5, 0, 3]);
    const all = await sg.setStock([{ code: 'A', quantity: 0 }, { code: 'C', quantity: 1 }]);
    expect(all.map((r) => r.ok)).toEqual([false, false]);
    expect(all[1]!.error).toMatch(/Total stock must be more than reserved stock/);
  });

  test('a call that gets no answer at all throws; an abort abandons the batch', async () => {
    const { sim, sg } = await harness();
    sim.seed('SG', ['X-1', 'X-2'], 0);
    await sg.getStock(['X-1']);
    sim.faults.add({ path: PATHS.updateStock, response: { status: 200, body: { request_id: 'b', error: 'error_system_busy', message: 'busy' } } });
    await expect(sg.setStock([{ code: 'X-1', quantity: 1 }, { code: 'X-2', quantity: 1 }])).rejects.toMatchObject({ error: 'error_system_busy' });
    sim.faults.clear();
    sim.faults.slow({ path: PATHS.updateStock, ms: 300 });
    const abort = new AbortController();
    const pending = sg.setStock([{ code: 'X-1', quantity: 2 }], { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('lease lost')), 50);
    await expect(pending).rejects.toThrow();
  });
});

describe('the SKU map', () => {
  test('is read once, across pages of 100; a missing SKU re-reads only the changed items, at most once per interval', async () => {
    const { sim, sg, calls } = await harness({ missRefreshMs: 60_000 });
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    for (let i = 0; i < 250; i++) sim.addItem('SG', { item_sku: `S-${i}`, stock: 1, update_time: anHourAgo });
    expect(await sg.getStock(['S-0', 'S-249'])).toEqual(new Map([['S-0', 1], ['S-249', 1]]));
    expect(calls('get_item_list SG')).toBe(3);
    expect(calls('get_item_base_info SG')).toBe(6); // 5 for the map, 1 for the stock
    const summary = await sg.refreshItems();
    expect(summary).toMatchObject({ items: 250, skus: 250, duplicates: [], withoutSku: 0 });
    expect(calls('get_item_list SG')).toBe(6);

    sim.addItem('SG', { item_sku: 'NEW-1', stock: 8 });
    expect(await sg.getStock(['NEW-1'])).toEqual(new Map([['NEW-1', 8]]));
    expect(calls('get_item_list SG')).toBe(7);
    // The miss read used the update_time window: only the changed item's details were read.
    expect(calls('get_item_base_info SG')).toBe(6 + 5 + 2);
    sim.addItem('SG', { item_sku: 'NEW-2', stock: 1 });
    expect(await sg.getStock(['NEW-2'])).toEqual(new Map([['NEW-2', null]]));
    expect(calls('get_item_list SG')).toBe(7);
  });

  test('a SKU on two listings is left alone and named in both directions', async () => {
    const { sim, sg } = await harness();
    const a = sim.addItem('SG', { item_sku: 'TWICE', stock: 1 });
    const b = sim.addItem('SG', { models: [{ model_sku: 'TWICE', stock: 2 }] });
    sim.addItem('SG', { stock: 1 });
    expect(await sg.refreshItems()).toMatchObject({ items: 3, skus: 0, duplicates: ['TWICE'], withoutSku: 1 });
    expect(await sg.refreshItems()).toMatchObject({ withoutSku: 1 });
    expect(await sg.getStock(['TWICE'])).toEqual(new Map([['TWICE', null]]));
    expect(await sg.setStock([{ code: 'TWICE', quantity: 5 }])).toEqual([
      { code: 'TWICE', ok: false, error: `shopee:SG: SKU "TWICE" is on 2 listings (item ${a.itemId}, item ${b.itemId} model ${b.modelIds[0]}); make it unique in the shop` },
    ]);
  });

  test('a page whose next_offset does not advance is an error, not an endless loop', async () => {
    const { sim, sg } = await harness();
    sim.seed('SG', ['P-1'], 0);
    sim.faults.add({ path: PATHS.itemList, response: { status: 200, body: { request_id: 'p', error: '', message: '', response: { item: [], total_count: 5, has_next_page: true, next_offset: 0 } } } });
    await expect(sg.getStock(['P-1'])).rejects.toThrow(/has_next_page is true but next_offset 0 does not move past 0/);
  });
});
