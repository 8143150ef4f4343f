// The alert rules (config/notifications.yaml `rules`), evaluated by the job worker every minute: each condition
// that turns true sends one alert, again after the rule's re-fire window while it stays true, and a resolved
// message when it clears. The state is in the database (alert_state), and every transition is one conditional
// statement, so two evaluations at once (two workers) never send the same alert twice.
import type { Database } from '../../../platform/db/index.js';
import type { NotificationsConfig } from '../../../platform/config/index.js';
import type { ConnectorHealth } from '../../../platform/integrations/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { formatTime } from '../../../platform/time.js';
import type { Severity } from '../ports.js';
import type { ReportingService } from '../service.js';
import type { AlertService } from './alerts.js';
import { credentialExpiry, diskSpace, errorRate, jobs, RULE_ALERT_TYPES, unreachable, type Check, type JobStatus, type RuleName, type RuleResult } from './alert-conditions.js';

export type { JobStatus } from './alert-conditions.js';

export interface AlertRulesDeps {
  db: Database;
  alerts: Pick<AlertService, 'sendAlert' | 'render' | 'route'>;
  reporting: Pick<ReportingService, 'callStats'>;
  /** Every configured system's health. */
  health: () => Promise<ConnectorHealth[]>;
  /** The data and log directories whose free space is watched. */
  dirs: { dir: string; path: string }[];
  config: NotificationsConfig['rules'];
  timezone: string;
  logger: Logger;
}

export interface Transition {
  rule: RuleName;
  subject: string;
  /** fired: turned true; refired: still true after the window; resolved: cleared. */
  kind: 'fired' | 'refired' | 'resolved';
  title: string;
}

export interface FiringAlert {
  rule: string;
  subject: string;
  title: string;
  since: Date;
  lastFiredAt: Date;
  fireCount: number;
}

export class AlertRules {
  constructor(private readonly deps: AlertRulesDeps) {}

  /**
   * Checks every enabled rule and sends what changed. `jobs` is the job store's view of the scheduled jobs (the
   * worker has it); without it the jobs rule is left as it stands. A rule that cannot be checked (its source
   * unavailable) is logged and keeps its state.
   */
  async evaluate(opts: { jobs?: { scheduled: string[]; statuses: JobStatus[] }; now?: Date } = {}): Promise<Transition[]> {
    const now = opts.now ?? new Date();
    const { config } = this.deps;
    let health: Promise<ConnectorHealth[]> | undefined;
    const healthOnce = () => (health ??= this.deps.health());
    const checks: [RuleName, () => Promise<RuleResult>][] = [
      // The window ends a millisecond after now: a call recorded in the same millisecond belongs to it.
      ['error_rate', async () => errorRate(config.error_rate, await this.deps.reporting.callStats(new Date(now.getTime() - config.error_rate.minutes * 60_000), new Date(now.getTime() + 1)))],
      ['unreachable', async () => unreachable(await healthOnce())],
      ['credential_expiry', async () => credentialExpiry(config.credential_expiry, await healthOnce(), this.deps.timezone)],
      ['disk_space', () => diskSpace(config.disk_space, this.deps.dirs)],
    ];
    const j = opts.jobs;
    if (j) checks.push(['jobs', async () => jobs(config.jobs, j.scheduled, j.statuses, now, this.deps.timezone)]);
    const transitions: Transition[] = [];
    for (const [rule, check] of checks) {
      if (!config[rule].enabled) {
        transitions.push(...(await this.resolveAll(rule, new Set())));
        continue;
      }
      let result: RuleResult;
      try {
        result = await check();
      } catch (err) {
        this.deps.logger.warn({ err, rule }, `alert rule ${rule} could not be checked; its alerts keep their state`);
        continue;
      }
      for (const c of result.checks) {
        const t = c.holds ? await this.fire(rule, c) : await this.resolve(rule, c.subject);
        if (t) transitions.push(t);
      }
      if (result.complete) transitions.push(...(await this.resolveAll(rule, new Set(result.checks.map((c) => c.subject)))));
    }
    return transitions;
  }

  /** Alerts firing now, oldest first. */
  async firing(): Promise<FiringAlert[]> {
    const rows = await this.deps.db.em().execute<{ rule: string; subject: string; title: string; since: Date; last_fired_at: Date; fire_count: number }[]>(
      'select rule, subject, title, since, last_fired_at, fire_count from alert_state where firing order by since, rule, subject',
    );
    return rows.map((r) => ({ rule: r.rule, subject: r.subject, title: r.title, since: new Date(r.since), lastFiredAt: new Date(r.last_fired_at), fireCount: Number(r.fire_count) }));
  }

  private async fire(rule: RuleName, c: Check): Promise<Transition | undefined> {
    const type = RULE_ALERT_TYPES[rule];
    const severity = this.deps.config[rule].severity as Severity;
    const { title } = this.deps.alerts.render(type, c.vars ?? {});
    const channels = this.deps.alerts.route(type, severity);
    const [row] = await this.deps.db.em().execute<{ fire_count: number; since: Date }[]>(
      `insert into alert_state as s (rule, subject, firing, since, last_fired_at, fire_count, resolved_at, title, channels)
       values (?, ?, true, now(), now(), 1, null, ?, ?::jsonb)
       on conflict (rule, subject) do update set
         since = case when s.firing then s.since else now() end,
         fire_count = case when s.firing then s.fire_count + 1 else 1 end,
         firing = true, last_fired_at = now(), resolved_at = null, title = excluded.title, channels = excluded.channels
       where not s.firing or s.last_fired_at <= now() - make_interval(secs => ?)
       returning fire_count, since`,
      [rule, c.subject, title, JSON.stringify(channels), this.deps.config[rule].refire_minutes * 60],
    );
    if (!row) return undefined;
    const count = Number(row.fire_count);
    const since = formatTime(new Date(row.since), this.deps.timezone);
    await this.deps.alerts.sendAlert({
      type, severity, vars: c.vars, channels, throttle: false,
      fields: { ...c.fields, ...(count > 1 ? { Since: since, Alerts: count } : {}) },
    });
    return { rule, subject: c.subject, kind: count > 1 ? 'refired' : 'fired', title };
  }

  private async resolve(rule: RuleName, subject: string): Promise<Transition | undefined> {
    const [row] = await this.deps.db.em().execute<{ since: Date; title: string; channels: string[] }[]>(
      'update alert_state set firing = false, resolved_at = now() where rule = ? and subject = ? and firing returning since, title, channels',
      [rule, subject],
    );
    if (!row) return undefined;
    const since = new Date(row.since);
    const minutes = Math.max(1, Math.round((Date.now() - since.getTime()) / 60_000));
    await this.deps.alerts.sendAlert({
      type: 'alert_resolved', severity: 'info', channels: row.channels, throttle: false,
      vars: { alert: row.title, since: formatTime(since, this.deps.timezone), duration: `${minutes} min` },
    });
    return { rule, subject, kind: 'resolved', title: row.title };
  }

  /** Resolves the rule's firing subjects not in `keep` (gone from config, or the rule switched off). */
  private async resolveAll(rule: RuleName, keep: Set<string>): Promise<Transition[]> {
    const rows = await this.deps.db.em().execute<{ subject: string }[]>('select subject from alert_state where rule = ? and firing', [rule]);
    const out: Transition[] = [];
    for (const { subject } of rows) {
      if (keep.has(subject)) continue;
      const t = await this.resolve(rule, subject);
      if (t) out.push(t);
    }
    return out;
  }
}
