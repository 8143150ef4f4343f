// The reporting jobs: the daily report at its configured time (yesterday's, in the configured timezone) and the
// alert rules' evaluation. Each runs on one worker at a time (Agenda's lock); a failure is logged and recorded
// on the job, and the next occurrence runs as usual.
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { DailyReportService } from '../subgraphs/reporting/services/daily-report.js';

export const DAILY_REPORT_JOB = 'report.daily';

export function defineDailyReport(agenda: Agenda, deps: { dailyReport: Pick<DailyReportService, 'send' | 'yesterday'>; logger: Logger }): void {
  agenda.define(DAILY_REPORT_JOB, async () => {
    const date = deps.dailyReport.yesterday();
    const { outcome } = await deps.dailyReport.send(date);
    const failed = outcome.deliveries.filter((d) => !d.ok && !d.skipped);
    const line = `daily report ${date}: ${outcome.deliveries.map((d) => `${d.channel} ${d.ok ? 'sent' : d.skipped ? 'not configured' : 'FAILED'}`).join(', ') || 'no channel routed'}`;
    if (failed.length) {
      deps.logger.error({ date, deliveries: outcome.deliveries }, line);
      throw new Error(`${line}: ${failed.map((d) => `${d.channel}: ${d.error}`).join('; ')}`);
    }
    deps.logger.info({ date, deliveries: outcome.deliveries }, line);
  }, { concurrency: 1, lockLimit: 1 });
}
