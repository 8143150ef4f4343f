// The daily report: what happened on one day (in the configured timezone) and what still needs a person. It reads
// each module through its public API: the inventory's run activity, the integration log, the systems' health
// (credential expiry), the alert rules' states. Sections for orders, sales and prices join when those modules
// hold data; until then the report leaves them out rather than show empty tables.
import { DateTime } from 'luxon';
import type { Database } from '../../../platform/db/index.js';
import type { NotificationsConfig } from '../../../platform/config/index.js';
import { InvalidInputError } from '../../../platform/errors.js';
import type { ConnectorHealth } from '../../../platform/integrations/index.js';
import type { ChangesByHour, FailingItem, RunActivity, RunSummary } from '../../inventory/services/activity.js';
import { AlertState } from '../entities/alert-state.js';
import type { CallStats, ReportingService } from '../service.js';
import type { AlertOutcome, AlertService } from './alerts.js';
import { callsChart, changesChart, type Chart } from './chart.js';
import { renderReport, summaryLine } from './daily-report-render.js';

/** Runs listed one by one; a busier day lists the first ones and counts the rest. */
const RUNS_LISTED = 50;

export interface DailyReport {
  /** The day reported, YYYY-MM-DD in `timezone`. */
  date: string;
  timezone: string;
  from: Date;
  to: Date;
  generatedAt: Date;
  company: string;
  /** Runs that changed (or tried to change) stock, by status. */
  runsByStatus: Record<string, number>;
  dryRuns: number;
  runs: RunSummary[];
  /** Runs started that day beyond those listed. */
  moreRuns: number;
  changesPerChannel: { channel: string; applied: number; failed: number }[];
  changesByHour: ChangesByHour[];
  /** Applied runs that ended FAILED, PARTIAL or INTERRUPTED. */
  failedRuns: RunSummary[];
  /** Items whose latest change (up to the report's end) still failed. */
  stillFailing: { total: number; items: FailingItem[] };
  /** Alert rules firing now. */
  activeAlerts: { rule: string; subject: string; title: string; since: Date }[];
  credentials: { system: string; days: number; expiresAt: Date | null; detail: string }[];
  credentialDays: number;
  calls: CallStats[];
}

export interface RenderedReport {
  subject: string;
  html: string;
  text: string;
  charts: Chart[];
}

export interface DailyReportDeps {
  db: Database;
  activity: RunActivity;
  reporting: Pick<ReportingService, 'callStats'>;
  /** Every configured system's health (its credential expiry). */
  health: () => Promise<ConnectorHealth[]>;
  alerts: Pick<AlertService, 'sendAlert' | 'render'>;
  config: NotificationsConfig;
  timezone: string;
}

export class DailyReportService {
  constructor(private readonly deps: DailyReportDeps) {}

  /** Yesterday in the configured timezone, as YYYY-MM-DD. */
  yesterday(now = new Date()): string {
    return DateTime.fromJSDate(now, { zone: this.deps.timezone }).minus({ days: 1 }).toISODate()!;
  }

  async build(date: string, now = new Date()): Promise<DailyReport> {
    const day = DateTime.fromISO(date, { zone: this.deps.timezone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !day.isValid) throw new InvalidInputError('date', `date: "${date}" is not a date (YYYY-MM-DD)`);
    const from = day.startOf('day').toJSDate();
    const to = day.plus({ days: 1 }).startOf('day').toJSDate();
    if (from > now) throw new InvalidInputError('date', `date: ${date} has not begun yet in ${this.deps.timezone}`);
    const { activity, reporting, config } = this.deps;
    const [counts, runs, failedRuns, changesByHour, stillFailing, calls, health, firing] = await Promise.all([
      activity.runCounts(from, to),
      activity.runsBetween(from, to, { limit: RUNS_LISTED }),
      activity.runsBetween(from, to, { limit: RUNS_LISTED, statuses: ['FAILED', 'PARTIAL', 'INTERRUPTED'], appliedOnly: true }),
      activity.changesByHour(from, to, this.deps.timezone),
      activity.stillFailing(to < now ? to : now),
      reporting.callStats(from, to),
      this.deps.health(),
      this.deps.db.em().find(AlertState, { firing: true }, { orderBy: { since: 'asc' } }),
    ]);
    const runsByStatus: Record<string, number> = {};
    for (const c of counts) if (!c.dryRun) runsByStatus[c.status] = (runsByStatus[c.status] ?? 0) + c.count;
    const total = counts.reduce((s, c) => s + c.count, 0);
    const perChannel = new Map<string, { applied: number; failed: number }>();
    for (const c of changesByHour) {
      const sum = perChannel.get(c.channel) ?? { applied: 0, failed: 0 };
      perChannel.set(c.channel, { applied: sum.applied + c.applied, failed: sum.failed + c.failed });
    }
    const credentialDays = config.daily_report.credential_days;
    return {
      date: day.toISODate()!, timezone: this.deps.timezone, from, to, generatedAt: now, company: config.company,
      runsByStatus, dryRuns: counts.filter((c) => c.dryRun).reduce((s, c) => s + c.count, 0),
      runs, moreRuns: Math.max(0, total - runs.length),
      changesPerChannel: [...perChannel].map(([channel, c]) => ({ channel, ...c })).sort((a, b) => a.channel.localeCompare(b.channel)),
      changesByHour,
      failedRuns,
      stillFailing,
      activeAlerts: firing.map((s) => ({ rule: s.rule, subject: s.subject, title: s.title, since: s.since })),
      credentials: health
        .filter((h) => h.expiresInDays !== null && h.expiresInDays <= credentialDays)
        .map((h) => ({ system: h.name, days: h.expiresInDays!, expiresAt: h.expiresAt ?? null, detail: h.detail }))
        .sort((a, b) => a.days - b.days),
      credentialDays,
      calls,
    };
  }

  /** The mail: subject from the daily_report template, HTML and text, the charts (by Content-ID, or inlined as data URIs for a file). */
  async render(report: DailyReport, images: 'cid' | 'inline' = 'cid'): Promise<RenderedReport> {
    const charts = [
      await changesChart(report.changesByHour.map((c) => ({ channel: c.channel, hour: c.hour, applied: c.applied })), report.timezone),
      await callsChart(report.calls),
    ];
    const { title } = this.deps.alerts.render('daily_report', this.vars(report));
    const { html, text } = renderReport(report, { title, charts, images, languages: this.deps.config.languages });
    return { subject: title, html, text, charts };
  }

  /** Builds, renders and sends the report the way routing says (daily_report: email by default). */
  async send(date: string): Promise<{ report: DailyReport; rendered: RenderedReport; outcome: AlertOutcome }> {
    const report = await this.build(date);
    const rendered = await this.render(report, 'cid');
    const outcome = await this.deps.alerts.sendAlert({
      type: 'daily_report', severity: 'info', vars: this.vars(report), throttle: false,
      document: { html: rendered.html, text: rendered.text },
      attachments: rendered.charts.map((c) => ({ filename: c.filename, contentType: 'image/png', content: c.png, cid: c.cid })),
    });
    return { report, rendered, outcome };
  }

  private vars(report: DailyReport): Record<string, string> {
    return { date: report.date, summary_ja: summaryLine(report, 'ja'), summary_en: summaryLine(report, 'en') };
  }
}
