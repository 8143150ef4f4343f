// Product data end to end through the gateway: the PIM's operations run by mutation, a change in the PIM reflected
// in `product { nameJa nameEn ... }` after an incremental run that read only what changed.
import type { PimSimulator } from '../../connectors/pim/simulator.js';
import type { ShopeeSimulator } from '../../connectors/shopee/simulator.js';
import { gql, seedDemo, startHarness, token, type Harness } from './support.js';

const PRODUCT = `query($sku: String!) {
  product(sku: $sku) {
    sku nameJa nameEn description descriptionEn: description(language: EN) brand
    category { code markets { channel country categoryId } }
    attributes { code value } imageReferences weightGrams dimensions { lengthMm widthMm heightMm } updatedAt
  }
}`;
const RUN = `mutation($system: String!, $operation: String!, $input: JSONObject) {
  runIntegration(system: $system, operation: $operation, dryRun: false, input: $input) { ok output }
}`;

const COUNTRIES = ['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'];
let h: Harness;
let pim: PimSimulator;
const shopee = () => h.app.sims.shopee as unknown as ShopeeSimulator;

beforeAll(async () => {
  h = await startHarness();
  await seedDemo(h.app);
  pim = h.app.sims.pim as unknown as PimSimulator;
});

afterAll(() => h.close());

test('product data is null until imported, then comes from the PIM; an incremental run brings a change', async () => {
  const partner = await token('partner');
  const operator = await token('operator');
  const before = await gql(h.gateway.url, PRODUCT, { sku: 'AMZ-000001' }, partner);
  expect(before.body.data!.product).toMatchObject({ nameJa: null, nameEn: null, description: null, category: null, attributes: [], updatedAt: null });

  pim.seed(['AMZ-000001', 'AMZ-000002', 'AMZ-000003']);
  // Listed in every shop already (no product data on the items yet): the PIM's data updates them.
  for (const country of COUNTRIES) shopee().seed(country, ['AMZ-000001', 'AMZ-000002', 'AMZ-000003'], 0);
  const full = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-full' }, operator);
  expect(full.body.data!.runIntegration).toMatchObject({ ok: true, output: { status: 'SUCCESS', created: 3, errorSummary: null } });

  const raw = pim.getProduct('AMZ-000001')!;
  const value = (code: string) => raw.values![code]![0]!.data;
  const { product } = (await gql(h.gateway.url, PRODUCT, { sku: 'AMZ-000001' }, partner)).body.data!;
  expect(product).toMatchObject({
    sku: 'AMZ-000001', nameJa: value('name_ja'), nameEn: value('name_en'), description: value('description_ja'), descriptionEn: value('description_en'),
    brand: value('brand'), imageReferences: ['AMZ-000001-1', 'AMZ-000001-2'], updatedAt: new Date(raw.updated!).toISOString(),
  });
  expect(product.category.code).toBe(raw.categories![0]);
  // The shipped category table maps every demo category in all seven markets.
  expect(product.category.markets).toHaveLength(7);
  expect(product.category.markets[0]).toEqual({ channel: 'shopee:SG', country: 'SG', categoryId: expect.any(Number) });
  expect(product.attributes).toEqual(expect.arrayContaining([{ code: 'colour', value: value('colour') }]));
  expect(product.weightGrams).toBe(Number((value('weight') as { amount: string }).amount));

  const oldTitle = pim.getProduct('AMZ-000002')!.values!.name_en![0]!.data;
  pim.update('AMZ-000002', { values: { name_en: 'Renamed in the PIM', name_ja: 'PIMで改名' } });
  const incremental = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-incremental' }, operator);
  // Read again: the changed product, and the others only because they changed in the watermark's own second.
  expect(incremental.body.data!.runIntegration.output).toMatchObject({ status: 'SUCCESS', updated: 1, created: 0 });
  const renamed = await gql(h.gateway.url, '{ product(sku: "AMZ-000002") { nameJa nameEn } }', {}, partner);
  expect(renamed.body.data).toEqual({ product: { nameJa: 'PIMで改名', nameEn: 'Renamed in the PIM' } });

  // The full run brought the three listed products' data to all seven shops; the incremental one sent only the
  // changed title, in English (every shipped market lists in English), to each shop.
  expect(full.body.data!.runIntegration.output.listings).toMatchObject({ created: 0, updated: 21, failed: 0 });
  expect(incremental.body.data!.runIntegration.output.listings).toMatchObject({ created: 0, updated: 7, unchanged: 0, failed: 0 });
  for (const country of ['SG', 'TW', 'BR']) {
    expect(shopee().getListing(country, 'AMZ-000002')!.content).toMatchObject({
      item_name: 'Renamed in the PIM', description: pim.getProduct('AMZ-000002')!.values!.description_en![0]!.data, category_id: expect.any(Number),
    });
  }
  const ledger = await h.app.ctx.db.em().execute<{ channel: string; fields: Record<string, unknown>; status: string }[]>(
    'select channel, fields, status from listing_change where run_id = ? order by channel', [incremental.body.data!.runIntegration.output.runId],
  );
  expect(ledger).toHaveLength(7);
  for (const entry of ledger) {
    expect(entry).toMatchObject({ status: 'APPLIED', fields: { title: { before: oldTitle, after: 'Renamed in the PIM' } } });
    expect(Object.keys(entry.fields)).toEqual(['title']);
  }
});

test('an export file is read from a path only by the CLI; the API sends its content', async () => {
  const operator = await token('operator');
  const byPath = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-csv', input: { file: '/etc/passwd' } }, operator);
  expect(byPath.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/a path is read only from the CLI/), extensions: { code: 'BAD_USER_INPUT' } });
  const content = Buffer.from('sku;name_en\nAMZ-000003;Sent by the API\n').toString('base64');
  const sent = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-csv', input: { content, fileName: 'api.csv' } }, operator);
  expect(sent.body.data!.runIntegration.output).toMatchObject({ mode: 'FILE', status: 'SUCCESS', updated: 1 });
  const product = await gql(h.gateway.url, '{ product(sku: "AMZ-000003") { nameEn nameJa } }', {}, operator);
  expect(product.body.data).toEqual({ product: { nameEn: 'Sent by the API', nameJa: null } });
});

test('a product new in the PIM becomes an item in every shop: its price from the pricing engine, its images uploaded', async () => {
  const operator = await token('operator');
  const sku = 'NEW-000001';
  pim.seed([sku]);
  // The SKU master sells it: a product the PIM has but nobody sells is not listed anywhere.
  await h.app.ctx.catalog.upsertMappings([{ sku, listings: { yahoo: `Y-${sku}` }, isActive: true }]);
  (h.app.sims['pricing-engine'] as unknown as { seed(skus: string[]): number }).seed([sku]);
  (h.app.sims.dam as unknown as { seed(skus: string[]): number }).seed([sku]);

  // Without images for its market a product is not listed: named, and tried again by the next run.
  const early = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-incremental' }, operator);
  expect(early.body.data!.runIntegration.output).toMatchObject({ status: 'PARTIAL', listings: { created: 0, failed: 7 } });
  expect(early.body.data!.runIntegration.output.listings.errors[0].error).toMatch(/at least one image.*images-sync/);
  expect(shopee().getListing('SG', sku)).toBeNull();

  const images = await gql(h.gateway.url, RUN, { system: 'dam', operation: 'images-sync', input: { sku } }, operator);
  expect(images.body.data!.runIntegration.ok).toBe(true);
  const run = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-incremental' }, operator);
  expect(run.body.data!.runIntegration.output).toMatchObject({ status: 'SUCCESS', listings: { created: 7, failed: 0 } });
  const engine = h.app.sims['pricing-engine'] as unknown as { priceOf(sku: string, country: string): { price: string } | null };
  for (const country of COUNTRIES) {
    const listing = shopee().getListing(country, sku)!;
    expect(listing.content).toMatchObject({ item_name: pim.getProduct(sku)!.values!.name_en![0]!.data, logistic_info: [{ enabled: true }] });
    expect(listing.content!.image_id_list).toHaveLength(2);
    expect(shopee().getPrice(country, sku)).not.toBeNull();
  }
  // Whole units in TW, two decimals in SG, by the market's precision.
  expect(shopee().getPrice('TW', sku)).toMatch(/^\d+$/);
  expect(shopee().getPrice('SG', sku)).toMatch(/^\d+\.\d{2}$/);
  expect(engine.priceOf(sku, 'SG')).not.toBeNull();

  // Nothing changed since: the next run publishes nothing.
  const again = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-incremental' }, operator);
  expect(again.body.data!.runIntegration.output.listings).toMatchObject({ created: 0, updated: 0, failed: 0 });
});
