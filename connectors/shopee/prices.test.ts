// Contract test: the shops as price targets (price_info original_price through the SKU map, update_price per item
// with its models, each market's precision) against ShopeeSimulator over real HTTP on 127.0.0.1.
import type { HttpPolicy } from '../../platform/http/index.js';
import { PATHS, ShopeeApiError } from './client.js';
import { simulatedShops } from './testing.js';
import { sandboxShopId } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 2, backoffBaseMs: 10, backoffMaxMs: 40 };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function harness() {
  const { sim, client, shops } = await simulatedShops(['SG', 'TW'], { open, policy });
  const [sg, tw] = shops.priceTargets();
  return { sim, client, shops, sg: sg!, tw: tw!, updates: () => sim.counts.calls[PATHS.updatePrice] ?? 0 };
}

describe('prices per shop', () => {
  test('items (item_sku) and models (model_sku) read and set original_price: SGD with two decimals, TWD in whole units', async () => {
    const { sim, sg, tw, updates } = await harness();
    sim.addItem('SG', { item_sku: 'PLAIN-1', price: 12.5 });
    sim.addItem('SG', { item_sku: 'BAG', models: [{ model_sku: 'BAG-RED', price: 30 }, { model_sku: 'BAG-BLUE', price: 31.99 }] });
    sim.addItem('TW', { item_sku: 'PLAIN-1', price: 2800 });
    expect([sg.channel, tw.channel, sg.maxBatch]).toEqual(['shopee:SG', 'shopee:TW', 50]);

    expect(await sg.getPrices(['PLAIN-1', 'BAG-RED', 'BAG-BLUE', 'BAG', 'NOPE'])).toEqual(new Map([
      ['PLAIN-1', { amount: 1250, currency: 'SGD' }], ['BAG-RED', { amount: 3000, currency: 'SGD' }], ['BAG-BLUE', { amount: 3199, currency: 'SGD' }], ['BAG', null], ['NOPE', null],
    ]));
    expect(await tw.getPrices(['PLAIN-1'])).toEqual(new Map([['PLAIN-1', { amount: 280000, currency: 'TWD' }]]));

    expect(await sg.setPrices([
      { sku: 'BAG-BLUE', price: { amount: 2999, currency: 'SGD' } },
      { sku: 'PLAIN-1', price: { amount: 1234, currency: 'SGD' } },
      { sku: 'BAG-RED', price: { amount: 2810, currency: 'SGD' } },
      { sku: 'NOPE', price: { amount: 100, currency: 'SGD' } },
    ])).toEqual([
      { sku: 'BAG-BLUE', ok: true },
      { sku: 'PLAIN-1', ok: true },
      { sku: 'BAG-RED', ok: true },
      { sku: 'NOPE', ok: false, error: `shopee:SG: no listing with SKU "NOPE" (item_sku or model_sku) in shop ${sandboxShopId('SG')}` },
    ]);
    // One call per item: the bag's two models went together.
    expect(updates()).toBe(2);
    expect([sim.getPrice('SG', 'PLAIN-1'), sim.getPrice('SG', 'BAG-RED'), sim.getPrice('SG', 'BAG-BLUE'), sim.getPrice('SG', 'NOPE')]).toEqual(['12.34', '28.10', '29.99', null]);
    expect(await tw.setPrices([{ sku: 'PLAIN-1', price: { amount: 283500, currency: 'TWD' } }])).toEqual([{ sku: 'PLAIN-1', ok: true }]);
    expect(sim.getPrice('TW', 'PLAIN-1')).toBe('2835');
    expect((await tw.getPrices(['PLAIN-1'])).get('PLAIN-1')).toEqual({ amount: 283500, currency: 'TWD' });
  });

  test('a price finer than the market takes, in another currency or not above 0 is refused for its SKU, never rounded or sent', async () => {
    const { sim, sg, tw, updates } = await harness();
    sim.addItem('TW', { item_sku: 'A', price: 100 });
    sim.addItem('TW', { item_sku: 'B', price: 100 });
    sim.addItem('SG', { item_sku: 'A', price: 10 });
    expect(await tw.setPrices([
      { sku: 'A', price: { amount: 12345, currency: 'TWD' } },
      { sku: 'B', price: { amount: 500, currency: 'SGD' } },
    ])).toEqual([
      { sku: 'A', ok: false, error: "shopee:TW: 123.45 TWD is finer than the market's 0 decimal places" },
      { sku: 'B', ok: false, error: 'shopee:TW sells in TWD, not SGD' },
    ]);
    expect(await sg.setPrices([{ sku: 'A', price: { amount: 0, currency: 'SGD' } }])).toEqual([
      { sku: 'A', ok: false, error: 'shopee:SG: a price must be a positive amount, got 0 minor units of SGD' },
    ]);
    expect(updates()).toBe(0);
    expect([sim.getPrice('TW', 'A'), sim.getPrice('TW', 'B'), sim.getPrice('SG', 'A')]).toEqual(['100', '100', '10.00']);
    await expect(sg.setPrices([{ sku: 'A', price: { amount: 1, currency: 'SGD' } }, { sku: 'A', price: { amount: 2, currency: 'SGD' } }])).rejects.toThrow('shopee:SG setPrices: SKU "A" appears twice in one batch');
  });

  test('a shop prices in its market’s configured precision: SG configured in whole dollars refuses cents', async () => {
    const markets = { 'shopee:SG': { country: 'SG', currency: 'SGD', priceDecimals: 0, language: 'en' as const, imageRule: 'shopee' } };
    const { sim, shops } = await simulatedShops(['SG', 'TW'], { open, policy, markets });
    const [sg, tw] = shops.priceTargets();
    sim.addItem('SG', { item_sku: 'A', price: 10 });
    sim.addItem('TW', { item_sku: 'A', price: 100 });
    expect(await sg!.setPrices([{ sku: 'A', price: { amount: 1234, currency: 'SGD' } }])).toEqual([
      { sku: 'A', ok: false, error: "shopee:SG: 12.34 SGD is finer than the market's 0 decimal places" },
    ]);
    expect(await sg!.setPrices([{ sku: 'A', price: { amount: 1200, currency: 'SGD' } }])).toEqual([{ sku: 'A', ok: true }]);
    expect(sim.getPrice('SG', 'A')).toBe('12.00');
    // A shop no market names keeps Shopee's own rule.
    expect(await tw!.setPrices([{ sku: 'A', price: { amount: 12345, currency: 'TWD' } }])).toEqual([
      { sku: 'A', ok: false, error: "shopee:TW: 123.45 TWD is finer than the market's 0 decimal places" },
    ]);
  });

  test('the simulator refuses a decimal for TWD (and a third decimal for SGD) in Shopee’s envelope, and keeps the price', async () => {
    const { sim, client, shops } = await harness();
    const tw = sim.addItem('TW', { item_sku: 'A', price: 100 });
    const sg = sim.addItem('SG', { item_sku: 'A', price: 10 });
    const send = (country: string, itemId: number, price: number) =>
      client.request({ path: PATHS.updatePrice, method: 'POST', shop: shops.target(country).shop, body: { item_id: itemId, price_list: [{ model_id: 0, original_price: price }] } });
    for (const [country, itemId, price] of [['TW', tw.itemId, 123.45], ['SG', sg.itemId, 12.345]] as const) {
      const err = await send(country, itemId, price).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ShopeeApiError);
      expect(err).toMatchObject({ error: 'error_invalid_price', shopeeMessage: 'Invalid price, please use the correct format', retryable: false });
    }
    expect([sim.getPrice('TW', 'A'), sim.getPrice('SG', 'A')]).toEqual(['100', '10.00']);
    expect((await send('TW', tw.itemId, 123)).response).toEqual({ failure_list: [], success_list: [{ model_id: 0, original_price: 123 }] });
    expect(sim.getPrice('TW', 'A')).toBe('123');
    // Another shop's item is not this shop's to price.
    await expect(send('SG', tw.itemId, 5)).rejects.toMatchObject({ error: 'error_item_not_belong_shop' });
    expect(() => sim.setPrice('TW', 'A', 99.5)).toThrow('shopee simulator: TW takes whole units, not 99.5');
  });

  test('a listing Shopee no longer has fails its SKU, and the map forgets it', async () => {
    const { sim, sg } = await harness();
    sim.addItem('SG', { item_sku: 'GONE', price: 10 });
    sim.addItem('SG', { item_sku: 'STAYS', price: 10 });
    expect((await sg.getPrices(['GONE'])).get('GONE')).toEqual({ amount: 1000, currency: 'SGD' });
    sim.seed('SG', ['STAYS'], 0);
    const [gone] = await sg.setPrices([{ sku: 'GONE', price: { amount: 1100, currency: 'SGD' } }]);
    expect(gone).toMatchObject({ sku: 'GONE', ok: false, error: expect.stringMatching(/^shopee update_price \(SG\): error_item_not_found/) });
    expect((await sg.getPrices(['GONE'])).get('GONE')).toBeNull();
  });
});
