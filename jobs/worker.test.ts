// The worker on a fresh database of the real PostgreSQL server with the marketplace simulators in memory: jobs
// run through Agenda, alerts reach the webhook receiver, schedules come from config, retention deletes rows.
import type { JobWithId } from 'agenda';
import pg from 'pg';
import pino from 'pino';
import type { SlackWebhookSimulator } from '../connectors/notify/slack/simulator.js';
import type { AppContext } from '../app/context.js';
import type { AlertRequest } from '../subgraphs/reporting/services/alerts.js';
import type { Config } from '../platform/config/index.js';
import { FOREIGN_TABLES } from '../platform/db/index.js';
import { RunLease } from '../subgraphs/inventory/run-lock.js';
import { createTestApp, seed, type TestApp } from '../test/support/app.js';
import { CLEANUP_JOB } from './cleanup.js';
import { DAILY_REPORT_JOB } from './reports.js';
import { operationJobName } from './schedules.js';
import { formatReport } from '../subgraphs/inventory/services/report.js';
import { runScheduledSync } from './stock-sync.js';

/** The stock sync is the sync_schedule entry stock_sync of the source system (config/integrations.yaml). */
const STOCK_SYNC_JOB = operationJobName('amazon', 'stock_sync');
const withStockSyncSchedule = (config: Config, cron: string): Config => ({
  ...config,
  integrations: { ...config.integrations, amazon: { ...config.integrations.amazon!, sync_schedule: { stock_sync: cron } } },
});
import { createJobStore, JOB_LOG_TABLE, JOB_STORE_TABLE, startWorker, type Worker } from './worker.js';

const DAY_MS = 86_400_000;

let app: TestApp;
let hook: SlackWebhookSimulator;
let sql: pg.Client;
const workers: Worker[] = [];

beforeAll(async () => {
  app = await createTestApp();
  hook = app.sims.notify.slack;
  sql = new pg.Client({ connectionString: app.t.url });
  await sql.connect();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  hook.messages.length = 0;
  hook.faults.clear();
  for (const sim of [app.sims.amazon, app.sims.yahoo, app.sims.rakuten]) sim.faults.clear();
});

afterAll(async () => {
  await sql?.end();
  await app?.close();
});

/** A worker whose alerts go to the log and the sandbox's notification simulators (the notify block in sandbox mode). */
async function start(ctx: AppContext = app.ctx): Promise<Worker> {
  const worker = await startWorker(ctx);
  workers.push(worker);
  return worker;
}

/** Runs a job through Agenda now; resolves with the job once Agenda has finished with it. */
async function runNow(worker: Worker, name: string): Promise<JobWithId> {
  const done = new Promise<JobWithId>((resolve) => worker.agenda.once(`complete:${name}`, resolve));
  await worker.agenda.now(name);
  return done;
}

let seeded: Awaited<ReturnType<typeof seed>> = [];

/**
 * 12 SKUs whose allocations (4–6) differ from what both malls list (50), so a sync sends 24 updates. SKUs of
 * earlier tests are made inactive first, so what those tests left unsynced does not count here.
 */
async function seedWork(prefix: string): Promise<void> {
  if (seeded.length > 0) await app.ctx.catalog.upsertMappings(seeded.map((r) => ({ ...r, isActive: false })));
  seeded = await seed(app, Array.from({ length: 12 }, (_, i) => ({ sku: `${prefix}-${i}`, quantity: 20 + i })), 50);
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stored = async (name: string) => (await workers[0].agenda.queryJobs({ name })).jobs.find((j) => j.type === 'single');

/** 04:00 in Asia/Tokyo (UTC+9, no daylight saving) is 19:00 UTC the day before. */
function next0400Tokyo(now: number): number {
  let t = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate(), 19);
  while (t <= now) t += DAY_MS;
  while (t - DAY_MS > now) t -= DAY_MS;
  return t;
}

describe('schedules', () => {
  it('registers stock-sync at the configured cron and timezone: the next 04:00 Asia/Tokyo', async () => {
    expect(app.ctx.config.integrations.amazon!.sync_schedule.stock_sync).toBe('0 4 * * *');
    expect(app.ctx.config.timezone).toBe('Asia/Tokyo');
    const now = Date.now();
    await start();
    const job = await stored(STOCK_SYNC_JOB);
    expect(job).toEqual(expect.objectContaining({ repeatInterval: '0 4 * * *', repeatTimezone: 'Asia/Tokyo', disabled: false }));
    expect(job!.nextRunAt!.getTime()).toBe(next0400Tokyo(now));
    expect(await stored(CLEANUP_JOB)).toEqual(expect.objectContaining({ repeatTimezone: 'Asia/Tokyo' }));
  });

  it('keeps Agenda in tables that platform/db leaves out of the schema diff', async () => {
    await start();
    const { rows } = await sql.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_name like 'agenda%' order by 1",
    );
    expect(rows.map((r) => r.table_name)).toEqual([JOB_STORE_TABLE, JOB_LOG_TABLE].sort());
    expect(FOREIGN_TABLES).toEqual(expect.arrayContaining([JOB_STORE_TABLE, JOB_LOG_TABLE]));
  });

  it('rewrites a changed schedule, and runs at start a run that fell due while no worker was up', async () => {
    const first = await start();
    await first.stop();
    workers.length = 0;

    const changed = { ...app.ctx, config: withStockSyncSchedule(app.ctx.config, '30 5 * * *') };
    await start(changed);
    const rescheduled = await stored(STOCK_SYNC_JOB);
    expect(rescheduled!.repeatInterval).toBe('30 5 * * *');
    expect(new Date(rescheduled!.nextRunAt!.getTime() + 9 * 3_600_000).toISOString().slice(11, 16)).toBe('05:30');
    await workers.splice(0)[0].stop();

    // The worker was down at the scheduled time: the stored occurrence is in the past.
    await seedWork('MISSED');
    await sql.query(`update ${JOB_STORE_TABLE} set next_run_at = now() - interval '1 hour' where name = $1`, [STOCK_SYNC_JOB]);
    const runsBefore = (await app.ctx.inventory.history.listRuns(100)).length;
    await start(changed);
    const runs = await until(async () => {
      const all = await app.ctx.inventory.history.listRuns(100);
      return all.length > runsBefore && all[0].status !== 'RUNNING' && all;
    });
    expect(runs.length).toBe(runsBefore + 1);
    expect(runs[0]).toEqual(expect.objectContaining({ trigger: 'schedule', status: 'SUCCESS', updates: 24 }));
    expect((await stored(STOCK_SYNC_JOB))!.nextRunAt!.getTime()).toBeGreaterThan(Date.now());

    // Back to the configured schedule for the other tests.
    await workers.splice(0)[0].stop();
    await start();
    expect((await stored(STOCK_SYNC_JOB))!.repeatInterval).toBe('0 4 * * *');
  });

  it.each([
    ['an impossible hour', '0 25 * * *', 'Asia/Tokyo'],
    ['a human interval', '1 day', 'Asia/Tokyo'],
    ['an unknown timezone', '0 4 * * *', 'Nowhere/City'],
  ])('refuses %s instead of storing a schedule that never (or always) runs', async (_what, schedule, timezone) => {
    const bad = { ...app.ctx, config: { ...withStockSyncSchedule(app.ctx.config, schedule), timezone } };
    const started = startWorker(bad);
    started.then((w) => workers.push(w), () => {});
    await expect(started).rejects.toThrow(`cannot schedule ${STOCK_SYNC_JOB}: "${schedule}" in ${timezone} is not a cron expression with a next occurrence`);
  });
});

describe('stock-sync job', () => {
  it('runs a sync through Agenda, recorded as a scheduled run, without alerting on SUCCESS', async () => {
    await seedWork('OK');
    const worker = await start();
    const job = await runNow(worker, STOCK_SYNC_JOB);
    expect(job.attrs.failReason).toBeUndefined();
    const run = await app.ctx.inventory.history.lastRun();
    expect(run).toEqual(expect.objectContaining({ trigger: 'schedule', dryRun: false, status: 'SUCCESS' }));
    expect(run!.updates).toBe(24);
    expect(app.sims.yahoo.getQuantity('Y-OK-0')).toBe(4);
    expect(hook.messages).toHaveLength(0);
  });

  it('sends a critical alert with run id, status, counts and errors when the run is PARTIAL', async () => {
    await seedWork('PART');
    // A 4xx is final (no retry): every Yahoo! item of the run fails, every Rakuten item is applied.
    app.sims.yahoo.faults.add({
      path: 'setStock',
      response: { status: 400, headers: { 'content-type': 'application/xml' }, body: '<Error><Message>seller is suspended</Message><Code>ed-00001</Code></Error>' },
    });
    const worker = await start();
    const job = await runNow(worker, STOCK_SYNC_JOB);
    expect(job.attrs.failReason).toBeUndefined();
    const run = await app.ctx.inventory.history.lastRun();
    expect(run).toEqual(expect.objectContaining({ status: 'PARTIAL', updates: 24, failed: 12 }));

    const [message] = await hook.waitFor(1);
    const body = JSON.stringify(message);
    expect(message.text).toContain(`CRITICAL: 在庫同期 #${run!.id} 一部失敗 (PARTIAL)`);
    expect(body).toContain('12 of 24 stock updates failed');
    expect(body).toContain('seller is suspended');
    expect(body).toContain('*Failed*\\n12');
    expect(body).toContain(`run #${run!.id}`);
    const calls = (await app.ctx.reporting.integrationLog({ system: 'notify' })).filter((c) => c.operation === 'slack.incomingWebhook');
    expect(calls[0]).toEqual(expect.objectContaining({ ok: true, status: 200, url: `${new URL(app.sandbox.urls.notify!).origin}/services/***` }));
  });

  it('alerts critical and records the job as failed when the run FAILED', async () => {
    await seedWork('FAIL');
    app.sims.amazon.faults.add({ path: 'summaries', response: { status: 403, body: { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] } } });
    const worker = await start();
    const job = await runNow(worker, STOCK_SYNC_JOB);
    const run = await app.ctx.inventory.history.lastRun();
    expect(run!.status).toBe('FAILED');
    expect(job.attrs.failReason).toContain(`run #${run!.id} FAILED`);
    const [message] = await hook.waitFor(1);
    expect(message.text).toContain(`CRITICAL: 在庫同期 #${run!.id} 失敗 (FAILED)`);
    expect(JSON.stringify(message)).toContain('The run failed');
    expect(JSON.stringify(message)).toContain('Access to requested resource is denied');
  });

  it('alerts a warning and completes when another run holds the lock', async () => {
    // Another process's lease: the same table, a holder of its own.
    const other = await new RunLease(app.ctx.db, 'amazon', { leaseMs: 30_000, heartbeatMs: 5000 }).acquire();
    expect(other).not.toBeNull();
    try {
      const runsBefore = (await app.ctx.inventory.history.listRuns(100)).length;
      const worker = await start();
      const job = await runNow(worker, STOCK_SYNC_JOB);
      expect(job.attrs.failReason).toBeUndefined();
      expect((await app.ctx.inventory.history.listRuns(100)).length).toBe(runsBefore);
      const [message] = await hook.waitFor(1);
      expect(message.text).toContain('WARNING: 定期在庫同期をスキップ');
      expect(JSON.stringify(message)).toContain('another sync run is in progress');
    } finally {
      await other!.release();
    }
  });

  it('logs the lines of a manual sync', async () => {
    await seedWork('LOG');
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
    const report = await runScheduledSync({ inventory: app.ctx.inventory, logger, alerts: app.ctx.alerts }, 'amazon');
    // The lines `tsunagi sync` prints (the one formatting function), one log entry each.
    expect(lines.map((l) => l.msg)).toEqual(['[INFO] Starting Sync...', ...formatReport(report!)]);
    // Earlier tests' SKUs may be counted on a Skipped line.
    expect(lines.map((l) => l.msg).filter((m) => !m.startsWith('Skipped: '))).toEqual([
      '[INFO] Starting Sync...',
      `Amazon Inventory: ${report!.sourceItems} items found`,
      `Mapped SKUs: ${report!.mappedSkus} items`,
      'Updates sent: 24 items',
      '  yahoo    updates 12, unchanged 0, not listed 0, failed 0',
      '  rakuten  updates 12, unchanged 0, not listed 0, failed 0',
      `[SUCCESS] Run #${report!.runId}`,
    ]);
  });

  it('alerts critical and rethrows when the run cannot start at all', async () => {
    const sent: AlertRequest[] = [];
    const alerts = { sendAlert: (a: AlertRequest) => (sent.push(a), app.ctx.alerts.sendAlert(a)) };
    const inventory = { sync: { run: async () => Promise.reject(new Error('database connection lost')) } };
    await expect(runScheduledSync({ inventory, logger: pino({ enabled: false }), alerts }, 'amazon')).rejects.toThrow('database connection lost');
    expect(sent).toEqual([{ type: 'sync_not_started', severity: 'critical', message: 'database connection lost' }]);
    const [message] = await hook.waitFor(1);
    expect(message.text).toContain('CRITICAL: 定期在庫同期を開始できません');
  });

  it('a job that cannot deliver its alert still completes; the failure is in the integration log', async () => {
    await seedWork('NOHOOK');
    app.sims.yahoo.faults.add({ path: 'setStock', response: { status: 400, body: '<Error><Message>bad</Message><Code>ed-1</Code></Error>' } });
    hook.faults.add({ path: '/services', response: { status: 404, body: 'no_service' } });
    const worker = await start();
    const job = await runNow(worker, STOCK_SYNC_JOB);
    expect(job.attrs.failReason).toBeUndefined();
    expect((await app.ctx.inventory.history.lastRun())!.status).toBe('PARTIAL');
    expect(await app.ctx.reporting.integrationLog({ system: 'notify', failedOnly: true })).toEqual([
      expect.objectContaining({ operation: 'slack.incomingWebhook', ok: false, status: 404 }),
    ]);
  });

  it('stop() lets a running sync finish before closing', async () => {
    await seedWork('STOP');
    const worker = await start();
    // Hold the run table so the sync blocks mid-start, then stop the worker while it waits.
    const blocker = new pg.Client({ connectionString: app.t.url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table sync_run in exclusive mode');
    const started = new Promise<void>((resolve) => worker.agenda.once(`start:${STOCK_SYNC_JOB}`, () => resolve()));
    await worker.agenda.now(STOCK_SYNC_JOB);
    await started;
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(stopped).toBe(false);
    await blocker.query('commit');
    await blocker.end();
    await stopping;
    expect(await app.ctx.inventory.history.lastRun()).toEqual(expect.objectContaining({ trigger: 'schedule', status: 'SUCCESS' }));
  });
});

describe('cleanup job', () => {
  it('deletes runs, ledgers, integration log and events older than the retention, and keeps newer ones', async () => {
    await seedWork('OLD');
    const old = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    await app.ctx.reporting.flushCalls();
    const days = app.ctx.config.sync.retentionDays + 1;
    await sql.query(`update sync_run set started_at = started_at - make_interval(days => $1), finished_at = finished_at - make_interval(days => $1) where id <= $2`, [days, old.runId]);
    await sql.query(`update integration_log set at = at - make_interval(days => $1)`, [days]);
    await sql.query(`update event_outbox set created_at = created_at - make_interval(days => $1)`, [days]);
    await seedWork('NEW');
    const recent = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    await app.ctx.reporting.flushCalls();
    const count = async (q: string, params: unknown[] = []) => Number((await sql.query<{ n: string }>(q, params)).rows[0].n);
    expect(await count('select count(*) as n from sync_ledger where run_id = $1', [old.runId])).toBeGreaterThan(0);

    const worker = await start();
    const job = await runNow(worker, CLEANUP_JOB);
    expect(job.attrs.failReason).toBeUndefined();
    expect(await app.ctx.inventory.history.getRun(old.runId)).toBeNull();
    expect(await count('select count(*) as n from sync_run where id <= $1', [old.runId])).toBe(0);
    expect(await count('select count(*) as n from sync_ledger where run_id <= $1', [old.runId])).toBe(0);
    expect(await count("select count(*) as n from integration_log where at < now() - interval '90 days'")).toBe(0);
    expect(await count("select count(*) as n from event_outbox where created_at < now() - interval '90 days'")).toBe(0);
    expect(await count("select count(*) as n from event_outbox where payload @> $1::jsonb", [JSON.stringify([{ runId: recent.runId }])])).toBeGreaterThan(0);
    expect(await app.ctx.inventory.history.getRun(recent.runId)).not.toBeNull();
    expect(await count('select count(*) as n from sync_ledger where run_id = $1', [recent.runId])).toBe(24);
    expect(await count('select count(*) as n from integration_log')).toBeGreaterThan(0);
  });
});

describe('daily report job', () => {
  it('is scheduled at 09:00 Asia/Tokyo and, run, mails yesterday\'s report', async () => {
    const worker = await start();
    expect(await stored(DAILY_REPORT_JOB)).toEqual(expect.objectContaining({ repeatInterval: '0 9 * * *', repeatTimezone: 'Asia/Tokyo' }));
    const smtp = app.sims.notify.email;
    const before = smtp.messages.length;
    const job = await runNow(worker, DAILY_REPORT_JOB);
    expect(job.attrs.failReason).toBeUndefined();
    const mail = (await smtp.waitFor(before + 1))[before]!;
    expect(mail.subject).toBe(`日次レポート ${app.ctx.dailyReport.yesterday()} - Tsunagi`);
    expect(mail.attachments.map((a) => a.contentType)).toEqual(['image/png', 'image/png']);
  });

  it('records the job as failed when the mail cannot be delivered', async () => {
    const smtp = app.sims.notify.email;
    smtp.failNext({ code: 550, message: 'Mailbox unavailable' });
    const worker = await start();
    const job = await runNow(worker, DAILY_REPORT_JOB);
    expect(job.attrs.failReason).toMatch(/daily report .*: email FAILED: email: SMTP 550/);
  });
});

describe('job outcomes', () => {
  it('counts each job that succeeds and each that fails in tsunagi_jobs_total{job,outcome}', async () => {
    const counted = async (outcome: string) => {
      const metric = (await app.ctx.hubMetrics()).registry.getSingleMetric('tsunagi_jobs_total')!;
      return (await metric.get()).values.find((v) => v.labels.job === DAILY_REPORT_JOB && v.labels.outcome === outcome)?.value ?? 0;
    };
    const [ok, failed] = [await counted('success'), await counted('failed')];
    const worker = await start();
    expect((await runNow(worker, DAILY_REPORT_JOB)).attrs.failReason).toBeUndefined();
    app.sims.notify.email.failNext({ code: 550, message: 'Mailbox unavailable' });
    expect((await runNow(worker, DAILY_REPORT_JOB)).attrs.failReason).toBeDefined();
    expect(await counted('success')).toBe(ok + 1);
    expect(await counted('failed')).toBe(failed + 1);
  });
});

describe('job store selection', () => {
  it('builds the MongoDB backend from MONGODB_URL without connecting', async () => {
    const store = await createJobStore({ databaseUrl: app.t.url, embedded: false, mongoUrl: 'mongodb://127.0.0.1:1/tsunagi', logger: app.ctx.logger });
    expect(store.kind).toBe('mongodb');
    expect(store.backend.name).toBe('MongoDB');
    expect(store.notificationChannel).toBeUndefined();
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('startWorker uses MongoDB when MONGODB_URL is set, and reports an unreachable one as an error', async () => {
    process.env.MONGODB_URL = 'mongodb://127.0.0.1:1/tsunagi?serverSelectionTimeoutMS=300';
    try {
      await expect(startWorker(app.ctx)).rejects.toThrow(/^job store \(mongodb\) unavailable: /);
    } finally {
      delete process.env.MONGODB_URL;
    }
  });

  it('reports an unreachable PostgreSQL job store as an error', async () => {
    const ctx = { ...app.ctx, db: { ...app.ctx.db, url: 'postgres://postgres@127.0.0.1:1/none' } };
    await expect(startWorker(ctx)).rejects.toThrow(/^job store \(postgresql\) unavailable: /);
  });
});
