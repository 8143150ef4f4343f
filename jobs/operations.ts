// One Agenda job per sync_schedule entry (jobs/schedules.ts), run through the integration hub like
// `tsunagi integrations run` so it lands in the integration log. The stock sync keeps its scheduled form
// (runScheduledSync: the report logged, operators alerted whenever it does not simply succeed); any other
// operation that fails alerts the operators once.
import type { Agenda, Job } from 'agenda';
import type { Logger } from 'pino';
import { correlated } from '../platform/log/correlation.js';
import type { AlertService } from '../subgraphs/reporting/services/alerts.js';
import type { IntegrationHub } from '../platform/integrations/hub.js';
import type { SourceRead } from '../platform/integrations/index.js';
import type { ScheduledJob } from './schedules.js';
import { runScheduledSync, type StockSyncDeps } from './stock-sync.js';

/**
 * Agenda hands a job to another worker when its lock is older than this. A full sync under the marketplaces'
 * rate limits can take longer, so the running job renews its lock every TOUCH_EVERY_MS.
 */
const LOCK_LIFETIME_MS = 10 * 60_000;
const TOUCH_EVERY_MS = 60_000;

export interface OperationJobDeps {
  hub: Pick<IntegrationHub, 'run'>;
  inventory: StockSyncDeps['inventory'];
  logger: Logger;
  alerts: Pick<AlertService, 'sendAlert'>;
}

export function defineOperationJobs(agenda: Agenda, jobs: ScheduledJob[], deps: OperationJobDeps): void {
  for (const job of jobs) {
    const target = job.operation;
    if (!target) continue;
    agenda.define(job.name, async (j: Job) => {
      // Each occurrence is one unit of work in the log (platform/log/correlation.ts).
      await correlated(() => keepLocked(j, deps.logger, () => runScheduledOperation(deps, target.system, target.operation)));
    }, { concurrency: 1, lockLimit: 1, lockLifetime: LOCK_LIFETIME_MS });
  }
}

/** Runs one scheduled operation; rejects when it failed, so Agenda records the job as failed too. */
export async function runScheduledOperation(deps: OperationJobDeps, system: string, operation: string): Promise<unknown> {
  let alerted = false;
  const services = {
    async syncStock(o: { source: string; read?: SourceRead }) {
      alerted = true;
      const r = await runScheduledSync(deps, o.source, o.read);
      return r && { runId: r.runId, status: r.status, updates: r.updates, failed: r.failed, errorSummary: r.errorSummary };
    },
  };
  try {
    return (await deps.hub.run({ system, operation, dryRun: false, trigger: 'schedule', services })).output;
  } catch (err) {
    const message = (err as Error).message;
    if (!alerted) {
      deps.logger.error({ err, system, operation, trigger: 'schedule' }, `[ERROR] ${system} ${operation}: ${message}`);
      await deps.alerts.sendAlert({ type: 'job_failed', severity: 'critical', message, vars: { job: `${system} ${operation}` } });
    }
    throw err;
  }
}

async function keepLocked<T>(job: Job, logger: Logger, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    job.touch().catch((err: unknown) => logger.warn({ err, job: job.attrs.name }, 'could not renew the job lock'));
  }, TOUCH_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
