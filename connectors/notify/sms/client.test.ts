// Contract test: the SMS channel against the Twilio Messages simulator over real HTTP on 127.0.0.1.
import pino from 'pino';
import type { CallOutcome, HttpPolicy } from '../../../platform/http/index.js';
import { DeliveryError, type Notification } from '../../../subgraphs/reporting/ports.js';
import { SMS_MAX_CHARS, SmsChannel, smsBody, maskNumber } from './client.js';
import { TWILIO_SANDBOX, TwilioSimulator } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 10 };
const OPERATOR = '+819012345678';
const alert: Notification = { type: 'rule_fired', severity: 'critical', title: 'amazon unreachable', text: 'health failed for 3 minutes' };

let sim: TwilioSimulator;
let api: string;
let outcomes: CallOutcome[];

beforeEach(async () => {
  sim = new TwilioSimulator();
  api = await sim.listen();
  outcomes = [];
});

afterEach(() => sim.close());

const channel = (opts: { to?: string[]; authToken?: string; from?: string } = {}) =>
  new SmsChannel({
    system: 'notify', api, accountSid: TWILIO_SANDBOX.accountSid, authToken: opts.authToken ?? TWILIO_SANDBOX.authToken,
    from: opts.from ?? TWILIO_SANDBOX.from, to: opts.to ?? [OPERATOR], logger: pino({ enabled: false }), policy, onOutcome: (o) => outcomes.push(o),
  });

it('creates one message per recipient, form-encoded with Basic auth; the sids come back', async () => {
  const receipt = await channel({ to: [OPERATOR, '+14155550100'] }).send(alert);
  expect(receipt.attempts).toBe(2);
  expect(receipt.ids).toEqual(sim.messages.map((m) => m.sid));
  expect(receipt.ids.every((id) => /^SM[0-9a-f]{32}$/.test(id))).toBe(true);
  expect(sim.messages.map((m) => [m.to, m.from, m.body])).toEqual([
    [OPERATOR, TWILIO_SANDBOX.from, 'CRITICAL: amazon unreachable\nhealth failed for 3 minutes'],
    ['+14155550100', TWILIO_SANDBOX.from, 'CRITICAL: amazon unreachable\nhealth failed for 3 minutes'],
  ]);
  expect(outcomes.map((o) => [o.operation, o.status, o.url])).toEqual([
    ['sms.createMessage', 201, `${api}/2010-04-01/Accounts/***/Messages.json`],
    ['sms.createMessage', 201, `${api}/2010-04-01/Accounts/***/Messages.json`],
  ]);
});

it('clips the body to Twilio\'s 1600 characters', () => {
  expect(smsBody({ ...alert, text: 'x'.repeat(5000) })).toHaveLength(SMS_MAX_CHARS);
});

it('does not retry 21211 (invalid number) nor 21610 (unsubscribed): permanent, each named with its number masked', async () => {
  sim.unsubscribed.add(OPERATOR);
  const err = (await channel({ to: ['+15005550001', OPERATOR] }).send(alert).catch((e: unknown) => e)) as DeliveryError;
  expect(err).toBeInstanceOf(DeliveryError);
  expect(err.permanent).toBe(true);
  expect(err.attempts).toBe(2);
  expect(err.message).toBe(
    `2 of 2 recipient(s) not reached: +15*****0001: HTTP 400: Twilio 21211: The 'To' number +15005550001 is not a valid phone number.; ` +
      `${maskNumber(OPERATOR)}: HTTP 400: Twilio 21610: Attempt to send to unsubscribed recipient`,
  );
  expect(outcomes.map((o) => o.attempts)).toEqual([1, 1]);
  expect(sim.messages).toEqual([]);
});

it('retries 20429 after its Retry-After, and a 503; delivers once', async () => {
  sim.faults.add({ path: '/Messages.json', times: 1, response: { status: 429, headers: { 'retry-after': '1' }, body: { code: 20429, message: 'Too Many Requests', status: 429 } } });
  sim.faults.add({ path: '/Messages.json', times: 1, response: { status: 503, body: 'Service Unavailable' } });
  const started = Date.now();
  await expect(channel().send(alert)).resolves.toEqual(expect.objectContaining({ attempts: 3 }));
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  expect(sim.messages).toHaveLength(1);
});

it('one recipient failing does not stop the others: they are reached, the failure is reported', async () => {
  const err = (await channel({ to: ['+15005550009', OPERATOR] }).send(alert).catch((e: unknown) => e)) as DeliveryError;
  expect(err.message).toMatch(/^1 of 2 recipient\(s\) not reached: \+15\*+0009: HTTP 400: Twilio 21614/);
  expect(sim.messages.map((m) => m.to)).toEqual([OPERATOR]);
});

it('wrong credentials: 20003 Authenticate, final', async () => {
  await expect(channel({ authToken: 'wrong' }).send(alert)).rejects.toEqual(
    expect.objectContaining({ permanent: true, message: expect.stringContaining('HTTP 401: Twilio 20003: Authenticate') }),
  );
});

it('a From number the account does not own is refused (21606)', async () => {
  await expect(channel({ from: '+14155550199' }).send(alert)).rejects.toEqual(expect.objectContaining({ message: expect.stringContaining('Twilio 21606') }));
});

it('probe fetches the account: active with good credentials, the refusal otherwise', async () => {
  await expect(channel().probe()).resolves.toBe('Twilio account active');
  await expect(channel({ authToken: 'wrong' }).probe()).rejects.toThrow('HTTP 401: Twilio 20003: Authenticate');
});

it('the simulator reads only form bodies and Twilio\'s required parameters', async () => {
  const auth = `Basic ${Buffer.from(`${TWILIO_SANDBOX.accountSid}:${TWILIO_SANDBOX.authToken}`).toString('base64')}`;
  const post = (body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(`${api}/2010-04-01/Accounts/${TWILIO_SANDBOX.accountSid}/Messages.json`, { method: 'POST', headers: { authorization: auth, 'content-type': type }, body })
      .then(async (r) => [r.status, ((await r.json()) as { code: number }).code]);
  expect(await post(JSON.stringify({ To: OPERATOR, From: TWILIO_SANDBOX.from, Body: 'x' }), 'application/json')).toEqual([400, 21604]);
  expect(await post(new URLSearchParams({ To: OPERATOR, Body: 'x' }).toString())).toEqual([400, 21603]);
  expect(await post(new URLSearchParams({ To: OPERATOR, From: TWILIO_SANDBOX.from }).toString())).toEqual([400, 21602]);
  expect(await post(new URLSearchParams({ To: OPERATOR, From: TWILIO_SANDBOX.from, Body: 'x'.repeat(1601) }).toString())).toEqual([400, 21617]);
  expect(await post(new URLSearchParams({ To: '090-1234-5678', From: TWILIO_SANDBOX.from, Body: 'x' }).toString())).toEqual([400, 21211]);
  expect(sim.messages).toEqual([]);
});
