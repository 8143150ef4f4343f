// The job worker: Agenda on its own connection to the job store, the jobs defined, their schedules read from
// config, and the orders' inbox and outbox loops. The store is PostgreSQL by default (the server in DATABASE_URL,
// or the embedded PGlite) and MongoDB when MONGODB_URL is set, as production runs it.
import { hostname } from 'node:os';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda, InMemoryNotificationChannel, type AgendaBackend, type DrainResult, type JobWithId, type NotificationChannel } from 'agenda';
import pg from 'pg';
import type { Logger } from 'pino';
import type { AppContext } from '../app/context.js';
import { defineCleanup } from './cleanup.js';
import { defineOperationJobs } from './operations.js';
import { defineAlertRules, defineDailyReport } from './reports.js';
import { scheduledJobs } from './schedules.js';
import { startStreamConsumers } from './stream-consumers.js';

/** Agenda's table (PostgreSQL) or collection (MongoDB). platform/db FOREIGN_TABLES keeps MikroORM off it. */
export const JOB_STORE_TABLE = 'agenda_jobs';
/** The PostgreSQL backend also creates its job-event log table on connect, used or not; also foreign. */
export const JOB_LOG_TABLE = 'agenda_logs';

/** How long stop() lets running jobs finish; a run still going after that is recovered as INTERRUPTED. */
const STOP_TIMEOUT_MS = 5 * 60_000;
const SCHEMA_LOCK_KEY = 0x7441_6764; // "tAgd"

export interface JobStore {
  kind: 'postgresql' | 'mongodb';
  /** The backend to hand Agenda once connect() has resolved. */
  backend: AgendaBackend;
  /** Set where the backend's own channel cannot work (embedded PGlite). */
  notificationChannel?: NotificationChannel;
  connect(): Promise<void>;
  close(): Promise<void>;
}

export interface JobStoreOptions {
  /** PostgreSQL URL of the system of record (AppContext db.url). */
  databaseUrl: string;
  /** True when databaseUrl is the embedded PGlite served on loopback. */
  embedded: boolean;
  /** Set: MongoDB holds the jobs instead. */
  mongoUrl?: string;
  logger: Logger;
}

/** Builds the job store's backend; nothing connects until connect(). */
export async function createJobStore(opts: JobStoreOptions): Promise<JobStore> {
  if (opts.mongoUrl) {
    // The MongoDB driver is loaded only where MONGODB_URL asks for it.
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    const backend = new MongoBackend({ address: opts.mongoUrl, collection: JOB_STORE_TABLE, logCollection: JOB_LOG_TABLE });
    return { kind: 'mongodb', backend: connected(backend), connect: () => backend.connect(), close: () => backend.disconnect() };
  }
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.embedded ? 2 : 5, application_name: 'tsunagi-agenda' });
  pool.on('error', (err) => opts.logger.warn({ err }, 'job store connection lost'));
  // PGlite delivers NOTIFY only on the connection that sent it: in embedded mode (one process by construction)
  // Agenda's notifications stay in memory and other changes are found by polling.
  const backend = new PostgresBackend({
    pool, tableName: JOB_STORE_TABLE, logTableName: JOB_LOG_TABLE, channelName: JOB_STORE_TABLE, disableNotifications: opts.embedded,
  });
  const channel = opts.embedded ? new InMemoryNotificationChannel() : backend.notificationChannel!;
  // The LISTEN connection reconnects by itself; unheard, its 'error' event would end the process.
  channel.on('error', (err) => opts.logger.warn({ err }, 'job notification channel error; reconnecting'));
  return {
    kind: 'postgresql',
    backend: connected(backend),
    notificationChannel: opts.embedded ? channel : undefined,
    connect: () => connectOneAtATime(pool, backend),
    close: async () => {
      await backend.disconnect();
      await pool.end();
    },
  };
}

/**
 * Agenda connects its backend from its constructor and leaves a failed connect unhandled, which ends the
 * process. The worker connects first, where a failure is an ordinary error, and gives Agenda this view of the
 * connected backend; the JobStore closes it.
 */
function connected(backend: AgendaBackend): AgendaBackend {
  return {
    name: backend.name,
    repository: backend.repository,
    notificationChannel: backend.notificationChannel,
    logger: backend.logger,
    ownsConnection: false,
    connect: async () => {},
    disconnect: async () => {},
  };
}

/**
 * The backend creates its table, indexes and trigger on connect; two workers doing that at once collide in
 * PostgreSQL's catalog ("tuple concurrently updated"), so they take turns under an advisory lock.
 */
async function connectOneAtATime(pool: pg.Pool, backend: AgendaBackend): Promise<void> {
  const lock = await pool.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [SCHEMA_LOCK_KEY]);
    try {
      await backend.connect();
    } finally {
      await lock.query('select pg_advisory_unlock($1)', [SCHEMA_LOCK_KEY]);
    }
  } finally {
    lock.release();
  }
}

export interface WorkerOptions {
  /** How often Agenda looks for due jobs (Agenda's default: 5 seconds). */
  processEvery?: string | number;
}

export interface Worker {
  agenda: Agenda;
  /** Stops taking jobs, lets running ones finish (up to 5 minutes), closes the job store. */
  stop(): Promise<void>;
}

export async function startWorker(ctx: AppContext, opts: WorkerOptions = {}): Promise<Worker> {
  const { config, logger } = ctx;
  const metrics = await ctx.hubMetrics();
  const store = await createJobStore({ databaseUrl: ctx.db.url, embedded: ctx.db.embedded, mongoUrl: process.env.MONGODB_URL || undefined, logger });
  try {
    await store.connect();
  } catch (err) {
    await store.close().catch(() => {});
    throw new Error(`job store (${store.kind}) unavailable: ${(err as Error).message}`);
  }

  const agenda = new Agenda({
    backend: store.backend,
    notificationChannel: store.notificationChannel,
    name: `${hostname()}:${process.pid}`,
    processEvery: opts.processEvery,
    // One-off runs (agenda.now) leave no row behind once they succeed; failed ones stay for inspection.
    removeOnComplete: true,
  });
  // Job outcomes are counted (tsunagi_jobs_total) where they ran: other workers' arrive here too (remote), they count their own.
  agenda.on('error', (err) => logger.error({ err }, 'job worker error'));
  agenda.on('success', (job: JobWithId, remote?: false) => {
    if (!remote) metrics.observeJob(job.attrs.name, 'success');
  });
  agenda.on('fail', (err: Error, job: JobWithId, remote?: false) => {
    if (remote) return;
    logger.error({ err, job: job.attrs.name }, `job ${job.attrs.name} failed`);
    metrics.observeJob(job.attrs.name, 'failed');
  });
  const jobs = scheduledJobs(config);
  defineOperationJobs(agenda, jobs, { hub: ctx.hub, inventory: ctx.inventory, logger, alerts: ctx.alerts });
  defineCleanup(agenda, { inventory: ctx.inventory, reporting: ctx.reporting, events: ctx.events, orders: ctx.orders, logger, retentionDays: config.sync.retentionDays });
  if (config.notifications.daily_report.enabled) defineDailyReport(agenda, { dailyReport: ctx.dailyReport, logger });
  defineAlertRules(agenda, { rules: ctx.alertRules, scheduled: jobs.map((j) => j.name), logger });

  try {
    for (const job of jobs) await scheduleRepeating(agenda, job.name, job.schedule, job.timezone);
    await agenda.start();
  } catch (err) {
    await agenda.stop();
    await store.close();
    throw err;
  }
  // The orders' inbox and outbox are worked continuously (not as Agenda jobs): claims in the database let any
  // number of workers share them.
  ctx.orders.pipeline.start();
  // The real-time feeds: one consumer per streaming source across every worker (the others stand by).
  const streams = startStreamConsumers(ctx, { lease: { leaseMs: config.sync.lease.seconds * 1000, heartbeatMs: config.sync.lease.heartbeatSeconds * 1000 } });
  const schedules = jobs.map((j) => `${j.name} "${j.schedule}"`).join(', ');
  logger.info({ store: store.kind, timezone: config.timezone, schedules: jobs }, `job worker started (${store.kind}); scheduled in ${config.timezone}: ${schedules}`);

  let stopping: Promise<void> | undefined;
  return {
    agenda,
    stop: () =>
      (stopping ??= (async () => {
        await ctx.orders.pipeline.stop();
        await streams.stop();
        const result = await drain(agenda, STOP_TIMEOUT_MS);
        if (result.timedOut) logger.warn({ running: result.running }, 'job worker stopped with jobs still running; their runs will show as INTERRUPTED');
        await store.close();
        logger.info('job worker stopped');
      })()),
  };
}

/**
 * agenda.drain() waits for a 'complete' event per running job, so a job that emitted it just before the drain
 * began (or is still removing itself, removeOnComplete) is missed and the drain would last its whole timeout.
 * Watching the running count ends it once nothing runs.
 */
async function drain(agenda: Agenda, timeoutMs: number): Promise<DrainResult> {
  const idle = new AbortController();
  const watch = setInterval(() => {
    agenda.getRunningStats().then((s) => s.runningJobs === 0 && idle.abort(), () => {});
  }, 200);
  try {
    return await agenda.drain({ timeout: timeoutMs, signal: idle.signal });
  } finally {
    clearInterval(watch);
  }
}

/**
 * Registers a repeating job at a cron time in a timezone. A stored schedule that has not changed is left as it
 * is, so a run that fell due while no worker was up (nextRunAt in the past) still happens at start; a new or
 * changed schedule is written with its next occurrence.
 */
async function scheduleRepeating(agenda: Agenda, name: string, cron: string, timezone: string): Promise<void> {
  // Agenda stores a cron it cannot read with no next run (the job silently never runs) and reads some
  // non-cron text as "now, repeatedly": a schedule must yield an occurrence in the future.
  const next = agenda.create(name).repeatEvery(cron, { timezone }).attrs.nextRunAt;
  if (!(next instanceof Date) || next.getTime() <= Date.now()) {
    throw new Error(`cannot schedule ${name}: "${cron}" in ${timezone} is not a cron expression with a next occurrence`);
  }
  const { jobs } = await agenda.queryJobs({ name, includeDisabled: true });
  const stored = jobs.find((j) => j.type === 'single');
  if (stored?.nextRunAt && stored.repeatInterval === cron && stored.repeatTimezone === timezone) return;
  await agenda.every(cron, name, undefined, { timezone });
}
