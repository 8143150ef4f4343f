// A system serving several channels: the shopee block's seven shops are seven stock channels (`shopee:SG` …), each
// a StockTarget the hub hands out, beside the one-channel systems — through the real composition root, the
// sandbox's simulators over HTTP and a real PostgreSQL database.
import { channelControl, sandboxChannels } from '../../app/sandbox-listings.js';
import { seedSandbox } from '../../app/sandbox-seed.js';
import type { ShopeeShops } from '../../connectors/shopee/shops.js';
import type { StockTarget } from '../../subgraphs/inventory/ports.js';
import { createTestApp, type TestApp } from '../support/app.js';

const MARKETS = ['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'];
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  await seedSandbox(app.ctx, 30);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('channels served by one system', () => {
  test('the hub lists each shop as a channel of its system; one-channel systems are their own channel', () => {
    expect(app.ctx.hub.channels()).toEqual([
      { channel: 'yahoo', system: 'yahoo' },
      { channel: 'rakuten', system: 'rakuten' },
      ...MARKETS.map((c) => ({ channel: `shopee:${c}`, system: 'shopee' })),
    ]);
    expect(app.ctx.hub.stockTarget('yahoo')).toBe(app.ctx.connectors.yahoo);
    const targets = MARKETS.map((c) => app.ctx.hub.stockTarget<StockTarget>(`shopee:${c}`));
    expect(targets.map((t) => [t.channel, t.maxWriteBatch, t.maxReadBatch])).toEqual(MARKETS.map((c) => [`shopee:${c}`, 50, 50]));
    expect(targets[0]).toBe((app.ctx.connectors.shopee as ShopeeShops).target('SG'));
    expect(() => app.ctx.hub.stockTarget('shopee:XX')).toThrow(/^integrations: no configured system serves the channel "shopee:XX" \(channels: yahoo, rakuten, shopee:SG, /);
  });

  test('the demo SKUs are listed in all seven shops; each shop is written and read on its own', async () => {
    for (const c of MARKETS) expect(await channelControl(app.ctx, `shopee:${c}`)<number | null>('getQuantity', 'AMZ-000030')).toBe(0);
    expect(sandboxChannels(app.ctx).filter((c) => c.shared).map((c) => c.channel)).toEqual(MARKETS.map((c) => `shopee:${c}`));

    await Promise.all(MARKETS.map((c, i) => app.ctx.hub.stockTarget<StockTarget>(`shopee:${c}`).setStock([{ code: 'AMZ-000003', quantity: i + 1 }])));
    for (const [i, c] of MARKETS.entries()) {
      expect(await channelControl(app.ctx, `shopee:${c}`)<number>('getQuantity', 'AMZ-000003')).toBe(i + 1);
      expect(await app.ctx.hub.stockTarget<StockTarget>(`shopee:${c}`).getStock(['AMZ-000003', 'AMZ-999999'])).toEqual(new Map([['AMZ-000003', i + 1], ['AMZ-999999', null]]));
    }
  });

  test('health reports each shop with its authorisation days left; refresh-items runs through the hub and is logged', async () => {
    const health = await app.ctx.hub.health('shopee');
    expect(health).toMatchObject({ ok: true, expiresInDays: 365 });
    expect(health.parts!.map((p) => [p.name, p.ok, p.expiresInDays])).toEqual(MARKETS.map((c) => [`shopee:${c}`, true, 365]));

    const run = await app.ctx.hub.run({ system: 'shopee', operation: 'refresh-items', input: {}, dryRun: false, trigger: 'cli', actor: 'tester' });
    expect(Object.keys(run.output as object)).toEqual(MARKETS);
    expect((run.output as Record<string, { items: number; skus: number }>).BR).toMatchObject({ items: 30, skus: 30 });
    await expect(app.ctx.hub.run({ system: 'shopee', operation: 'refresh-items', input: { country: 'sg' }, dryRun: false, trigger: 'cli' })).rejects.toThrow(
      /^shopee refresh-items: input\.country: a market code such as SG/,
    );
    const [last] = await app.ctx.reporting.integrationLog({ system: 'shopee', operationsOnly: true, limit: 1 });
    expect(last).toMatchObject({ method: 'RUN', operation: 'refresh-items', ok: true });
  });
});
