// The one-run-at-a-time lease on a real PostgreSQL server, with two Tsunagi instances (as two processes would be)
// on one scratch database and one set of simulators: the run's backends are terminated mid-run, the database
// refuses connections for longer than the lease, and rollbacks race syncs. Every write call either instance
// makes to a marketplace is timed, and no two instances' calls may ever overlap.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { AppContext } from '../../app/context.js';
import { isConnectionLoss } from '../../platform/db/index.js';
import { LedgerEntry } from '../../subgraphs/inventory/entities/ledger-entry.js';
import { SyncRun } from '../../subgraphs/inventory/entities/sync-run.js';
import type { StockTarget, StockUpdate } from '../../subgraphs/inventory/ports.js';
import type { RunReport } from '../../subgraphs/inventory/service.js';
import { createTestApp, seed, type TestApp } from '../support/app.js';
import { SERVER_URL } from '../support/db.js';

const LEASE = { seconds: 2, heartbeatSeconds: 0.25 };
/** Each marketplace write call takes at least this long: runs are mid-flight long enough to be disturbed. */
const SLOW_CALL_MS = 120;
const SKUS = 3000;

interface Call {
  who: string;
  channel: string;
  start: number;
  end: number;
}

/** Times every write call the instance's marketplace clients make, and makes each one slow. */
function instrument(ctx: AppContext, who: string, calls: Call[]): void {
  for (const client of [ctx.connectors.yahoo, ctx.connectors.rakuten] as StockTarget[]) {
    const send = client.setStock.bind(client);
    client.setStock = async (updates: StockUpdate[], opts?: { signal?: AbortSignal }) => {
      const call = { who, channel: client.channel, start: performance.now(), end: Number.POSITIVE_INFINITY };
      calls.push(call);
      try {
        await sleep(SLOW_CALL_MS);
        return await send(updates, opts);
      } finally {
        call.end = performance.now();
      }
    };
  }
}

function overlaps(calls: Call[]): [Call, Call][] {
  const found: [Call, Call][] = [];
  for (const a of calls) for (const b of calls) if (a.who < b.who && a.start < b.end && b.start < a.end) found.push([a, b]);
  return found;
}

async function admin(sql: string, params: unknown[] = []): Promise<void> {
  const url = new URL(SERVER_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const settle = <T>(p: Promise<T>): Promise<T | Error> => p.catch((err: Error) => err);

/**
 * A read again while the connection it went out on was one of those terminated: a pool may hand out an idle
 * connection before it has seen the server end it. The test is about the lease, not about those reads.
 */
async function afterLoss<T>(read: () => Promise<T>): Promise<T> {
  // A pool of at most 10 connections can hold that many dead ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt > 10 || !isConnectionLoss(err)) throw err;
    }
  }
}

describe('the run lease on a PostgreSQL server', () => {
  let app: TestApp;
  let other: AppContext;
  const calls: Call[] = [];
  const skus = Array.from({ length: SKUS }, (_, i) => `LEASE-${String(i).padStart(5, '0')}`);

  beforeAll(async () => {
    app = await createTestApp({ lease: LEASE });
    other = await app.openAnother();
    instrument(app.ctx, 'A', calls);
    instrument(other, 'B', calls);
    await seed(app, skus.map((sku) => ({ sku, quantity: 50 })), 0);
  }, 60_000);
  afterAll(async () => {
    await admin(`alter database ${app.t.name} allow_connections true`).catch(() => {});
    await app.close();
  });

  /**
   * Terminates every backend of the scratch database and waits until they are gone: pg_terminate_backend only
   * signals a backend, which then ends on its own time, so a read issued right away can still reach it.
   */
  async function terminateBackends(): Promise<void> {
    const url = new URL(SERVER_URL);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>(
        'select pid, pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [app.t.name]);
      const pids = rows.map((r) => r.pid);
      const until = Date.now() + 10_000;
      while ((await client.query('select 1 from pg_stat_activity where pid = any($1)', [pids])).rowCount) {
        if (Date.now() > until) throw new Error(`backends ${pids.join(', ')} still there 10 s after they were terminated`);
        await sleep(10);
      }
    } finally {
      await client.end();
    }
  }
  const applied = (runId: number) => app.t.db.em().count(LedgerEntry, { runId, result: 'APPLIED' });
  const runningRun = () => app.t.db.em().findOne(SyncRun, { status: 'RUNNING' });
  const setAmazon = (quantity: number) => skus.forEach((sku) => app.sims.amazon.setQuantity(sku, quantity));

  /** Retries a sync on the other instance until the lease lets it run. */
  async function takeOver(): Promise<RunReport> {
    const since = Date.now();
    for (;;) {
      const r = await settle(other.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' }));
      if (!(r instanceof Error)) return r;
      expect(r.message).toMatch(/another sync run is in progress/);
      expect(Date.now() - since).toBeLessThan(15_000);
      await sleep(100);
    }
  }

  /** Every channel holds what the last APPLIED ledger entry for its code says (or the seeded 0), and nothing is PENDING. */
  async function expectLedgerMatchesChannels(): Promise<void> {
    const em = app.t.db.em();
    expect(await em.count(LedgerEntry, { result: 'PENDING' })).toBe(0);
    const entries = await em.find(LedgerEntry, { result: 'APPLIED' }, { orderBy: { id: 'asc' } });
    const last = new Map(entries.map((e) => [`${e.channel}:${e.code}`, e.after]));
    const wrong: string[] = [];
    for (const sku of skus) {
      const y = app.sims.yahoo.getQuantity(`Y-${sku}`);
      const r = app.sims.rakuten.getQuantity(`r-${sku.toLowerCase()}`);
      if (y !== (last.get(`yahoo:Y-${sku}`) ?? 0)) wrong.push(`yahoo ${sku}: holds ${y}, ledger ${last.get(`yahoo:Y-${sku}`)}`);
      if (r !== (last.get(`rakuten:r-${sku.toLowerCase()}`) ?? 0)) wrong.push(`rakuten ${sku}: holds ${r}, ledger ${last.get(`rakuten:r-${sku.toLowerCase()}`)}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  }

  afterEach(async () => {
    expect(overlaps(calls).slice(0, 3)).toEqual([]);
    // Run by run too: each run (sync or rollback) ended before the next one started.
    const runs = await afterLoss(() => app.t.db.em().find(SyncRun, {}, { orderBy: { startedAt: 'asc' } }));
    expect(runs.filter((r) => r.status === 'RUNNING')).toEqual([]);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt!.getTime());
  });

  it('keeps the lease when the run\'s backends are terminated: no second run or rollback starts beside it', async () => {
    const first = settle(app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' }));
    await waitFor('the first run to apply a batch', async () => {
      const run = await runningRun();
      return Boolean(run && (await applied(run.id)) > 0);
    });
    await terminateBackends();
    // `status` from the other process (it settles runs whose lease expired) must not call the live run dead.
    const [shown] = await afterLoss(() => other.inventory.history.listRuns(1));
    const second = await settle(other.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' }));
    const rollback = await settle(other.inventory.rollback.run({ source: 'amazon', dryRun: false, trigger: 'test', actor: 'tester' }));
    const report = (await first) as RunReport;
    expect(['SUCCESS', 'INTERRUPTED']).toContain(report.status);
    if (report.status === 'SUCCESS') {
      expect(['RUNNING', 'SUCCESS']).toContain(shown!.status);
      // It finished holding the lease throughout, so nothing else could start meanwhile.
      expect(second).toBeInstanceOf(Error);
      expect((second as Error).message).toMatch(/another sync run is in progress for the source amazon: run \d+/);
      expect((rollback as Error).message).toMatch(/another sync run is in progress/);
    }
    expect(await app.t.db.em().count(SyncRun, { status: 'RUNNING' })).toBe(0);
    await expectLedgerMatchesChannels();
  }, 60_000);

  it('stops sending once it cannot renew the lease; another process takes over only after it expired', async () => {
    setAmazon(100);
    const first = app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    let runId = 0;
    await waitFor('the run to apply a batch', async () => {
      const run = await runningRun();
      runId = run?.id ?? 0;
      return Boolean(run && (await applied(run.id)) > 0);
    });
    // The database goes away for this run (and everyone else) for longer than the lease.
    await admin(`alter database ${app.t.name} allow_connections false`);
    await terminateBackends();
    const report = await first;
    const stoppedAt = performance.now();
    expect(report.status).toBe('INTERRUPTED');
    expect(report.errorSummary).toMatch(/lease|database/);
    await admin(`alter database ${app.t.name} allow_connections true`);

    // The other process is refused until the lease has expired by the database's clock, then takes over.
    const takeover = await takeOver();
    expect(takeover.status).toBe('SUCCESS');
    expect(Math.max(...calls.filter((c) => c.who === 'A').map((c) => c.end))).toBeLessThanOrEqual(stoppedAt);

    const dead = await app.t.db.em().findOneOrFail(SyncRun, { id: runId });
    // The takeover started only once the lease had expired: its last renewal (the run's last heartbeat) plus the
    // lease duration, by the database's clock (the same machine here).
    const next = await app.t.db.em().findOneOrFail(SyncRun, { id: takeover.runId });
    expect(next.startedAt.getTime()).toBeGreaterThanOrEqual(dead.heartbeatAt.getTime() + LEASE.seconds * 1000 - 50);
    expect(dead.status).toBe('INTERRUPTED');
    expect(dead.errorSummary).toMatch(/stopped renewing the run lease/);
    // The interrupted run still shows how far it got: the run streams the source page by page, and every page it
    // planned (every SKU changes on both channels here) was recorded before its changes went out.
    expect(dead.sourceItems).toBeGreaterThan(0);
    expect(dead).toMatchObject({ mappedSkus: dead.sourceItems, updates: 2 * dead.sourceItems });
    expect(await app.t.db.em().count(LedgerEntry, { runId })).toBeLessThanOrEqual(dead.updates);
    expect(dead.errorSummary).toMatch(new RegExp(`\\d+ of ${dead.updates} changes applied, \\d+ failed, \\d+ not sent`));
    const views = await app.ctx.inventory.history.listRuns(5);
    expect(views.find((v) => v.id === runId)).toMatchObject({ status: 'INTERRUPTED', sourceItems: dead.sourceItems, mappedSkus: dead.sourceItems, updates: dead.updates });
    await expectLedgerMatchesChannels();
  }, 60_000);

  it('a rollback takes the same lease: it cannot overlap a sync, nor a sync a rollback', async () => {
    setAmazon(75);
    const sync = other.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    await waitFor('the sync to start sending', async () => calls.some((c) => c.who === 'B' && c.end === Number.POSITIVE_INFINITY));
    await expect(app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: false, trigger: 'test', actor: 'tester' })).rejects.toThrow(/another sync run is in progress/);
    expect((await sync).status).toBe('SUCCESS');

    const rollback = app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: false, trigger: 'test', actor: 'tester' });
    await waitFor('the rollback to start sending', async () => calls.some((c) => c.who === 'A' && c.end === Number.POSITIVE_INFINITY));
    await expect(other.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' })).rejects.toThrow(/another sync run is in progress/);
    expect((await rollback).status).toBe('SUCCESS');
    await expectLedgerMatchesChannels();
  }, 60_000);

  it('abandons a write call in flight once it loses the lease, rather than waiting for a slow marketplace', async () => {
    const SLOW_MS = 4000;
    setAmazon(40);
    app.sims.rakuten.faults.slow({ path: 'bulk-upsert', ms: SLOW_MS });
    try {
      const first = app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
      let slow: Call | undefined;
      await waitFor('a slow Rakuten write in flight', async () => {
        slow = calls.find((c) => c.who === 'A' && c.channel === 'rakuten' && c.end === Number.POSITIVE_INFINITY && performance.now() - c.start > SLOW_CALL_MS + 300);
        return Boolean(slow);
      });
      const blockedAt = performance.now();
      await admin(`alter database ${app.t.name} allow_connections false`);
      await terminateBackends();
      const report = await first;
      const stoppedAt = performance.now();
      expect(report.status).toBe('INTERRUPTED');
      // It did not wait for Rakuten to answer: the call was abandoned when the lease was lost.
      expect(slow!.end).toBeLessThan(slow!.start + SLOW_MS);
      expect(stoppedAt - blockedAt).toBeLessThan(SLOW_MS - 1000);
      expect(Math.max(...calls.filter((c) => c.who === 'A').map((c) => c.end))).toBeLessThanOrEqual(stoppedAt);

      // Rakuten still applies the abandoned call when it gets to it; the takeover reads the channel afterwards.
      await sleep(Math.max(0, slow!.start + SLOW_MS + 500 - performance.now()));
      app.sims.rakuten.faults.clear();
      await admin(`alter database ${app.t.name} allow_connections true`);
      expect((await takeOver()).status).toBe('SUCCESS');
      await expectLedgerMatchesChannels();
    } finally {
      app.sims.rakuten.faults.clear();
      await admin(`alter database ${app.t.name} allow_connections true`);
    }
  }, 60_000);
});
