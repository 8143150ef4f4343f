// Product data end to end through the gateway: the PIM's operations run by mutation, a change in the PIM reflected
// in `product { nameJa nameEn ... }` after an incremental run that read only what changed.
import type { PimSimulator } from '../../connectors/pim/simulator.js';
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

let h: Harness;
let pim: PimSimulator;

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
  const full = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-full' }, operator);
  expect(full.body.data!.runIntegration).toMatchObject({ ok: true, output: { status: 'SUCCESS', created: 3 } });

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

  pim.update('AMZ-000002', { values: { name_en: 'Renamed in the PIM', name_ja: 'PIMで改名' } });
  const incremental = await gql(h.gateway.url, RUN, { system: 'pim', operation: 'products-incremental' }, operator);
  // Read again: the changed product, and the others only because they changed in the watermark's own second.
  expect(incremental.body.data!.runIntegration.output).toMatchObject({ status: 'SUCCESS', updated: 1, created: 0 });
  const renamed = await gql(h.gateway.url, '{ product(sku: "AMZ-000002") { nameJa nameEn } }', {}, partner);
  expect(renamed.body.data).toEqual({ product: { nameJa: 'PIMで改名', nameEn: 'Renamed in the PIM' } });
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
