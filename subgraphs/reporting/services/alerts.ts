// The one send_alert path: every alert (the worker's, the sync's, the alert rules', the CLI's) is rendered from
// its type's template in the configured languages, routed by type or severity to channels, held back when an
// identical one went out inside the throttle window, logged, and delivered on each channel independently: a
// channel that fails or hangs in its retries never keeps the others from delivering.
import { createHash } from 'node:crypto';
import type { Database } from '../../../platform/db/index.js';
import { ConfigError, type NotificationsConfig } from '../../../platform/config/index.js';
import { InvalidInputError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/log/index.js';
import { DeliveryError, type Notification, type NotificationAttachment, type NotificationChannel, type Severity } from '../ports.js';

/** Variables every template may use. */
const COMMON_VARS = ['message', 'company', 'type', 'severity'];

/** The alert types Tsunagi sends, with the variables each brings for its templates. */
export const ALERT_TYPES: Record<string, string[]> = {
  test: [],
  sync_run_partial: ['run_id', 'status', 'updates', 'failed', 'errors', 'failures'],
  sync_run_failed: ['run_id', 'status', 'updates', 'failed', 'errors', 'failures'],
  sync_skipped: [],
  sync_not_started: [],
  job_failed: ['job'],
  daily_report: ['date', 'summary_ja', 'summary_en'],
  error_rate: ['system', 'rate', 'failed', 'calls', 'minutes', 'threshold', 'last_error'],
  unreachable: ['system', 'detail'],
  job_missed: ['job', 'problem_ja', 'problem_en', 'detail'],
  credential_expiring: ['system', 'days', 'expires_at', 'detail'],
  disk_space: ['dir', 'path', 'free_mb', 'free_percent', 'min_free_mb', 'min_free_percent'],
  alert_resolved: ['alert', 'since', 'duration'],
  price_changes_held: ['run_id', 'count', 'changes'],
  /** An order webhook or call out (the OMS, tracking back) that became a dead letter. */
  order_failed: ['id', 'kind', 'order', 'system'],
};

const HELD_BACK = {
  ja: (n: number) => `(前回の送信以降、同じ通知を ${n} 件抑制しました)`,
  en: (n: number) => `(${n} identical alert${n === 1 ? '' : 's'} held back since the last one was sent)`,
};

/** Throttle rows of alerts not seen for this long are forgotten. */
const THROTTLE_KEEP_DAYS = 7;

export interface AlertRequest {
  type: string;
  severity: Severity;
  /** Free text: {message} in the templates. */
  message?: string;
  /** The type's template variables (ALERT_TYPES). */
  vars?: Record<string, string | number>;
  /** Label → value, shown side by side where the channel can. */
  fields?: Record<string, string | number>;
  /** These channels instead of the routing's. */
  channels?: string[];
  /** A whole document (HTML and plain text) and its attachments, for the channels that take them (mail). */
  document?: { html: string; text: string };
  attachments?: NotificationAttachment[];
  /** false: not held back by the throttle (reports, tests, alert rules, which have windows of their own). */
  throttle?: boolean;
  runId?: number;
}

export interface ChannelDelivery {
  channel: string;
  ok: boolean;
  /** Routed or asked for, but the notify block leaves it unconfigured: nothing was sent. */
  skipped?: boolean;
  attempts: number;
  ids?: string[];
  error?: string;
  /** A failure retrying cannot fix (a bad number, an archived channel, a message too large). */
  permanent?: boolean;
}

export interface AlertOutcome {
  type: string;
  severity: Severity;
  title: string;
  text: string;
  channels: string[];
  /** Held back: an identical alert went out inside the throttle window. Nothing was delivered. */
  throttled: boolean;
  /** Identical alerts held back before this one (said in its text). */
  heldBack: number;
  deliveries: ChannelDelivery[];
}

export interface AlertServiceDeps {
  db: Database;
  logger: Logger;
  config: NotificationsConfig;
  /** The configured channels of every notification connector. */
  channels: NotificationChannel[];
  /** Every channel name the connectors know, configured or not. */
  supported: string[];
}

const PLACEHOLDER = /\{([a-z_]+)\}/g;

export class AlertService {
  private readonly channels = new Map<string, NotificationChannel>();

  constructor(private readonly deps: AlertServiceDeps) {
    for (const c of deps.channels) {
      if (this.channels.has(c.name)) throw new ConfigError(`notify: two systems offer the channel "${c.name}"; keep one`);
      this.channels.set(c.name, c);
    }
    checkConfig(deps.config, deps.supported);
  }

  /** The configured channels' names. */
  get configured(): string[] {
    return [...this.channels.keys()];
  }

  /** The channel names routing and --channels may use. */
  get supported(): string[] {
    return this.deps.supported;
  }

  /** Where an alert of this type and severity goes: its type's route, else its severity's. */
  route(type: string, severity: Severity): string[] {
    const routing = this.deps.config.routing;
    return routing.types[type] ?? routing.severity[severity];
  }

  /** Title (first language) and text (a paragraph per language) of an alert. */
  render(type: string, given: Record<string, string | number>): { title: string; text: string } {
    const { templates, languages, company } = this.deps.config;
    const vars: Record<string, string | number> = { company, type, ...given };
    const template = templates[type] ?? templates.default!;
    const fill = (s: string) => s.replace(PLACEHOLDER, (_m, name: string) => (vars[name] === undefined ? '' : String(vars[name]))).trim();
    const texts = [...new Set(languages.map((l) => fill(template[l].text)).filter(Boolean))];
    return { title: fill(template[languages[0]!].title), text: texts.join('\n\n') };
  }

  /** send_alert(type, message, severity, channels): never rejects for a delivery; bad input (unknown type or channel) does. */
  async sendAlert(req: AlertRequest): Promise<AlertOutcome> {
    if (!Object.hasOwn(ALERT_TYPES, req.type)) throw new InvalidInputError('type', `type: no alert type "${req.type}" (known: ${Object.keys(ALERT_TYPES).join(', ')})`);
    const unknown = (req.channels ?? []).filter((c) => !this.supported.includes(c));
    if (unknown.length) throw new InvalidInputError('channels', `channels: no channel ${unknown.join(', ')} (known: ${this.supported.join(', ')})`);
    const { company, languages } = this.deps.config;
    const vars = { ...req.vars, message: req.message ?? '', company, type: req.type, severity: req.severity };
    const rendered = this.render(req.type, vars);
    const channels = [...new Set(req.channels ?? this.route(req.type, req.severity))];
    const base = { type: req.type, severity: req.severity, title: rendered.title, channels };

    let heldBack = 0;
    if (req.throttle !== false) {
      const fingerprint = createHash('sha256').update(JSON.stringify([req.type, req.severity, channels, rendered.title, rendered.text])).digest('hex');
      const decision = await this.throttle(fingerprint, req.type);
      if (!decision.send) {
        this.deps.logger.info({ alert: { type: req.type, severity: req.severity } }, `[ALERT held back] ${rendered.title} (identical alert sent within ${this.deps.config.throttle.window_minutes} min)`);
        return { ...base, text: rendered.text, throttled: true, heldBack: 0, deliveries: [] };
      }
      heldBack = decision.carried;
    }
    const text = heldBack > 0 ? `${rendered.text}\n\n${languages.map((l) => HELD_BACK[l](heldBack)).join('\n')}` : rendered.text;
    const notification: Notification = {
      type: req.type, severity: req.severity, title: rendered.title, text,
      fields: Object.entries(req.fields ?? {}).map(([k, v]): [string, string] => [k, String(v)]),
      footer: `${company} · Tsunagi${req.runId === undefined ? '' : ` · run #${req.runId}`}`,
      document: req.document, attachments: req.attachments,
    };
    const entry = { alert: { type: req.type, severity: req.severity, channels, runId: req.runId } };
    const line = `[ALERT] ${rendered.title}: ${text}`;
    if (req.severity === 'critical') this.deps.logger.error(entry, line);
    else if (req.severity === 'warning') this.deps.logger.warn(entry, line);
    else this.deps.logger.info(entry, line);

    const deliveries = await Promise.all(channels.map((name) => this.deliver(name, notification)));
    return { ...base, text, throttled: false, heldBack, deliveries };
  }

  private async deliver(name: string, n: Notification): Promise<ChannelDelivery> {
    const channel = this.channels.get(name);
    if (!channel) return { channel: name, ok: false, skipped: true, attempts: 0, error: 'not configured (the notify block in integrations.yaml)' };
    try {
      const r = await channel.send(n);
      return { channel: name, ok: true, attempts: r.attempts, ids: r.ids };
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, false, 0);
      this.deps.logger.error({ channel: name, alert: { type: n.type }, error: e.message, permanent: e.permanent }, `alert not delivered to ${name}: ${e.message}`);
      return { channel: name, ok: false, attempts: e.attempts, error: e.message, permanent: e.permanent };
    }
  }

  /**
   * One statement decides, whichever process asks: send when this text was not sent inside the window (and say
   * how many were held back before), else count it. Alerts matter most when things are broken: if the database
   * cannot answer, the alert is sent.
   */
  private async throttle(fingerprint: string, type: string): Promise<{ send: boolean; carried: number }> {
    const windowSeconds = this.deps.config.throttle.window_minutes * 60;
    const expired = 't.sent_at <= now() - make_interval(secs => ?)';
    try {
      const em = this.deps.db.em();
      await em.execute('delete from alert_throttle where sent_at < now() - make_interval(days => ?)', [THROTTLE_KEEP_DAYS]);
      const [row] = await em.execute<{ send: boolean; carried: number }[]>(
        `insert into alert_throttle as t (fingerprint, type, sent_at, suppressed, carried) values (?, ?, now(), 0, 0)
         on conflict (fingerprint) do update set
           carried = case when ${expired} then t.suppressed else t.carried end,
           suppressed = case when ${expired} then 0 else t.suppressed + 1 end,
           sent_at = case when ${expired} then now() else t.sent_at end
         returning sent_at = now() as send, carried`,
        [fingerprint, type, windowSeconds, windowSeconds, windowSeconds],
      );
      return { send: Boolean(row?.send), carried: Number(row?.carried ?? 0) };
    } catch (err) {
      this.deps.logger.warn({ err }, 'alert throttle unavailable (database); sending the alert anyway');
      return { send: true, carried: 0 };
    }
  }
}

/** Templates name known types and only their variables; routing names only channels the connectors know. */
function checkConfig(config: NotificationsConfig, supported: string[]): void {
  const problems: string[] = [];
  for (const [type, byLanguage] of Object.entries(config.templates)) {
    const allowed = type === 'default' ? COMMON_VARS : ALERT_TYPES[type] && [...COMMON_VARS, ...ALERT_TYPES[type]!];
    if (!allowed) {
      problems.push(`notifications.templates.${type}: no alert type "${type}" (known: ${Object.keys(ALERT_TYPES).join(', ')})`);
      continue;
    }
    for (const [language, template] of Object.entries(byLanguage)) {
      for (const [part, text] of Object.entries(template)) {
        for (const [, name] of text.matchAll(PLACEHOLDER)) {
          if (!allowed.includes(name!)) problems.push(`notifications.templates.${type}.${language}.${part}: unknown placeholder {${name}} (this type has: ${allowed.join(', ')})`);
        }
      }
    }
  }
  const routes = [...Object.entries(config.routing.severity).map(([k, v]) => [`severity.${k}`, v] as const), ...Object.entries(config.routing.types).map(([k, v]) => [`types.${k}`, v] as const)];
  // No notification system at all: alerts go to the log, and routes name nothing to check against.
  for (const [key, channels] of supported.length ? routes : []) {
    for (const c of channels) if (!supported.includes(c)) problems.push(`notifications.routing.${key}: no channel "${c}" (known: ${supported.join(', ')})`);
  }
  for (const type of Object.keys(config.routing.types)) {
    if (!Object.hasOwn(ALERT_TYPES, type)) problems.push(`notifications.routing.types.${type}: no alert type "${type}"`);
  }
  if (problems.length) throw new ConfigError(problems.map((p) => `config: ${p}`).join('\n'));
}
