// The repeating jobs and their cron times, in one list: every sync_schedule entry of config/integrations.yaml
// (each its own job, so several workers share them through Agenda's locking), the retention job and the daily report. The worker
// schedules them, the health query shows when each runs next (computed with cron-parser, the parser Agenda
// itself uses for cron schedules).
import { CronExpressionParser } from 'cron-parser';
import type { Config } from '../platform/config/index.js';
import { CLEANUP_JOB } from './cleanup.js';
import { DAILY_REPORT_JOB } from './reports.js';

export interface ScheduledJob {
  name: string;
  /** Cron expression, in `timezone`. */
  schedule: string;
  timezone: string;
  /** Set for an integration operation (a sync_schedule entry). */
  operation?: { system: string; operation: string };
}

/** The Agenda job name of a scheduled integration operation. */
export const operationJobName = (system: string, operation: string) => `${system}.${operation}`;

export function scheduledJobs(config: Pick<Config, 'sync' | 'timezone' | 'integrations' | 'notifications'>): ScheduledJob[] {
  const operations = Object.values(config.integrations).flatMap((block) =>
    Object.entries(block.sync_schedule).map(([operation, schedule]) => ({
      name: operationJobName(block.name, operation), schedule, timezone: config.timezone, operation: { system: block.name, operation },
    })),
  );
  const report = config.notifications.daily_report;
  return [
    ...operations,
    { name: CLEANUP_JOB, schedule: config.sync.cleanupSchedule, timezone: config.timezone },
    ...(report.enabled ? [{ name: DAILY_REPORT_JOB, schedule: report.schedule, timezone: config.timezone }] : []),
  ];
}

/** The job's next occurrence after `now`; null when its cron text has none. */
export function nextRunAt(job: ScheduledJob, now = new Date()): Date | null {
  try {
    return CronExpressionParser.parse(job.schedule, { currentDate: now, tz: job.timezone }).next().toDate();
  } catch {
    return null;
  }
}
