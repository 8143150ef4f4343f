// Contract test: the shops as listing targets (add_item with uploaded images, price and logistics; update_item with
// only the changed fields) against ShopeeSimulator over real HTTP on 127.0.0.1.
import sharp from 'sharp';
import type { HttpPolicy } from '../../platform/http/index.js';
import type { ListingContent } from '../../subgraphs/catalog/ports.js';
import { PATHS } from './client.js';
import { simulatedShops } from './testing.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 1, backoffBaseMs: 10, backoffMaxMs: 40 };
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const content: ListingContent = {
  title: 'Cast iron kettle', description: 'Made in Iwate.', categoryId: 100636, brand: 'Iwachu', weightGrams: 1250,
  dimensionsMm: { length: 201, width: 150, height: 120 }, images: ['a.webp', 'b.webp'],
};

async function harness(overrides = {}) {
  const { sim, shops } = await simulatedShops(['SG', 'TW'], { open, policy, overrides });
  const [sg, tw] = shops.listingTargets();
  const webp = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#c00' } }).webp().toBuffer();
  const read: string[] = [];
  const image = async (key: string) => {
    read.push(key);
    if (key === 'not-an-image.webp') return Buffer.from('plain text');
    return webp;
  };
  return { sim, sg: sg!, tw: tw!, image, read };
}

test('a new SKU becomes an item: images uploaded first, the price in the market precision, logistics from config; the stock and price targets find it', async () => {
  const { sim, sg, tw, image, read } = await harness();
  expect([sg.channel, sg.maxBatch]).toEqual(['shopee:SG', 50]);
  expect(await sg.listed(['KETTLE'])).toEqual(new Set());
  expect(await sg.write([{ sku: 'KETTLE', action: 'CREATE', content, price: { amount: 4590, currency: 'SGD' } }], image)).toEqual([{ sku: 'KETTLE', ok: true }]);
  expect(await tw.write([{ sku: 'KETTLE', action: 'CREATE', content, price: { amount: 1200, currency: 'TWD' } }], image)).toEqual([{ sku: 'KETTLE', ok: true }]);
  expect(read).toEqual(['a.webp', 'b.webp', 'a.webp', 'b.webp']);
  expect(sim.getListing('SG', 'KETTLE')!.content).toEqual({
    item_name: 'Cast iron kettle', description: 'Made in Iwate.', category_id: 100636, weight: 1.25,
    dimension: { package_length: 21, package_width: 15, package_height: 12 }, brand: { brand_id: 0, original_brand_name: 'Iwachu' },
    image_id_list: [expect.stringMatching(/^sg-/), expect.stringMatching(/^sg-/)], logistic_info: [{ logistic_id: 90001, enabled: true }],
  });
  expect([sim.getPrice('SG', 'KETTLE'), sim.getPrice('TW', 'KETTLE')]).toEqual(['45.90', '12']);
  // Known at once to the shop's SKU map (no re-read of the shop).
  const listCalls = sim.counts.calls[PATHS.itemList] ?? 0;
  expect(await sg.listed(['KETTLE'])).toEqual(new Set(['KETTLE']));
  expect(sim.counts.calls[PATHS.itemList] ?? 0).toBe(listCalls);
});

test('an update sends only the changed fields: what the seller changed elsewhere on the item stays', async () => {
  const { sim, sg, image, read } = await harness();
  await sg.write([{ sku: 'KETTLE', action: 'CREATE', content, price: { amount: 4590, currency: 'SGD' } }], image);
  const item = sim.market.shop('SG').items.get(sim.getListing('SG', 'KETTLE')!.itemId)!;
  item.content!.description = 'Edited in Seller Centre';
  read.length = 0;
  const renamed = { ...content, title: 'Cast iron kettle 1.2 L', weightGrams: 1300, description: 'Made in Iwate, Japan.' };
  expect(await sg.write([{ sku: 'KETTLE', action: 'UPDATE', content: renamed, changed: ['title', 'weightGrams'] }], image)).toEqual([{ sku: 'KETTLE', ok: true }]);
  expect(sim.getListing('SG', 'KETTLE')!.content).toMatchObject({ item_name: 'Cast iron kettle 1.2 L', weight: 1.3, description: 'Edited in Seller Centre' });
  expect(read).toEqual([]);
  const before = sim.getListing('SG', 'KETTLE')!.content!.image_id_list;
  await sg.write([{ sku: 'KETTLE', action: 'UPDATE', content: { ...renamed, images: ['b.webp'] }, changed: ['images'] }], image);
  expect(sim.getListing('SG', 'KETTLE')!.content!.image_id_list).toEqual([before[1]]);
});

test('refusals are named per SKU and the others go on', async () => {
  const { sim, sg, image } = await harness();
  sim.addItem('SG', { item_sku: 'BAG', models: [{ model_sku: 'BAG-RED' }, { model_sku: 'BAG-BLUE' }] });
  const results = await sg.write([
    { sku: 'NO-IMAGES', action: 'CREATE', content: { ...content, images: [] }, price: { amount: 100, currency: 'SGD' } },
    { sku: 'BAD-IMAGE', action: 'CREATE', content: { ...content, images: ['not-an-image.webp'] }, price: { amount: 100, currency: 'SGD' } },
    { sku: 'YEN', action: 'CREATE', content, price: { amount: 100, currency: 'JPY' } },
    { sku: 'FINE', action: 'CREATE', content, price: { amount: 4590, currency: 'SGD' } },
    { sku: 'BAG-RED', action: 'UPDATE', content, changed: ['title'] },
    { sku: 'NOWHERE', action: 'UPDATE', content, changed: ['title'] },
  ], image);
  expect(results).toEqual([
    { sku: 'NO-IMAGES', ok: false, error: expect.stringMatching(/at least one image.*images-sync/) },
    { sku: 'BAD-IMAGE', ok: false, error: expect.stringMatching(/error_invalid_image/) },
    { sku: 'YEN', ok: false, error: 'shopee:SG sells in SGD, not JPY' },
    { sku: 'FINE', ok: true },
    { sku: 'BAG-RED', ok: false, error: expect.stringMatching(/model of item \d+; item data is not updated from one variant/) },
    { sku: 'NOWHERE', ok: false, error: expect.stringMatching(/no single listing with SKU "NOWHERE"/) },
  ]);
  expect(sim.getListing('SG', 'NO-IMAGES')).toBeNull();
});

test('a shop without logistics channels configured creates nothing and says which setting is missing', async () => {
  const { sim, sg, image } = await harness();
  const shop = (sg as unknown as { shop: { shop: { logisticIds: number[] } } }).shop.shop;
  shop.logisticIds = [];
  expect(await sg.write([{ sku: 'KETTLE', action: 'CREATE', content, price: { amount: 4590, currency: 'SGD' } }], image)).toEqual([
    { sku: 'KETTLE', ok: false, error: expect.stringMatching(/settings\.shops\[\]\.logistic_ids/) },
  ]);
  expect(sim.counts.calls[PATHS.addItem] ?? 0).toBe(0);
});
