// Pricing in the sandbox's own shape: the demo seed lists every demo SKU in every Shopee shop at a real price in the
// market's currency and precision, so the first pricing run has real "before" prices and its rollback restores them
// exactly. A listing that had no price before a run (0) is not sent back to 0: the rollback names it instead.
import type { ShopeeSimulator } from '../../connectors/shopee/simulator.js';
import { PATHS } from '../../connectors/shopee/client.js';
import { seedSandbox } from '../../app/sandbox-seed.js';
import { createTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
const shop = () => app.sims.shopee as unknown as ShopeeSimulator;
const updates = () => shop().counts.calls[PATHS.updatePrice] ?? 0;
let skus: string[];
const channels = () => Object.keys(app.ctx.config.markets);
/** Every demo SKU's price in every shop, as the simulator holds it. */
const shopPrices = () => Object.fromEntries(channels().map((c) => [c, Object.fromEntries(skus.map((sku) => [sku, shop().getPrice(c, sku)]))]));

beforeAll(async () => {
  app = await createTestApp();
  await seedSandbox(app.ctx, 6);
  skus = [...(await app.ctx.catalog.activeMappings()).keys()].sort();
}, 60_000);

afterAll(() => app?.close());

test('the demo listings are priced in each market’s currency and precision', () => {
  const prices = shopPrices();
  expect(skus).toHaveLength(6);
  for (const [channel, bySku] of Object.entries(prices)) {
    const decimals = app.ctx.config.markets[channel]!.priceDecimals;
    for (const price of Object.values(bySku)) {
      expect(price).toMatch(decimals ? new RegExp(`^[1-9]\\d*\\.\\d{${decimals}}$`) : /^[1-9]\d*$/);
    }
  }
  expect(prices['shopee:SG']!['AMZ-000001']).toMatch(/^\d+\.\d\d$/);
  expect(prices['shopee:TW']!['AMZ-000001']).toMatch(/^\d+$/);
});

test('a pricing run and its rollback: the seeded prices come back exactly', async () => {
  const seeded = shopPrices();
  const run = await app.ctx.pricing.run({ dryRun: false, trigger: 'test', actor: 'alice' });
  expect(run).toMatchObject({ status: 'SUCCESS', failed: 0, notListed: 0, errorSummary: null });
  expect(run.applied).toBeGreaterThan(0);
  expect(run.changeList.every((c) => c.before !== null && c.before > 0)).toBe(true);
  expect(shopPrices()).not.toEqual(seeded);

  const undo = await app.ctx.pricing.rollback({ dryRun: false, trigger: 'test', actor: 'bob' });
  expect(undo).toMatchObject({ kind: 'ROLLBACK', status: 'SUCCESS', failed: 0, applied: run.applied, errorSummary: null });
  expect(shopPrices()).toEqual(seeded);
});

test('a listing that had no price before the run is not set back to 0; the rollback names it and restores the rest', async () => {
  // The TH shop lists the SKUs again, unpriced (what a listing made outside the demo seed may be).
  shop().seed('shopee:TH', skus, 0);
  await app.ctx.hub.run({ system: 'shopee', operation: 'refresh-items', input: { country: 'TH' }, dryRun: false, trigger: 'test' });
  const seeded = shopPrices();
  expect(Object.values(seeded['shopee:TH']!)).toEqual(skus.map(() => '0'));
  const run = await app.ctx.pricing.run({ dryRun: false, trigger: 'test', actor: 'alice' });
  expect(run).toMatchObject({ status: 'SUCCESS', failed: 0 });
  const th = run.changeList.filter((c) => c.channel === 'shopee:TH');
  expect(th.map((c) => c.before)).toEqual(skus.map(() => 0));
  const after = shopPrices();

  const calls = updates();
  const dry = await app.ctx.pricing.rollback({ dryRun: true, trigger: 'test', actor: 'bob' });
  expect(dry).toMatchObject({ status: 'PARTIAL', failed: skus.length });
  expect(updates()).toBe(calls);
  const undo = await app.ctx.pricing.rollback({ dryRun: false, trigger: 'test', actor: 'bob' });
  expect(undo).toMatchObject({ kind: 'ROLLBACK', status: 'PARTIAL', failed: skus.length, applied: run.applied - skus.length });
  expect(undo.errorSummary).toMatch(new RegExp(`^${skus.length} failed: AMZ-000001 shopee:TH: had no price before run ${run.runId} \\(0\\), so it keeps ${after['shopee:TH']!['AMZ-000001']} THB; set it by hand if it must change;`));
  // Nothing was sent to TH (no refused 0), every other shop is back where it was.
  expect(undo.changeList.some((c) => c.channel === 'shopee:TH')).toBe(false);
  expect(shopPrices()).toEqual({ ...seeded, 'shopee:TH': after['shopee:TH'] });
});
