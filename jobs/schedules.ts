// The repeating jobs and their cron times, in one list: the worker schedules them, the health query shows when
// each runs next (computed with cron-parser, the parser Agenda itself uses for cron schedules).
import { CronExpressionParser } from 'cron-parser';
import type { Config } from '../platform/config/index.js';
import { CLEANUP_JOB } from './cleanup.js';
import { STOCK_SYNC_JOB } from './stock-sync.js';

export interface ScheduledJob {
  name: string;
  /** Cron expression, in `timezone`. */
  schedule: string;
  timezone: string;
}

export function scheduledJobs(config: Pick<Config, 'sync' | 'timezone'>): ScheduledJob[] {
  return [
    { name: STOCK_SYNC_JOB, schedule: config.sync.schedule, timezone: config.timezone },
    { name: CLEANUP_JOB, schedule: config.sync.cleanupSchedule, timezone: config.timezone },
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
