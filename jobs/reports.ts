// The reporting jobs: the daily report at its configured time (yesterday's, in the configured timezone) and the
// alert rules' evaluation. Each runs on one worker at a time (Agenda's lock); a failure is logged and recorded
// on the job, and the next occurrence runs as usual. Each occurrence is one unit of work in the log.
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import { correlated } from '../platform/log/correlation.js';
import type { AlertRules } from '../subgraphs/reporting/services/alert-rules.js';
import type { DailyReportService } from '../subgraphs/reporting/services/daily-report.js';

export const DAILY_REPORT_JOB = 'report.daily';
export const ALERT_RULES_JOB = 'alerts.evaluate';

export function defineDailyReport(agenda: Agenda, deps: { dailyReport: Pick<DailyReportService, 'send' | 'yesterday'>; logger: Logger }): void {
  agenda.define(DAILY_REPORT_JOB, () => correlated(async () => {
    const date = deps.dailyReport.yesterday();
    const { outcome } = await deps.dailyReport.send(date);
    const failed = outcome.deliveries.filter((d) => !d.ok && !d.skipped);
    const line = `daily report ${date}: ${outcome.deliveries.map((d) => `${d.channel} ${d.ok ? 'sent' : d.skipped ? 'not configured' : 'FAILED'}`).join(', ') || 'no channel routed'}`;
    if (failed.length) {
      deps.logger.error({ date, deliveries: outcome.deliveries }, line);
      throw new Error(`${line}: ${failed.map((d) => `${d.channel}: ${d.error}`).join('; ')}`);
    }
    deps.logger.info({ date, deliveries: outcome.deliveries }, line);
  }), { concurrency: 1, lockLimit: 1 });
}

/** The alert rules, with the job store's view of every scheduled job (the jobs rule needs it). */
export function defineAlertRules(agenda: Agenda, deps: { rules: Pick<AlertRules, 'evaluate'>; scheduled: string[]; logger: Logger }): void {
  agenda.define(ALERT_RULES_JOB, () => correlated(async () => {
    const { jobs } = await agenda.queryJobs({ names: deps.scheduled });
    const statuses = jobs.map((j) => ({
      name: j.name, lastRunAt: j.lastRunAt, lastFinishedAt: j.lastFinishedAt, failedAt: j.failedAt, failReason: j.failReason, nextRunAt: j.nextRunAt, lockedAt: j.lockedAt,
    }));
    const transitions = await deps.rules.evaluate({ jobs: { scheduled: deps.scheduled, statuses } });
    for (const t of transitions) deps.logger.info({ rule: t.rule, subject: t.subject, transition: t.kind }, `alert rule ${t.rule} ${t.kind}: ${t.title}`);
  }), { concurrency: 1, lockLimit: 1 });
}
