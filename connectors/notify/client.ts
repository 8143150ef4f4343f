// Operator alerts: a Notifier interface with two sinks, the log (always) and a Slack-compatible incoming
// webhook (when configured). A notifier never rejects: an alert that cannot be delivered is logged, and the
// job that raised it carries on. See README.md for the webhook contract.
import type { Logger } from 'pino';
import { HttpClient, type CallOutcome, type HttpPolicy } from '../../platform/http/index.js';
import { REDACT_PATHS } from '../../platform/log/index.js';

export type AlertSeverity = 'warning' | 'critical';

export interface Alert {
  severity: AlertSeverity;
  title: string;
  text: string;
  runId?: number;
  /** Label → value, shown side by side; Slack shows at most 10. */
  fields?: Record<string, string | number>;
}

export interface Notifier {
  /** Delivers the alert to every sink; never rejects. */
  notify(alert: Alert): Promise<void>;
}

export class LogNotifier implements Notifier {
  constructor(private readonly logger: Logger) {}

  async notify(alert: Alert): Promise<void> {
    const entry = { alert: { severity: alert.severity, runId: alert.runId, fields: alert.fields } };
    const message = `[ALERT] ${alert.title}: ${alert.text}`;
    if (alert.severity === 'critical') this.logger.error(entry, message);
    else this.logger.warn(entry, message);
  }
}

// ---- Slack incoming webhook -------------------------------------------------------------------------

/** Block Kit limits (characters): header text, section text, one section field; at most 10 fields. */
const LIMITS = { header: 150, section: 3000, field: 2000, fields: 10 } as const;

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

/** The JSON body of an incoming-webhook post: `text` is the notification fallback, `blocks` the layout. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Slack reads &, < and > as control characters in mrkdwn; everything else is shown as written. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(alert: Alert): SlackMessage {
  const icon = alert.severity === 'critical' ? ':rotating_light:' : ':warning:';
  const headline = `${icon} ${alert.severity.toUpperCase()}: ${alert.title}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: clip(headline, LIMITS.header), emoji: true } }];
  if (alert.text.trim()) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(alert.text), LIMITS.section) } });
  const fields = Object.entries(alert.fields ?? {})
    .slice(0, LIMITS.fields)
    .map(([label, value]): SlackText => ({ type: 'mrkdwn', text: clip(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(String(value))}`, LIMITS.field) }));
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  const context = alert.runId === undefined ? 'Tsunagi' : `Tsunagi · run #${alert.runId}`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
  return { text: clip(`${headline}\n${alert.text}`, LIMITS.section), blocks };
}

/** The webhook URL is itself the credential: logs and the integration log get its host and first path segment only. */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    const first = u.pathname.split('/').filter(Boolean)[0];
    return `${u.origin}/${first ? `${first}/` : ''}***`;
  } catch {
    return '(invalid webhook URL)';
  }
}

export interface SlackWebhookOptions {
  url: string;
  logger: Logger;
  policy?: Partial<HttpPolicy>;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class SlackWebhookNotifier implements Notifier {
  private readonly http: HttpClient;
  private readonly url: string;
  private readonly logger: Logger;

  constructor(opts: SlackWebhookOptions) {
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw new Error(`notify.auth.slack_webhook_url is not a URL: ${redactWebhookUrl(opts.url)}`);
    }
    if (!/^https?:$/.test(parsed.protocol)) throw new Error(`notify.auth.slack_webhook_url must be http(s), got ${parsed.protocol}`);
    this.url = opts.url;
    this.logger = opts.logger.child({ connector: 'slack' }, { redact: { paths: [...REDACT_PATHS, 'outcome.url'], censor: '[REDACTED]' } });
    const onOutcome = opts.onOutcome;
    this.http = new HttpClient({
      system: 'slack',
      policy: opts.policy,
      logger: this.logger,
      onOutcome: onOutcome && ((o) => onOutcome({ ...o, url: redactWebhookUrl(this.url) })),
    });
  }

  async notify(alert: Alert): Promise<void> {
    try {
      // HttpClient retries 429 (honouring Retry-After) and 5xx; Slack's 4xx answers are final.
      await this.http.request({ method: 'POST', url: this.url, body: slackMessage(alert), operation: 'incomingWebhook' });
    } catch (err) {
      this.logger.error({ err, alert: { title: alert.title, runId: alert.runId } }, 'alert not delivered to the Slack webhook');
    }
  }
}

// ---- the configured set -----------------------------------------------------------------------------

class FanOutNotifier implements Notifier {
  constructor(private readonly sinks: Notifier[]) {}

  async notify(alert: Alert): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.notify(alert)));
  }
}

/**
 * The notifier processes use: the log always, plus the Slack webhook when the notify block of
 * integrations.yaml sets one. `onOutcome` receives each webhook call for the integration log (URL redacted).
 */
export function createNotifier(
  opts: { slackWebhookUrl?: string; policy?: Partial<HttpPolicy> },
  logger: Logger,
  onOutcome?: (outcome: CallOutcome) => void,
): Notifier {
  const sinks: Notifier[] = [new LogNotifier(logger)];
  const url = opts.slackWebhookUrl;
  if (url) sinks.push(new SlackWebhookNotifier({ url, logger, policy: opts.policy, onOutcome }));
  return new FanOutNotifier(sinks);
}
