// The scheduler as the job store has it, for health and /metrics in any process (the CLI, the gateway, a
// subgraph): each scheduled job's last and next run and whether its latest run failed, and whether any worker is
// taking due jobs. It reads through an Agenda that is never started, on its own connection, opened on first use.
import { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { Config } from '../platform/config/index.js';
import type { ScheduledJobStatus, SchedulerStatus } from '../subgraphs/reporting/ports.js';
import { ALERT_RULES_JOB } from './reports.js';
import { nextRunAt, scheduledJobs } from './schedules.js';
import { createJobStore, type JobStore } from './worker.js';

export interface SchedulerReaderOptions {
  config: Pick<Config, 'sync' | 'timezone' | 'integrations' | 'notifications'>;
  databaseUrl: string;
  embedded: boolean;
  logger: Logger;
}

export class SchedulerReader {
  private open: Promise<{ store: JobStore; agenda: Agenda }> | undefined;

  constructor(private readonly opts: SchedulerReaderOptions) {}

  async status(now = new Date()): Promise<SchedulerStatus> {
    const jobs = scheduledJobs(this.opts.config);
    const { agenda } = await this.connect();
    const { jobs: rows } = await agenda.queryJobs({ names: jobs.map((j) => j.name) });
    const statuses: ScheduledJobStatus[] = jobs.map((job) => {
      const mine = rows.filter((r) => r.name === job.name);
      const last = mine.filter((r) => r.lastRunAt).sort((a, b) => b.lastRunAt!.getTime() - a.lastRunAt!.getTime())[0];
      const stored = mine.find((r) => r.type === 'single');
      return {
        name: job.name, schedule: job.schedule, timezone: job.timezone, stored: Boolean(stored),
        lastRunAt: last?.lastRunAt ?? null, lastFinishedAt: last?.lastFinishedAt ?? null, failedAt: last?.failedAt ?? null, failReason: last?.failReason ?? null,
        // The store's next run once a worker scheduled the job; otherwise when its cron falls next.
        nextRunAt: stored?.nextRunAt ?? nextRunAt(job, now), lockedAt: mine.find((r) => r.lockedAt)?.lockedAt ?? null,
      };
    });
    return { jobs: statuses, ...workerAlive(statuses, this.opts.config.notifications.rules.jobs.grace_minutes, now) };
  }

  async close(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    if (open) await open.then(({ store }) => store.close(), () => {});
  }

  private connect() {
    return (this.open ??= (async () => {
      const store = await createJobStore({ databaseUrl: this.opts.databaseUrl, embedded: this.opts.embedded, mongoUrl: process.env.MONGODB_URL || undefined, logger: this.opts.logger });
      try {
        await store.connect();
      } catch (err) {
        await store.close().catch(() => {});
        this.open = undefined;
        throw new Error(`job store (${store.kind}) unavailable: ${(err as Error).message}`);
      }
      return { store, agenda: new Agenda({ backend: store.backend, notificationChannel: store.notificationChannel }) };
    })());
  }
}

/**
 * Whether a worker takes due jobs: the alert rules' job falls due every minute (by default) and any running worker
 * takes it within seconds, so it running now, or not being overdue by the grace period, says one is alive.
 */
function workerAlive(jobs: ScheduledJobStatus[], graceMinutes: number, now: Date): { workerAlive: boolean; workerDetail: string } {
  const probe = jobs.find((j) => j.name === ALERT_RULES_JOB);
  if (!probe?.stored) return { workerAlive: false, workerDetail: 'no worker has scheduled the jobs (none has started on this job store)' };
  if (probe.lockedAt) return { workerAlive: true, workerDetail: `a worker is running ${ALERT_RULES_JOB}` };
  const overdueMs = now.getTime() - (probe.nextRunAt?.getTime() ?? now.getTime());
  if (overdueMs > graceMinutes * 60_000) {
    return { workerAlive: false, workerDetail: `${ALERT_RULES_JOB} is ${Math.round(overdueMs / 60_000)} min overdue: no worker is taking due jobs` };
  }
  return { workerAlive: true, workerDetail: probe.lastRunAt ? `jobs are being taken (${ALERT_RULES_JOB} last ran ${probe.lastRunAt.toISOString()})` : 'jobs are scheduled; none due yet' };
}
