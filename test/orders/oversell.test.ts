// The oversell guard through the hub, against the simulators over HTTP: an order on one shop holds its units on
// every other channel its source feeds at once (a ledgered run, streamed as stockChanged); the source's next
// figure releases what it shows gone, so nothing is counted twice; a cancellation gives the units back.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type AppContext } from '../../app/context.js';
import { loadConfig } from '../../app/config.js';
import { openSandbox, type Sandbox } from '../../connectors/sandbox/index.js';
import type { ShopeeSimulator } from '../../connectors/shopee/simulator.js';
import { TOPICS } from '../../subgraphs/inventory/events.js';
import type { StockChangedEvent } from '../../subgraphs/inventory/service.js';
import { withTestPolicy } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { SHOPEE_MAPPING, sourceOrder } from './fixtures.js';

const SKU = 'AMZ-000001';
const CHANNELS = ['yahoo', 'rakuten', 'shopee:SG', 'shopee:MY'];
let t: TestDatabase;
let sandbox: Sandbox;
let ctx: AppContext;
let shopee: ShopeeSimulator;
const dataDir = join(tmpdir(), `tsunagi-oversell-${process.pid}`);

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await openSandbox({ rateLimits: false });
  const base = withTestPolicy(loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: t.url, TSUNAGI_DATA_DIR: dataDir }));
  // One source feeding the malls and two shops, each channel seeing the whole source (a shared policy, no buffer).
  const config = { ...base, sync: { ...base.sync, sources: { amazon: { channels: CHANNELS, policy: { kind: 'shared', buffer: 0 } } } } };
  ctx = await createContext({ config, databaseUrl: t.url, sandbox });
  shopee = sandbox.simulators!.shopee as unknown as ShopeeSimulator;
  sandbox.simulators!.amazon.setQuantity(SKU, 20);
  sandbox.simulators!.yahoo.seed([`Y-${SKU}`], 0);
  sandbox.simulators!.rakuten.seed([`r-${SKU.toLowerCase()}`], 0);
  for (const shop of ['SG', 'MY']) shopee.addItem(shop, { item_sku: SKU, stock: 0 });
  await ctx.catalog.upsertMappings([{ sku: SKU, isActive: true, listings: { yahoo: `Y-${SKU}`, rakuten: `r-${SKU.toLowerCase()}`, 'shopee:SG': SKU, 'shopee:MY': SKU } }]);
  expect((await ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' })).status).toBe('SUCCESS');
});
afterAll(async () => {
  await ctx.close();
  await sandbox.close();
  await t.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const held = async () => Object.fromEntries(await Promise.all(CHANNELS.map(async (c) => [c, (await ctx.inventory.sources.ofChannel(c)!.link.target.getStock([c.startsWith('shopee') ? SKU : c === 'yahoo' ? `Y-${SKU}` : `r-${SKU.toLowerCase()}`])).values().next().value])));

async function drain(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { inbox, outbox } = await ctx.orders.pipeline.runOnce();
    const q = await ctx.orders.queues();
    if (inbox + outbox === 0 && q.inbox.pending + q.outbox.pending === 0) return;
  }
  throw new Error('queues not drained');
}

async function order(orderSn: string, quantity: number, status = 'READY_TO_SHIP', updateTime = 1_764_000_000): Promise<void> {
  // The shop took the units itself, as Shopee does when a buyer orders.
  if (status === 'READY_TO_SHIP') shopee.setQuantity('SG', SKU, (shopee.getQuantity('SG', SKU) ?? 0) - quantity);
  await ctx.orders.records.ingest(sourceOrder({ orderSn, status, updateTime, items: [{ sku: SKU, quantity, price: 10 }] }), SHOPEE_MAPPING);
  await drain();
}

it('an order on one shop lowers every other channel of its source at once, ledgered and streamed', async () => {
  expect(await held()).toEqual({ yahoo: 20, rakuten: 20, 'shopee:SG': 20, 'shopee:MY': 20 });
  const events: StockChangedEvent[] = [];
  const unsubscribe = await ctx.events.subscribe<StockChangedEvent[]>(TOPICS.stockChanged, (batch) => events.push(...batch));
  await order('GUARD-1', 3);
  expect(await held()).toEqual({ yahoo: 17, rakuten: 17, 'shopee:SG': 17, 'shopee:MY': 17 });
  const run = (await ctx.inventory.history.listRuns(1))[0]!;
  expect(run).toMatchObject({ trigger: 'reservation', source: 'order:shopee:SG:GUARD-1', status: 'SUCCESS', updates: 3 });
  for (let i = 0; i < 40 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
  await unsubscribe();
  expect(events.map((e) => [e.channel, e.before, e.after]).sort()).toEqual([['rakuten', 20, 17], ['shopee:MY', 20, 17], ['yahoo', 20, 17]]);
});

it('the next sync plans with the units held; when the source shows them gone, the hold is released, not counted twice', async () => {
  const same = await ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
  expect(same.updates).toBe(0);
  sandbox.simulators!.amazon.setQuantity(SKU, 17);
  const shipped = await ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
  expect(shipped.updates).toBe(0);
  expect(await held()).toEqual({ yahoo: 17, rakuten: 17, 'shopee:SG': 17, 'shopee:MY': 17 });
  const rows = await ctx.db.em().execute<{ quantity: number; release_reason: string | null }[]>("select quantity, release_reason from stock_reservation where ref = 'shopee:SG:GUARD-1'");
  expect(rows).toEqual([{ quantity: 0, release_reason: 'source' }]);
});

it('a cancelled order gives its units back to the other channels', async () => {
  await order('GUARD-2', 2, 'READY_TO_SHIP', 1_764_000_000);
  expect(await held()).toEqual({ yahoo: 15, rakuten: 15, 'shopee:SG': 15, 'shopee:MY': 15 });
  await order('GUARD-2', 2, 'CANCELLED', 1_764_000_100);
  expect(await held()).toMatchObject({ yahoo: 17, rakuten: 17, 'shopee:MY': 17 });
  const rows = await ctx.db.em().execute<{ release_reason: string }[]>("select release_reason from stock_reservation where ref = 'shopee:SG:GUARD-2'");
  expect(rows).toEqual([{ release_reason: 'cancelled' }]);
});

it('a dry run releases nothing', async () => {
  await order('GUARD-3', 1);
  sandbox.simulators!.amazon.setQuantity(SKU, 16);
  const dry = await ctx.inventory.sync.run({ source: 'amazon', dryRun: true, trigger: 'test' });
  expect(dry.status).toBe('SUCCESS');
  const rows = await ctx.db.em().execute<{ quantity: number; released_at: Date | null }[]>("select quantity, released_at from stock_reservation where ref = 'shopee:SG:GUARD-3'");
  expect(rows).toEqual([{ quantity: 1, released_at: null }]);
});
