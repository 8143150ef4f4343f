// Pricing end to end: the pricing engine's simulator computes prices, the pricing module brings them to the Shopee
// shops' simulator (update_price through the connector, over HTTP) in each market's currency and precision, holds
// what crosses a guardrail for a manager, keeps the history, and rolls a run back exactly. Also through the gateway.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { createContext, type AppContext } from '../../app/context.js';
import type { NotifySimulator } from '../../connectors/notify/simulator.js';
import type { PricingEngineSimulator } from '../../connectors/pricing-engine/simulator.js';
import { openSandbox, type Sandbox } from '../../connectors/sandbox/index.js';
import { PATHS } from '../../connectors/shopee/client.js';
import type { ShopeeSimulator } from '../../connectors/shopee/simulator.js';
import { startGateway, type RunningGateway } from '../../gateway/index.js';
import { withTestPolicy } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { gql, JWT_SECRET } from '../graphql/support.js';
import { issueToken } from '../../platform/auth/tokens.js';

// What the shops list, at what price; the MY, TH, PH and BR shops list none of these SKUs.
const INITIAL = {
  'shopee:SG': { currency: 'SGD', prices: { 'AMZ-000001': '120.00', 'AMZ-000002': '50.00', 'AMZ-000003': '245.00' } },
  'shopee:TW': { currency: 'TWD', prices: { 'AMZ-000001': '2800', 'AMZ-000002': '1400', 'AMZ-000003': '5700' } },
  'shopee:VN': { currency: 'VND', prices: { 'AMZ-000001': '2300000', 'AMZ-000002': '1160000' } },
};

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-pricing-'));
let t: TestDatabase;
let sandbox: Sandbox;
let ctx: AppContext;
let gateway: RunningGateway;
const shop = () => sandbox.simulators!.shopee as unknown as ShopeeSimulator;
/** update_price calls the Shopee simulator answered. */
const updates = () => shop().counts.calls[PATHS.updatePrice] ?? 0;
const engine = () => sandbox.simulators!['pricing-engine'] as unknown as PricingEngineSimulator;
const notify = () => sandbox.simulators!.notify as unknown as NotifySimulator;
const shopPrices = () =>
  Object.fromEntries(Object.entries(INITIAL).map(([channel, { prices }]) => [channel, Object.fromEntries(Object.keys(prices).map((sku) => [sku, shop().getPrice(channel, sku)]))]));
const initialPrices = () => Object.fromEntries(Object.entries(INITIAL).map(([channel, { prices }]) => [channel, prices]));

beforeAll(async () => {
  t = await createTestDatabase();
  const d = mkdtempSync(join(dir, 'config-'));
  for (const f of ['config.yaml', 'data-mappings.json', 'integrations.yaml']) copyFileSync(join('config', f), join(d, f));
  const config = loadConfig(join(d, 'config.yaml'), { PATH: process.env.PATH, TSUNAGI_DATA_DIR: join(dir, 'data') });
  sandbox = await openSandbox({ rateLimits: false });
  ctx = await createContext({ config: withTestPolicy(config), databaseUrl: t.url, sandbox });
  gateway = await startGateway(ctx, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET });
  await ctx.catalog.upsertMappings(['AMZ-000001', 'AMZ-000002', 'AMZ-000003'].map((sku) => ({ sku, listings: { yahoo: `Y-${sku}` }, isActive: true })));
  engine().setBasePrice('AMZ-000001', 10001);
  engine().setBasePrice('AMZ-000002', 5000);
  engine().setBasePrice('AMZ-000003', 20000);
  for (const [channel, { prices }] of Object.entries(INITIAL)) {
    for (const [sku, price] of Object.entries(prices)) {
      // AMZ-000003 is a model (a variant) in the SG shop: its price is the model's.
      if (channel === 'shopee:SG' && sku === 'AMZ-000003') shop().addItem(channel, { item_sku: 'BAG', models: [{ model_sku: sku, price: Number(price) }] });
      else shop().addItem(channel, { item_sku: sku, price: Number(price) });
    }
  }
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await ctx?.close();
  await sandbox?.close();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a pricing run', () => {
  it('in a dry run lists what it would send and sends nothing', async () => {
    const dry = await ctx.pricing.run({ dryRun: true, trigger: 'test', actor: 'alice' });
    // Every configured market has a shop; the MY, TH, PH and BR shops list none of the three SKUs.
    expect(dry).toMatchObject({ status: 'SUCCESS', dryRun: true, changes: 7, held: 1, applied: 0, notListed: 1 + 3 * 4, marketsWithoutShop: [] });
    expect(shopPrices()).toEqual(initialPrices());
    expect(updates()).toBe(0);
    expect(await ctx.pricing.pendingApprovals()).toEqual([]);
  });

  it('sets TWD and VND in whole units and SGD with two decimals, holds a change over the limit and alerts', async () => {
    const run = await ctx.pricing.run({ dryRun: false, trigger: 'test', actor: 'alice' });
    expect(run).toMatchObject({ kind: 'PRICING', status: 'SUCCESS', changes: 7, applied: 7, held: 1, failed: 0, unchanged: 0, notListed: 13 });
    expect(run.rules.map((r) => r.name)).toEqual(['Cross-border base margin', 'SG weekend uplift']);
    // The engine says 2835.28 TWD and 2322232.20 VND: the shop gets whole units, by the configured rule (half_up);
    // the Shopee simulator would refuse a decimal there (error_invalid_price).
    expect(engine().priceOf('AMZ-000001', 'TW')!.price).toBe('2835.28');
    expect(engine().priceOf('AMZ-000002', 'TW')!.price).toBe('1417.50');
    expect(shopPrices()).toEqual({
      'shopee:SG': { 'AMZ-000001': engine().priceOf('AMZ-000001', 'SG')!.price, 'AMZ-000002': '50.00', 'AMZ-000003': engine().priceOf('AMZ-000003', 'SG')!.price },
      'shopee:TW': { 'AMZ-000001': '2835', 'AMZ-000002': '1418', 'AMZ-000003': '5670' },
      'shopee:VN': { 'AMZ-000001': '2322232', 'AMZ-000002': '1161000' },
    });
    // One update_price per item: two in SG (the third SKU is held), three in TW, two in VN.
    expect(updates()).toBe(7);

    const [held] = await ctx.pricing.pendingApprovals();
    expect(await ctx.pricing.pendingApprovals()).toHaveLength(1);
    expect(held).toMatchObject({ sku: 'AMZ-000002', channel: 'shopee:SG', currency: 'SGD', before: 5000, after: 6237, status: 'HELD', reason: 'Dynamic pricing rule: SG weekend uplift' });
    expect(held!.heldReason).toBe('a change of 24.74 % (50.00 SGD → 62.37 SGD), more than the 20 % a run may make');
    // The warning goes to Slack (config/notifications.yaml routes warnings there), in Japanese and English.
    const slack = notify().received().slack;
    expect(JSON.stringify(slack)).toMatch(/価格変更 1 件が承認待ち/);
    expect(JSON.stringify(slack)).toMatch(/Price changes outside the guardrails were held, not sent\..*AMZ-000002 shopee:SG: a change of 24\.74 %/);

    const history = await ctx.pricing.history({ sku: 'AMZ-000001', country: 'TW', first: 10 });
    expect(history.rows).toEqual([
      expect.objectContaining({ runId: run.runId, channel: 'shopee:TW', currency: 'TWD', before: 280000, after: 283500, status: 'APPLIED', reason: 'Dynamic pricing rule: Cross-border base margin', approvedBy: null }),
    ]);
    expect((await ctx.pricing.prices(['AMZ-000001'])).get('AMZ-000001')!.map((p) => [p.channel, p.amount, p.currency])).toEqual([
      ['shopee:SG', 12475, 'SGD'], ['shopee:TW', 283500, 'TWD'], ['shopee:VN', 2322232, 'VND'],
    ]);
  });

  it('rolls back exactly, once', async () => {
    const dry = await ctx.pricing.rollback({ dryRun: true, trigger: 'test', actor: 'bob' });
    expect(dry).toMatchObject({ kind: 'ROLLBACK', changes: 7 });
    expect(shopPrices()).not.toEqual(initialPrices());
    const undo = await ctx.pricing.rollback({ dryRun: false, trigger: 'test', actor: 'bob' });
    expect(undo).toMatchObject({ kind: 'ROLLBACK', status: 'SUCCESS', changes: 7, applied: 7 });
    expect(shopPrices()).toEqual(initialPrices());
    // What the undone run held is moot.
    expect(await ctx.pricing.pendingApprovals()).toEqual([]);
    await expect(ctx.pricing.rollback({ dryRun: false, trigger: 'test', actor: 'bob' })).rejects.toThrow(/was already rolled back by run \d+/);
    const history = await ctx.pricing.history({ sku: 'AMZ-000003', country: 'SG', first: 10 });
    expect(history.rows.map((r) => [r.before, r.after, r.reason])).toEqual([
      [Math.round(Number(engine().priceOf('AMZ-000003', 'SG')!.price) * 100), 24500, expect.stringMatching(/^Rollback of pricing run \d+$/)],
      [24500, Math.round(Number(engine().priceOf('AMZ-000003', 'SG')!.price) * 100), 'Dynamic pricing rule: SG weekend uplift'],
    ]);
  });

  it('a held change is sent once a manager who did not start the run approves it, through the API', async () => {
    await ctx.pricing.run({ dryRun: false, trigger: 'test', actor: 'alice' });
    const [held] = await ctx.pricing.pendingApprovals();
    const as = (name: string, role: 'operator' | 'manager') => issueToken(JWT_SECRET, { name, role });
    const approve = 'mutation($id: Int!) { approvePriceChange(id: $id) { status after approvedBy reason } }';
    expect((await gql(gateway.url, approve, { id: held!.id }, await as('carol', 'operator'))).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(gateway.url, approve, { id: held!.id }, await as('alice', 'manager'))).body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/alice started pricing run \d+ and may not approve its changes/), extensions: { code: 'FORBIDDEN' },
    });
    expect(shop().getPrice('shopee:SG', 'AMZ-000002')).toBe('50.00');
    const ok = await gql(gateway.url, approve, { id: held!.id }, await as('dave', 'manager'));
    expect(ok.body.data).toEqual({ approvePriceChange: { status: 'APPLIED', after: 6237, approvedBy: 'dave', reason: 'Dynamic pricing rule: SG weekend uplift' } });
    expect(shop().getPrice('shopee:SG', 'AMZ-000002')).toBe('62.37');
    expect((await gql(gateway.url, approve, { id: held!.id }, await as('dave', 'manager'))).body.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const query = `{
      product(sku: "AMZ-000002") { sku prices { channel country amount currency updatedAt } }
      priceHistory(sku: "AMZ-000002", country: "SG", first: 1) { edges { node { before after approvedBy reason } } pageInfo { hasNextPage } }
      pendingPriceApprovals { id }
    }`;
    const r = await gql(gateway.url, query, {}, await as('erin', 'operator'));
    expect(r.body.data!.product.prices).toEqual([
      { channel: 'shopee:SG', country: 'SG', amount: 6237, currency: 'SGD', updatedAt: expect.any(String) },
      { channel: 'shopee:TW', country: 'TW', amount: 141800, currency: 'TWD', updatedAt: expect.any(String) },
      { channel: 'shopee:VN', country: 'VN', amount: 1161000, currency: 'VND', updatedAt: expect.any(String) },
    ]);
    expect(r.body.data!.priceHistory).toEqual({ edges: [{ node: { before: 5000, after: 6237, approvedBy: 'dave', reason: 'Dynamic pricing rule: SG weekend uplift' } }], pageInfo: { hasNextPage: false } });
    expect(r.body.data!.pendingPriceApprovals).toEqual([]);

    // The approval is the most recent applied run: a rollback undoes exactly it.
    await ctx.pricing.rollback({ dryRun: false, trigger: 'test', actor: 'bob' });
    expect(shop().getPrice('shopee:SG', 'AMZ-000002')).toBe('50.00');
    expect(shop().getPrice('shopee:TW', 'AMZ-000002')).toBe('1418');
  });

  it('the operation prices-sync runs it from the CLI side of the hub, and an unchanged market sends nothing', async () => {
    const r = await ctx.hub.run({ system: 'pricing-engine', operation: 'prices-sync', dryRun: false, trigger: 'cli', actor: 'frank' });
    // Only the held SKU's SG price differs from the engine's; it stays held.
    expect(r.output).toMatchObject({ status: 'SUCCESS', changes: 0, held: 1, unchanged: 7 });
    const writes = updates();
    await ctx.hub.run({ system: 'pricing-engine', operation: 'prices-sync', dryRun: true, trigger: 'cli' });
    expect(updates()).toBe(writes);
  });
});
