// The catalog's product import on a real PostgreSQL database, reading the PIM simulator over HTTP through its client.
import { readFileSync } from 'node:fs';
import { PimClient } from '../../connectors/pim/client.js';
import { PIM_TO_CATALOG } from '../../connectors/pim/product.js';
import { demoProduct, PIM_SANDBOX_CREDENTIALS, PIM_TOKEN_PATH, PimSimulator } from '../../connectors/pim/simulator.js';
import { DatabaseCredentialStore, resolveSecretKey } from '../../platform/auth/credential-store.js';
import { TokenManager } from '../../platform/auth/token-manager.js';
import { newHolder, releaseLease, tryAcquireLease } from '../../platform/db/lease.js';
import { MappingSet } from '../../platform/transform/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { ReportingService } from '../reporting/service.js';
import { CatalogProduct } from './entities/product.js';
import { ProductImportBusyError, ProductCatalog } from './products.js';

const mappings = MappingSet.parse(JSON.parse(readFileSync('config/data-mappings.json', 'utf8')), 'mappings');
const markets = {
  'shopee:SG': { country: 'SG', currency: 'SGD', priceDecimals: 2, language: 'en' as const, imageRule: 'shopee' },
  'shopee:TW': { country: 'TW', currency: 'TWD', priceDecimals: 0, language: 'en' as const, imageRule: 'shopee' },
};
const categories = { toys: { 'shopee:SG': 100639, 'shopee:TW': 100640 } };

let t: TestDatabase;
let sim: PimSimulator;
let pim: PimClient;
let products: ProductCatalog;

beforeAll(async () => {
  t = await createTestDatabase();
  sim = new PimSimulator({ rateLimit: false });
  const url = await sim.listen();
  const credentials = new DatabaseCredentialStore(t.db, resolveSecretKey('x'.repeat(32), '/nonexistent'));
  pim = new PimClient({
    config: {
      system: 'pim', endpoint: url, tokenUrl: `${url}${PIM_TOKEN_PATH}`, ...PIM_SANDBOX_CREDENTIALS, pageSize: 50, overlapSeconds: 1, maxListingRestarts: 3,
      csv: { encoding: 'utf-8', delimiter: ';', maxRows: 100, maxBytes: 1 << 20 }, rateLimit: { perSecond: 1000, burst: 100 },
    },
    mapping: mappings.get(PIM_TO_CATALOG), credentials, tokens: new TokenManager({ credentials }), policy: { retries: 1, backoffBaseMs: 10 },
  });
  products = new ProductCatalog({ db: t.db, auditTrail: new ReportingService(t.db), logger: (await import('../../platform/log/index.js')).silentLogger, categories, markets });
});

afterAll(async () => {
  await pim.close();
  await sim.close();
  await t.drop();
});

const skus = (n: number) => Array.from({ length: n }, (_, i) => `AMZ-${String(i + 1).padStart(6, '0')}`);
const request = { system: 'pim', dryRun: false, trigger: 'test' };
const count = () => t.db.em().count(CatalogProduct, {});

describe('ProductCatalog', () => {
  it('imports every product, then only what changed since the watermark', async () => {
    // Changed 10 s apart an hour ago: AMZ-000001 last.
    const old = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
    skus(120).forEach((sku, i) => sim.putRaw(demoProduct(sku, new Date(old.getTime() - i * 10_000))));
    const full = await products.importFromSource(pim, { ...request, mode: 'FULL' });
    expect(full).toMatchObject({ mode: 'FULL', status: 'SUCCESS', read: 120, created: 120, updated: 0, unchanged: 0, invalid: 0, since: null });
    expect(full.watermark).toEqual(old);
    expect(await count()).toBe(120);

    // A second full read writes nothing: every product's data is unchanged.
    expect(await products.importFromSource(pim, { ...request, mode: 'FULL' })).toMatchObject({ read: 120, created: 0, updated: 0, unchanged: 120 });

    sim.update('AMZ-000007', { values: { name_en: 'Renamed Teapot' } });
    sim.update('AMZ-000099', { values: { description_ja: '新しい説明' }, categories: ['sale', 'toys'] });
    const incremental = await products.importFromSource(pim, { ...request, mode: 'INCREMENTAL' });
    // The two changed products, and AMZ-000001 again: changed at the watermark itself (the overlap re-reads it).
    expect(incremental).toMatchObject({ mode: 'INCREMENTAL', status: 'SUCCESS', read: 3, created: 0, updated: 2, unchanged: 1, since: old });
    expect(incremental.watermark!.getTime()).toBe(Date.parse(sim.getProduct('AMZ-000099')!.updated!));

    const data = await products.get(['AMZ-000007', 'AMZ-000099', 'NOPE']);
    expect([...data.keys()].sort()).toEqual(['AMZ-000007', 'AMZ-000099']);
    expect(data.get('AMZ-000007')).toMatchObject({ nameEn: 'Renamed Teapot', updatedAt: new Date(sim.getProduct('AMZ-000007')!.updated!) });
    // The first category the category table maps is the product's category.
    expect(data.get('AMZ-000099')).toMatchObject({ description: { ja: '新しい説明' }, categoryCode: 'toys', categories: ['sale', 'toys'] });
    expect(products.marketCategories('toys')).toEqual([
      { channel: 'shopee:SG', country: 'SG', categoryId: 100639 },
      { channel: 'shopee:TW', country: 'TW', categoryId: 100640 },
    ]);

    // Nothing changed since: the next incremental run reads only the overlap.
    const quiet = await products.importFromSource(pim, { ...request, mode: 'INCREMENTAL' });
    expect(quiet).toMatchObject({ updated: 0, created: 0, since: incremental.watermark });
    expect(quiet.read).toBeLessThanOrEqual(2);
  });

  it('compares without writing in a dry run, and a dry run never moves the watermark', async () => {
    const before = await products.watermark('pim');
    sim.update('AMZ-000001', { values: { name_ja: 'ドライラン' } });
    sim.seed(['AMZ-000500']);
    const dry = await products.importFromSource(pim, { ...request, dryRun: true, mode: 'INCREMENTAL' });
    expect(dry).toMatchObject({ dryRun: true, created: 1, updated: 1 });
    expect(await count()).toBe(120);
    expect((await products.get(['AMZ-000001'])).get('AMZ-000001')!.nameJa).not.toBe('ドライラン');
    expect(await products.watermark('pim')).toEqual(before);
  });

  it('names products it could not read, stores the others and ends PARTIAL', async () => {
    sim.update('AMZ-000002', { values: { weight: { amount: '-1', unit: 'GRAM' } } });
    const r = await products.importFromSource(pim, { ...request, mode: 'INCREMENTAL' });
    expect(r).toMatchObject({ status: 'PARTIAL', invalid: 1, created: 1, updated: 1 });
    expect(r.errors).toEqual([{ sku: 'AMZ-000002', error: 'weight has no amount of 0 or more' }]);
    expect(r.errorSummary).toMatch(/^1 product\(s\) could not be read: AMZ-000002: weight/);
  });

  it('imports a file all or nothing', async () => {
    const record = { ...(await products.get(['AMZ-000003'])).get('AMZ-000003')! };
    const base = {
      enabled: true, nameJa: 'ファイル', nameEn: 'From a file', descriptionJa: null, descriptionEn: null, brand: null, categories: ['toys'], attributes: {},
      imageRefs: [], weightGrams: 10, dimensionsMm: null, updatedAt: null,
    };
    await expect(products.importFile([{ ...base, sku: 'AMZ-000003' }, { ...base, sku: 'AMZ-000003' }], { ...request, fileName: 'dup.csv' }))
      .rejects.toThrow('dup.csv: the SKU AMZ-000003 appears twice; nothing was imported');
    expect((await products.get(['AMZ-000003'])).get('AMZ-000003')!.nameJa).toBe(record.nameJa);
    const r = await products.importFile([{ ...base, sku: 'AMZ-000003' }, { ...base, sku: 'FILE-1' }], { ...request, fileName: 'products.csv' });
    expect(r).toMatchObject({ mode: 'FILE', status: 'SUCCESS', created: 1, updated: 1 });
    expect((await products.get(['AMZ-000003'])).get('AMZ-000003')).toMatchObject({ nameJa: 'ファイル', categoryCode: 'toys' });
    expect((await products.runs('pim', 1))[0]).toMatchObject({ mode: 'FILE', status: 'SUCCESS' });
  });

  it('runs one import per system at a time, across processes', async () => {
    const holder = newHolder();
    expect(await tryAcquireLease(t.db, 'product-import:pim', holder, 60_000)).toBe(true);
    try {
      await expect(products.importFromSource(pim, { ...request, mode: 'FULL' })).rejects.toThrow(ProductImportBusyError);
    } finally {
      await releaseLease(t.db, 'product-import:pim', holder);
    }
  });
});
