// Two Tsunagi processes on one PostgreSQL database, each with its own gateway: events cross between them through
// the event outbox (OutboxEventBus, woken by LISTEN/NOTIFY), so a subscriber on either gateway sees what the other one's mutation did.
import type { Client } from 'graphql-ws';
import { OutboxEventBus } from '../../platform/events/index.js';
import {
  baseOf, gql, metricReaches, seedDemo, startHarness, startSecondInstance, token, within, wsClient, waitFor, type Harness,
} from './support.js';
import { seed } from '../support/app.js';

type Change = { sku: string; channel: string; before: number; after: number; runId: number; product: { sku: string; listings: { code: string }[] } };
type Progress = { runId: number; phase: string; done: number; total: number; status: string };

const STOCK_CHANGED = 'subscription { stockChanged(channels: ["rakuten"]) { sku channel before after runId product { sku listings { code } } } }';
const PROGRESS = 'subscription($runId: Int!) { syncRunProgress(runId: $runId) { runId phase done total status } }';
const OPEN_SUBSCRIPTIONS = 'tsunagi_graphql_subscriptions_active';

let a: Harness;
let b: Awaited<ReturnType<typeof startSecondInstance>>;
const clients: Client[] = [];

beforeAll(async () => {
  a = await startHarness();
  b = await startSecondInstance(a.app);
  await seedDemo(a.app);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await b?.close();
  await a?.close();
});

function client(url: string, bearer: string): Client {
  const c = wsClient(url, bearer);
  clients.push(c);
  return c;
}

/** Reads a subscription to its end (bounded), returning every event. */
async function drain<T>(events: AsyncIterableIterator<{ data?: T | null; errors?: unknown }>, ms: number): Promise<T[]> {
  const out: T[] = [];
  await within((async () => {
    for await (const e of events) {
      if (e.errors) throw new Error(`subscription error: ${JSON.stringify(e.errors)}`);
      out.push(e.data!);
    }
  })(), ms, 'the subscription to complete');
  return out;
}

test('the two instances are separate processes on the PostgreSQL event bus', () => {
  expect(a.app.ctx.db.embedded).toBe(false);
  expect(b.ctx.events).not.toBe(a.app.ctx.events);
  expect(a.app.ctx.events).toBeInstanceOf(OutboxEventBus);
  expect(b.ctx.events).toBeInstanceOf(OutboxEventBus);
});

test('a sync triggered by mutation on instance A reaches subscribers on A and on B', async () => {
  const partner = await token('partner');
  const onA = client(a.gateway.wsUrl, partner).iterate<{ stockChanged: Change }>({ query: STOCK_CHANGED });
  const onB = client(b.gateway.wsUrl, partner).iterate<{ stockChanged: Change }>({ query: STOCK_CHANGED });
  // Each gateway counts a subscription once its subgraph listens on the bus.
  await metricReaches(baseOf(a.gateway.url), OPEN_SUBSCRIPTIONS, 1);
  await metricReaches(baseOf(b.gateway.url), OPEN_SUBSCRIPTIONS, 1);

  const sync = await gql(a.gateway.url, 'mutation { runStockSync(dryRun: false) { runId status updates } }', {}, await token('operator'));
  expect(sync.body.errors).toBeUndefined();
  const { runId, status, updates } = sync.body.data!.runStockSync;
  expect({ status, updates }).toEqual({ status: 'SUCCESS', updates: 6 });

  const expected = [
    { sku: 'AMZ-000001', channel: 'rakuten', before: 0, after: 4, runId, product: { sku: 'AMZ-000001', listings: [{ code: 'Y-AMZ-000001' }, { code: 'r-amz-000001' }] } },
    { sku: 'AMZ-000002', channel: 'rakuten', before: 0, after: 2, runId, product: { sku: 'AMZ-000002', listings: [{ code: 'Y-AMZ-000002' }, { code: 'r-amz-000002' }] } },
    { sku: 'AMZ-000003', channel: 'rakuten', before: 0, after: 2, runId, product: { sku: 'AMZ-000003', listings: [{ code: 'Y-AMZ-000003' }, { code: 'r-amz-000003' }] } },
  ];
  for (const [name, events] of [['A', onA], ['B', onB]] as const) {
    const got: Change[] = [];
    for (let i = 0; i < 3; i++) got.push((await within(events.next(), 5000, `event ${i + 1} on instance ${name}`)).value!.data!.stockChanged);
    expect(got.sort((x, y) => x.sku.localeCompare(y.sku))).toEqual(expected);
    await events.return!();
  }
});

test('syncRunProgress, subscribed on B for a run that A executes, streams the run to its end and completes', async () => {
  // 801 SKUs: Rakuten takes 400 per bulk call at 1 call/s, so the run sends in three batches over about 2 s.
  const skus = Array.from({ length: 801 }, (_, i) => `PRG-${String(i).padStart(4, '0')}`);
  await seed(a.app, skus.map((sku) => ({ sku, quantity: 20 })));
  const report = Buffer.from(`sku\tafn-fulfillable-quantity\n${skus.map((s) => `${s}\t20`).join('\n')}\n`).toString('base64');
  const operator = await token('operator');
  const mutation = gql(a.gateway.url, 'mutation($file: String) { runStockSync(dryRun: false, inventoryFileBase64: $file) { runId status updates } }', { file: report }, operator);

  // A client learns the run's id from the run history (served here by B) while it runs.
  const runId = await waitFor(async () => {
    const res = await gql(b.gateway.url, '{ syncRuns(limit: 1) { id status } }', {}, operator);
    const [run] = res.body.data?.syncRuns ?? [];
    return run?.status === 'RUNNING' ? (run.id as number) : undefined;
  }, 10_000, 'the run to start');
  const events = client(b.gateway.wsUrl, await token('partner')).iterate<{ syncRunProgress: Progress }>({ query: PROGRESS, variables: { runId } });
  const progress = (await drain(events, 20_000)).map((e) => e.syncRunProgress);

  const result = (await mutation).body.data!.runStockSync;
  expect(result).toEqual({ runId, status: 'SUCCESS', updates: 1602 });
  expect(progress.every((p) => p.runId === runId)).toBe(true);
  // Live events before the end: at least one batch was still to go when it was reported.
  const sending = progress.filter((p) => p.phase === 'sending');
  expect(sending.some((p) => p.done < p.total)).toBe(true);
  expect(progress.at(-1)).toEqual({ runId, phase: 'finished', done: 1602, total: 1602, status: 'SUCCESS' });
  expect(progress.filter((p) => p.phase === 'finished')).toHaveLength(1);
});

test('syncRunProgress of a run that has ended gives its outcome and completes; an unknown run is an error', async () => {
  const operator = await token('operator');
  const [last] = (await gql(a.gateway.url, '{ syncRuns(limit: 1) { id status updates } }', {}, operator)).body.data!.syncRuns;
  const events = client(a.gateway.wsUrl, operator).iterate<{ syncRunProgress: Progress }>({ query: PROGRESS, variables: { runId: last.id } });
  expect((await drain(events, 5000)).map((e) => e.syncRunProgress)).toEqual([
    { runId: last.id, phase: 'finished', done: last.updates, total: last.updates, status: last.status },
  ]);

  const unknown = client(a.gateway.wsUrl, operator).iterate<{ syncRunProgress: Progress }>({ query: PROGRESS, variables: { runId: 999_999 } });
  const first = await within(unknown.next(), 5000, 'the unknown run answer');
  expect(first.value?.errors).toEqual([expect.objectContaining({ message: 'there is no sync run 999999', extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
  expect((await within(unknown.next(), 5000, 'the unknown run to complete')).done).toBe(true);
});
