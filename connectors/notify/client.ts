// The notify connector's client: the channels the notify block configures (email, Slack, Teams, SMS; each in
// its own folder), offered to the reporting module as one Notifier, and the pieces they share: one call through
// the HTTP client with its outcome, and the translation of failures into DeliveryErrors (permanent or not).
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy, type HttpResponse } from '../../platform/http/index.js';
import { REDACT_PATHS, type Logger } from '../../platform/log/index.js';
import { DeliveryError, type NotificationChannel, type Notifier } from '../../subgraphs/reporting/ports.js';
import type { ConnectorHealth } from '../../platform/integrations/index.js';

/** A channel as the connector holds it: the port, plus a reachability probe where its protocol has one. */
export interface NotifyChannel extends NotificationChannel {
  /** Resolves with what was checked; rejects when the service cannot be reached or refuses the credentials. */
  probe?(): Promise<string>;
  /** What health shows when there is no probe (a webhook can only be tested by posting to it). */
  readonly description: string;
}

/** The channels this connector can offer, each when the notify block configures it. */
export const NOTIFY_CHANNELS = ['email', 'slack', 'teams', 'sms'];

export class NotifyClient implements Notifier {
  readonly supported = NOTIFY_CHANNELS;

  constructor(
    readonly system: string,
    readonly channels: NotifyChannel[],
  ) {}

  /** Each probe-able channel is probed; webhooks are listed as configured. Not ok when a probe fails. */
  async health(): Promise<ConnectorHealth> {
    if (this.channels.length === 0) return { name: this.system, ok: true, detail: 'no channel configured: alerts go to the log only', expiresInDays: null };
    const parts = await Promise.all(
      this.channels.map(async (c) => {
        if (!c.probe) return { ok: true, text: `${c.name}: ${c.description}` };
        try {
          return { ok: true, text: `${c.name}: ${await c.probe()}` };
        } catch (err) {
          return { ok: false, text: `${c.name}: ${(err as Error).message}` };
        }
      }),
    );
    return { name: this.system, ok: parts.every((p) => p.ok), detail: parts.map((p) => p.text).join('; '), expiresInDays: null };
  }
}

export interface HttpDeliveryOptions {
  system: string;
  /** `<channel>.<call>`, e.g. slack.incomingWebhook: the integration log's operation. */
  operation: string;
  url: string;
  /** The URL as logs and the integration log may show it (webhook URLs are credentials). */
  shownUrl: string;
  policy?: Partial<HttpPolicy>;
  logger: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
  headers?: Record<string, string>;
  body: string | URLSearchParams;
  /** The service's own words for a refusal (its error body), for the DeliveryError's message. */
  describe?: (err: HttpError) => string;
}

/**
 * One delivery through the HTTP client (retry_config: 429 with Retry-After, 408, 5xx and network errors are
 * retried; other 4xx are final). A client per delivery, so the attempts counted are this message's own.
 */
export async function deliverOverHttp(opts: HttpDeliveryOptions): Promise<{ response: HttpResponse; attempts: number }> {
  let attempts = 0;
  const http = new HttpClient({
    system: opts.system,
    policy: opts.policy,
    // The client's own debug line carries the full URL: a webhook's is its secret.
    logger: opts.logger.child({}, { redact: { paths: [...REDACT_PATHS, 'outcome.url'], censor: '[REDACTED]' } }),
    onOutcome: (o) => {
      attempts = o.attempts;
      opts.onOutcome?.({ ...o, url: opts.shownUrl });
    },
  });
  try {
    const response = await http.request({ method: 'POST', url: opts.url, headers: opts.headers, body: opts.body, operation: opts.operation });
    return { response, attempts };
  } catch (err) {
    if (err instanceof HttpError) {
      const retryable = err.status === 429 || err.status === 408 || err.status >= 500;
      const what = opts.describe?.(err) ?? (err.body.trim().slice(0, 300) || '(empty body)');
      throw new DeliveryError(`HTTP ${err.status}: ${what}`, !retryable, attempts);
    }
    throw new DeliveryError(`${(err as Error).message} (${opts.shownUrl})`, false, attempts);
  }
}

/** A webhook URL is itself the credential: logs and the integration log get its origin and first path segment only. */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    const first = u.pathname.split('/').filter(Boolean)[0];
    return `${u.origin}/${first ? `${first}/` : ''}***`;
  } catch {
    return '(invalid webhook URL)';
  }
}

/** Clips to `max` characters with an ellipsis, so a long text never makes a service refuse the whole message. */
export const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
