// Twilio's Messages resource on loopback: it checks Basic auth against one account, the form parameters and
// Twilio's test "magic numbers" (twilio.com/docs/iam/test-credentials), answers 201 with the message resource or
// 4xx with Twilio's JSON error {code, message, more_info, status}, and records every message it accepted.
// Standalone (tests) or mounted on the sandbox's notify server. `faults` fails on demand (e.g. 429 / 20429).
import { randomBytes } from 'node:crypto';
import { FaultPlan, waitForCount } from '../../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../../sandbox/server.js';
import { SMS_MAX_CHARS, TWILIO_API_VERSION, type TwilioError } from './client.js';

export const TWILIO_SANDBOX = {
  accountSid: `AC${'0'.repeat(31)}1`,
  authToken: 'sandboxtwilioauthtoken0000000000',
  /** Twilio's magic From number that passes all validation. */
  from: '+15005550006',
} as const;

/** Twilio's magic To numbers and the errors they give (test credentials). */
export const MAGIC_TO: Record<string, [number, string]> = {
  '+15005550001': [21211, "The 'To' number +15005550001 is not a valid phone number."],
  '+15005550002': [21612, "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS."],
  '+15005550003': [21408, 'Permission to send an SMS has not been enabled for the region indicated by the \'To\' number: +15005550003.'],
  '+15005550004': [21610, 'Attempt to send to unsubscribed recipient'],
  '+15005550009': [21614, "'To' number is not a valid mobile number"],
};
const MAGIC_FROM: Record<string, [number, string]> = {
  '+15005550001': [21212, "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."],
  '+15005550007': [21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account."],
  '+15005550008': [21611, "This 'From' number has exceeded the maximum number of queued messages."],
};

export interface RecordedSms {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  at: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/** SMS segments: 160 GSM-7 characters alone or 153 when concatenated; 70 / 67 in UCS-2 (any other character). */
function segments(body: string): number {
  const gsm = /^[\x20-\x7e\n\r£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà]*$/.test(body);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  return body.length <= single ? 1 : Math.ceil(body.length / part);
}

const twilioError = (status: number, code: number, message: string): SimResponse => ({
  status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } satisfies TwilioError,
});

export class TwilioSimulator {
  readonly faults = new FaultPlan();
  /** Every message accepted, oldest first. */
  readonly messages: RecordedSms[] = [];
  /** Recipients who replied STOP: 21610 for them, as for the magic number. */
  readonly unsubscribed = new Set<string>();
  private server: SimulatorServer | undefined;

  constructor(private readonly onAccepted?: (m: RecordedSms) => void) {}

  /** Standalone: resolves to the API base URL (in place of https://api.twilio.com). */
  async listen(): Promise<string> {
    this.server = new SimulatorServer('twilio', (req) => this.handle(req) ?? twilioError(404, 20404, 'The requested resource was not found'));
    return this.server.listen();
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  waitFor(count: number, timeoutMs?: number): Promise<RecordedSms[]> {
    return waitForCount(this.messages, count, 'twilio simulator messages', timeoutMs);
  }

  handle(req: SimRequest): SimResponse | undefined {
    const prefix = `/${TWILIO_API_VERSION}/Accounts/`;
    if (!req.path.startsWith(prefix)) return undefined;
    const fault = this.faults.match(req);
    if (fault) return fault;
    const expected = `Basic ${Buffer.from(`${TWILIO_SANDBOX.accountSid}:${TWILIO_SANDBOX.authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return twilioError(401, 20003, 'Authenticate');
    const rest = req.path.slice(prefix.length);
    if (rest === `${TWILIO_SANDBOX.accountSid}.json` && req.method === 'GET') {
      return { status: 200, body: { sid: TWILIO_SANDBOX.accountSid, friendly_name: 'Tsunagi sandbox', status: 'active', type: 'Full' } };
    }
    if (rest !== `${TWILIO_SANDBOX.accountSid}/Messages.json`) return twilioError(404, 20404, 'The requested resource was not found');
    if (req.method !== 'POST') return twilioError(405, 20004, 'Method not allowed');
    return this.createMessage(req);
  }

  private createMessage(req: SimRequest): SimResponse {
    // Twilio reads parameters only from a form body; JSON leaves them all missing.
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(req.body) : new URLSearchParams();
    const to = form.get('To');
    const from = form.get('From');
    const service = form.get('MessagingServiceSid');
    const body = form.get('Body');
    if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(400, 21602, 'Message body is required.');
    if (body.length > SMS_MAX_CHARS) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (from && MAGIC_FROM[from]) return twilioError(400, ...MAGIC_FROM[from]);
    if (from && from !== TWILIO_SANDBOX.from) return twilioError(400, 21606, MAGIC_FROM['+15005550007']![1]);
    if (MAGIC_TO[to]) return twilioError(400, ...MAGIC_TO[to]);
    if (!E164.test(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (this.unsubscribed.has(to)) return twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const now = new Date();
    const recorded: RecordedSms = { sid, to, from, messagingServiceSid: service, body, at: now.toISOString() };
    this.messages.push(recorded);
    this.onAccepted?.(recorded);
    return {
      status: 201,
      body: {
        sid, account_sid: TWILIO_SANDBOX.accountSid, to, from, messaging_service_sid: service, body, status: service ? 'accepted' : 'queued',
        num_segments: String(segments(body)), direction: 'outbound-api', api_version: TWILIO_API_VERSION, price: null,
        price_unit: null, error_code: null, error_message: null, date_created: now.toUTCString().replace('GMT', '+0000'),
        uri: `/${TWILIO_API_VERSION}/Accounts/${TWILIO_SANDBOX.accountSid}/Messages/${sid}.json`,
      },
    };
  }
}
