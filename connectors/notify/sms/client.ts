// SMS through Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded,
// HTTP Basic (AccountSid:AuthToken), one message per recipient. Twilio's error body {code, message} says what went
// wrong: 20429 (HTTP 429, Retry-After) is retried; 21211 (bad number) and 21610 (recipient unsubscribed) and the
// other 4xx are not. See ../README.md.
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy } from '../../../platform/http/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { DeliveryError, type DeliveryReceipt, type Notification } from '../../../subgraphs/reporting/ports.js';
import { clip, deliverOverHttp, type NotifyChannel } from '../client.js';

/** Twilio's longest Body. */
export const SMS_MAX_CHARS = 1600;
export const TWILIO_API_VERSION = '2010-04-01';

export interface TwilioError {
  code: number;
  message: string;
  more_info?: string;
  status: number;
}

export interface SmsChannelOptions {
  system: string;
  /** https://api.twilio.com, or the simulator. */
  api: string;
  accountSid: string;
  authToken: string;
  /** A Twilio number (E.164) or, instead, a Messaging Service. */
  from?: string;
  messagingServiceSid?: string;
  to: string[];
  logger: Logger;
  policy?: Partial<HttpPolicy>;
  onOutcome?: (outcome: CallOutcome) => void;
}

/** +81******5678: enough to tell the operators' numbers apart in logs, not enough to call one. */
export const maskNumber = (n: string) => (n.length > 6 ? `${n.slice(0, 3)}${'*'.repeat(n.length - 7)}${n.slice(-4)}` : '***');

export const smsBody = (n: Notification) => clip(`${n.severity.toUpperCase()}: ${n.title}\n${n.text}`.trim(), SMS_MAX_CHARS);

/** Twilio's own words for a refusal: its error code and message, when the body is its JSON error. */
function describe(err: HttpError): string {
  try {
    const body = JSON.parse(err.body) as Partial<TwilioError>;
    if (typeof body.code === 'number') return `Twilio ${body.code}: ${body.message ?? ''}`.trim();
  } catch {
    // not JSON: the raw body below
  }
  return err.body.slice(0, 300) || '(empty body)';
}

export class SmsChannel implements NotifyChannel {
  readonly name = 'sms';
  readonly description = 'Twilio account';

  constructor(private readonly opts: SmsChannelOptions) {}

  private get auth(): string {
    return `Basic ${Buffer.from(`${this.opts.accountSid}:${this.opts.authToken}`).toString('base64')}`;
  }

  private get accountUrl(): string {
    return `${this.opts.api.replace(/\/$/, '')}/${TWILIO_API_VERSION}/Accounts/${encodeURIComponent(this.opts.accountSid)}`;
  }

  /** The account URL with the SID left out, for logs. */
  private get shownAccountUrl(): string {
    return `${new URL(this.opts.api).origin}/${TWILIO_API_VERSION}/Accounts/***`;
  }

  /** One message per recipient; rejects when any recipient was not reached (permanent only if every failure is). */
  async send(n: Notification): Promise<DeliveryReceipt> {
    const ids: string[] = [];
    const failures: DeliveryError[] = [];
    let attempts = 0;
    for (const to of this.opts.to) {
      const form = new URLSearchParams({ To: to, Body: smsBody(n) });
      if (this.opts.messagingServiceSid) form.set('MessagingServiceSid', this.opts.messagingServiceSid);
      else form.set('From', this.opts.from!);
      try {
        const { response, attempts: a } = await deliverOverHttp({
          system: this.opts.system, operation: 'sms.createMessage', url: `${this.accountUrl}/Messages.json`,
          shownUrl: `${this.shownAccountUrl}/Messages.json`,
          policy: this.opts.policy, logger: this.opts.logger, onOutcome: this.opts.onOutcome,
          headers: { authorization: this.auth }, body: form, describe,
        });
        attempts += a;
        ids.push(response.json<{ sid: string }>().sid);
      } catch (err) {
        const e = err as DeliveryError;
        attempts += e.attempts;
        failures.push(new DeliveryError(`${maskNumber(to)}: ${e.message}`, e.permanent, e.attempts));
      }
    }
    if (failures.length > 0) {
      const summary = `${failures.length} of ${this.opts.to.length} recipient(s) not reached: ${failures.map((f) => f.message).join('; ')}`;
      throw new DeliveryError(summary, failures.every((f) => f.permanent), attempts);
    }
    return { ids, attempts };
  }

  /** Fetches the account: the credentials work and the account is active. */
  async probe(): Promise<string> {
    const onOutcome = this.opts.onOutcome;
    const http = new HttpClient({
      system: this.opts.system, policy: { ...this.opts.policy, retries: 0 }, logger: this.opts.logger,
      onOutcome: onOutcome && ((o) => onOutcome({ ...o, url: `${this.shownAccountUrl}.json` })),
    });
    try {
      const res = await http.request({ url: `${this.accountUrl}.json`, headers: { authorization: this.auth }, operation: 'sms.fetchAccount' });
      const status = res.json<{ status?: string }>().status;
      if (status !== 'active') throw new Error(`the Twilio account is ${status ?? 'in an unknown state'}`);
      return 'Twilio account active';
    } catch (err) {
      if (err instanceof HttpError) throw new Error(`HTTP ${err.status}: ${describe(err)}`);
      throw err;
    }
  }
}
