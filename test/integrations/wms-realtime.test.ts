// The warehouse feeding the seven Shopee shops, through the hub: the real composition root, the sandbox's WMS
// (REST, WebSocket, FTP) and Shopee simulators, a real PostgreSQL database, the gateway and a graphql-ws client.
// A WMS change reaches every shop whose share changes and the stockChanged subscribers, ledgered in the hour's
// REALTIME run; the batches correct drift made out of band; FTP drops are imported once.
import type { Client } from 'graphql-ws';
import { channelControl } from '../../app/sandbox-listings.js';
import { seedSandbox } from '../../app/sandbox-seed.js';
import type { WmsSimulator } from '../../connectors/wms/simulator.js';
import { startStreamConsumers, type StreamConsumers } from '../../jobs/stream-consumers.js';
import { baseOf, gql, metric, startHarness, token, waitFor, within, wsClient, type Harness } from '../graphql/support.js';

const MARKETS = ['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'];
const SHOPS = MARKETS.map((m) => `shopee:${m}`);
const STOCK_CHANGED = `subscription { stockChanged(channels: ${JSON.stringify(SHOPS)}) { sku channel before after runId } }`;
type Change = { sku: string; channel: string; before: number; after: number; runId: number };

let h: Harness;
let wms: WmsSimulator;
let consumers: StreamConsumers;
const clients: Client[] = [];

const shops = (sku: string) => Promise.all(SHOPS.map((c) => channelControl(h.app.ctx, c)<number | null>('getQuantity', sku)));
const everyShop = (n: number) => SHOPS.map(() => n);
const run = (operation: string, dryRun = false) => h.app.ctx.hub.run({ system: 'wms', operation, input: {}, dryRun, trigger: 'cli', actor: 'tester' });

beforeAll(async () => {
  h = await startHarness();
  wms = h.app.sims.wms as WmsSimulator;
  // 30 demo SKUs: each listed in all seven shops at 0, the warehouse holding 70 of each.
  await seedSandbox(h.app.ctx, 30);
  const full = await run('stock-full');
  expect(full.output).toMatchObject({ status: 'SUCCESS' });
  consumers = startStreamConsumers(h.app.ctx, { lease: { leaseMs: 5000, heartbeatMs: 1000 }, standbyMs: 100 });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await consumers?.stop();
  await h?.close();
});

test('the daily full run put the equal split of the warehouse in every shop: 70 → 10 each', async () => {
  expect(await shops('AMZ-000001')).toEqual(everyShop(10));
  // Every 10th demo SKU is inactive in the SKU master: never touched.
  expect(await shops('AMZ-000010')).toEqual(everyShop(0));
  expect(consumers.sources).toEqual(['wms']);
});

test('a WMS change reaches all seven shops and a graphql-ws stockChanged subscriber, ledgered in the REALTIME run of the hour', async () => {
  await waitFor(async () => (consumers.active().length === 1 ? true : undefined), 15_000, 'the consumer to take the stream');
  await waitFor(async () => ((await h.app.ctx.hub.connector<{ streamReport(): Promise<{ connected: boolean } | undefined> }>('wms').streamReport())?.connected ? true : undefined), 15_000, 'the stream to connect');
  const c = wsClient(h.gateway.wsUrl, await token('partner'));
  clients.push(c);
  const events = c.iterate<{ stockChanged: Change }>({ query: STOCK_CHANGED });
  await waitFor(async () => ((await metric(baseOf(h.gateway.url), 'tsunagi_graphql_subscriptions_active')) === 1 ? true : undefined), 15_000, 'the subscription');

  const started = Date.now();
  wms.setStock('AMZ-000001', 140);
  await waitFor(async () => ((await shops('AMZ-000001')).every((q) => q === 20) ? true : undefined), 5000, 'every shop at 20');
  const elapsed = Date.now() - started;
  expect(elapsed).toBeLessThan(2000);

  const got: Change[] = [];
  for (let i = 0; i < 7; i++) got.push((await within(events.next(), 5000, `event ${i + 1}`)).value!.data!.stockChanged);
  await events.return!();
  expect(got.map((e) => e.channel).sort()).toEqual([...SHOPS].sort());
  expect(new Set(got.map((e) => JSON.stringify([e.sku, e.before, e.after])))).toEqual(new Set([JSON.stringify(['AMZ-000001', 10, 20])]));
  const runId = got[0]!.runId;
  expect(got.every((e) => e.runId === runId)).toBe(true);

  // The events go out as each shop is written; the run's counts are recorded once the batch is done.
  const realtime = await waitFor(async () => {
    const r = await h.app.ctx.inventory.history.getRun(runId);
    return r && r.updates > 0 ? r : undefined;
  }, 5000, 'the REALTIME run to record its counts');
  expect(realtime).toMatchObject({ kind: 'REALTIME', status: 'SUCCESS', sourceSystem: 'wms', trigger: 'stream', updates: 7, failed: 0 });
  const runs = await h.app.ctx.inventory.history.listRuns(5, { kind: 'REALTIME' });
  expect(runs.map((r) => r.id)).toEqual([runId]);
  // Not rolled back: the next change supersedes it.
  await expect(h.app.ctx.inventory.rollback.run({ runId, dryRun: true, trigger: 'cli', actor: 'tester' })).rejects.toThrow(/REALTIME/);
});

test('only shops whose share changes get a write; a burst for one SKU ends at the latest figure, in the same hour run', async () => {
  const before = await h.app.ctx.inventory.history.listRuns(1, { kind: 'REALTIME' });
  // 146 / 7 is still 20: no shop changes.
  wms.setStock('AMZ-000001', 146);
  // A burst: the last figure wins.
  for (let q = 0; q <= 60; q++) wms.setStock('AMZ-000002', q);
  await waitFor(async () => ((await shops('AMZ-000002')).every((q) => q === 8) ? true : undefined), 5000, 'every shop at 8 (60 / 7)');
  await waitFor(async () => ((await h.app.ctx.hub.connector<{ streamReport(): Promise<{ lastSeq: number | null } | undefined> }>('wms').streamReport())?.lastSeq === wms.latestSeq() ? true : undefined), 5000, 'the consumer to catch up');
  expect(await shops('AMZ-000001')).toEqual(everyShop(20));
  const after = await h.app.ctx.inventory.history.listRuns(1, { kind: 'REALTIME' });
  expect(after[0]!.id).toBe(before[0]!.id);
  const ledger = await h.app.ctx.db.em().getConnection().execute<{ sku: string; channel: string; after: number; result: string }[]>(
    'select sku, channel, after, result from sync_ledger where run_id = ? and sku = ? order by id', [after[0]!.id, 'AMZ-000002'],
  );
  // Whatever the batches were, each shop's last ledgered figure is the latest one, and every write was applied.
  const last = new Map(ledger.map((l) => [l.channel, l.after]));
  expect([...last.values()]).toEqual(everyShop(8));
  expect(ledger.every((l) => l.result === 'APPLIED')).toBe(true);
  expect(ledger.filter((l) => l.sku === 'AMZ-000001')).toEqual([]);
});

test('a drift made out of band in one shop is corrected by the hourly batch and ledgered; a dry run sends nothing', async () => {
  await channelControl(h.app.ctx, 'shopee:TW')('setQuantity', 'AMZ-000003', 3);
  const dry = await run('stock-incremental', true);
  expect(dry.output).toMatchObject({ status: 'SUCCESS', updates: 1 });
  expect((await shops('AMZ-000003'))[3]).toBe(3);

  const hourly = await run('stock-incremental');
  expect(hourly.output).toMatchObject({ status: 'SUCCESS', updates: 1, failed: 0 });
  expect(await shops('AMZ-000003')).toEqual(everyShop(10));
  const runId = (hourly.output as { runId: number }).runId;
  const entries = await h.app.ctx.db.em().getConnection().execute<{ channel: string; before: number; after: number; result: string }[]>(
    'select channel, before, after, result from sync_ledger where run_id = ?', [runId],
  );
  expect(entries).toEqual([{ channel: 'shopee:TW', before: 3, after: 10, result: 'APPLIED' }]);
  // The run read only the warehouse's changes, on top of its last known figures (every SKU still planned).
  expect(await h.app.ctx.inventory.history.getRun(runId)).toMatchObject({ kind: 'SYNC', sourceSystem: 'wms', mappedSkus: 26 });
});

test('a CSV dropped on the FTP server is imported once: a ledgered run, the file moved to done/', async () => {
  wms.dropFile('stock-1000.csv', 'product_code,available_quantity,reserved_quantity,warehouse_location\nAMZ-000004,35,0,TKY-A-01\n');
  const preview = await run('ftp-import', true);
  expect(preview.output).toMatchObject({ files: [{ file: 'stock-1000.csv', status: 'would be imported', rows: 1, run: { updates: 7 } }] });
  expect(wms.files()).toEqual(['stock-1000.csv']);

  const first = await run('ftp-import');
  const [file] = (first.output as { files: { file: string; status: string; run: { runId: number; updates: number } | null }[] }).files;
  expect(file).toMatchObject({ file: 'stock-1000.csv', status: 'imported', run: { updates: 7 } });
  expect(await shops('AMZ-000004')).toEqual(everyShop(5));
  expect(wms.files('done')).toEqual(['stock-1000.csv']);
  expect((await run('ftp-import')).output).toEqual({ files: [] });
});

test("the stream's state is on /metrics and in health", async () => {
  const base = baseOf(h.gateway.url);
  await waitFor(async () => ((await metric(base, 'tsunagi_wms_stream_connected')) === 1 ? true : undefined), 10_000, 'the connected gauge');
  expect(await metric(base, 'tsunagi_wms_stream_last_seq')).toBe(wms.latestSeq());
  const health = await h.app.ctx.hub.health('wms');
  expect(health.ok).toBe(true);
  expect(health.detail).toMatch(/^REST OK; stream: connected, last seq \d+, lag \d+ ms; FTP OK \(0 file\(s\) waiting\)$/);
  const status = await gql(h.gateway.url, '{ syncRuns(limit: 20, kind: "REALTIME") { id kind status } }', {}, await token('operator'));
  expect(status.body.errors).toBeUndefined();
  expect(status.body.data!.syncRuns).toHaveLength(1);
});
