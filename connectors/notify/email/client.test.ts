// Contract test: the email channel against a real SMTP server (smtp-server) on 127.0.0.1: STARTTLS verified
// against the sandbox certificate, AUTH, a text and an HTML part, an inline image by Content-ID.
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import sharp from 'sharp';
import { SMTPServer } from 'smtp-server';
import type { CallOutcome, HttpPolicy } from '../../../platform/http/index.js';
import { DeliveryError, type Notification } from '../../../subgraphs/reporting/ports.js';
import { EmailChannel, type EmailChannelOptions } from './client.js';
import { SANDBOX_TLS, SMTP_SANDBOX, SmtpSimulator } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 10 };
const TO = ['ops@example.com', 'manager@example.com'];

let smtp: SmtpSimulator;
let outcomes: CallOutcome[];
const opened: EmailChannel[] = [];

beforeEach(async () => {
  smtp = new SmtpSimulator();
  await smtp.listen();
  outcomes = [];
});

afterEach(async () => {
  for (const c of opened.splice(0)) c.close();
  await smtp.close();
});

function channel(over: Partial<EmailChannelOptions> = {}): EmailChannel {
  const c = new EmailChannel({
    system: 'notify', host: '127.0.0.1', port: smtp.port, security: 'starttls', user: SMTP_SANDBOX.user, password: SMTP_SANDBOX.password,
    from: 'Tsunagi <tsunagi@example.com>', to: TO, tlsCa: SANDBOX_TLS.cert, logger: pino({ enabled: false }), policy,
    onOutcome: (o) => outcomes.push(o), ...over,
  });
  opened.push(c);
  return c;
}

const alert: Notification = {
  type: 'sync_run_failed', severity: 'critical', title: '在庫同期 #12 PARTIAL / Stock sync run #12 PARTIAL',
  text: '3 件の更新が失敗しました。\n3 of 10 updates failed: <yahoo> & co', fields: [['Status', 'PARTIAL'], ['Failed', '3']], footer: 'Tsunagi · run #12',
};

it('delivers over STARTTLS with AUTH: Japanese subject, text and HTML parts, to every recipient', async () => {
  const receipt = await channel().send(alert);
  const [mail] = await smtp.waitFor(1);
  expect(receipt).toEqual({ ids: [expect.stringMatching(/^<.+@example\.com>$/)], attempts: 1 });
  expect(mail).toEqual(expect.objectContaining({ secure: true, user: SMTP_SANDBOX.user, mailFrom: 'tsunagi@example.com', rcptTo: TO }));
  expect(mail!.subject).toBe(alert.title);
  expect(mail!.headers['message-id']).toBe(receipt.ids[0]);
  expect(mail!.text).toBe('3 件の更新が失敗しました。\n3 of 10 updates failed: <yahoo> & co\n\nStatus: PARTIAL\nFailed: 3\n\n-- \nTsunagi · run #12');
  expect(mail!.html).toContain('3 of 10 updates failed: &lt;yahoo&gt; &amp; co');
  expect(mail!.html).toContain('<td style="padding:4px 0;">PARTIAL</td>');
  expect(outcomes).toEqual([expect.objectContaining({ system: 'notify', operation: 'email.send', method: 'SMTP', status: 250, ok: true, attempts: 1, url: `smtp://127.0.0.1:${smtp.port}` })]);
});

it('sends a given document (HTML and text parts) with an inline image the HTML refers to by Content-ID', async () => {
  const png = await sharp({ create: { width: 4, height: 3, channels: 3, background: '#336699' } }).png().toBuffer();
  await channel().send({ ...alert, document: { html: '<html><body><img src="cid:chart@tsunagi" alt="chart" /></body></html>', text: 'the report, as text' }, attachments: [{ filename: 'chart.png', contentType: 'image/png', content: png, cid: 'chart@tsunagi' }] });
  const [mail] = await smtp.waitFor(1);
  expect(mail!.html).toContain('src="cid:chart@tsunagi"');
  expect(mail!.text).toBe('the report, as text');
  expect(mail!.attachments).toEqual([expect.objectContaining({ filename: 'chart.png', contentType: 'image/png', cid: 'chart@tsunagi' })]);
  expect(Buffer.compare(mail!.attachments[0]!.content, png)).toBe(0);
});

it('retries a temporary refusal (451) by the policy and delivers once', async () => {
  smtp.failNext({ code: 451, at: 'data' });
  smtp.failNext({ code: 421, at: 'mail' });
  await expect(channel().send(alert)).resolves.toEqual(expect.objectContaining({ attempts: 3 }));
  expect(smtp.messages).toHaveLength(1);
  expect(outcomes).toEqual([expect.objectContaining({ ok: true, attempts: 3 })]);
});

it('does not retry a permanent refusal (550), nor refused credentials (535)', async () => {
  smtp.failNext({ code: 550, message: 'Mailbox unavailable', at: 'mail' });
  const err = await channel().send(alert).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  expect(err).toEqual(expect.objectContaining({ permanent: true, attempts: 1, message: expect.stringContaining('SMTP 550') }));
  await expect(channel({ password: 'wrong' }).send(alert)).rejects.toEqual(expect.objectContaining({ permanent: true, attempts: 1, message: expect.stringContaining('SMTP 535') }));
  expect(smtp.messages).toEqual([]);
  expect(outcomes.map((o) => [o.ok, o.status])).toEqual([[false, 550], [false, 535]]);
});

it('will not send credentials in clear text: a server that offers no STARTTLS gets nothing', async () => {
  let received = 0;
  const plain = new SMTPServer({ hideSTARTTLS: true, authOptional: true, allowInsecureAuth: true, logger: false, onData: (s, _x, cb) => { received++; s.resume(); s.on('end', () => cb()); } });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (plain.server.address() as AddressInfo).port;
    await expect(channel({ port }).send(alert)).rejects.toEqual(expect.objectContaining({ permanent: true }));
    expect(received).toBe(0);
  } finally {
    await new Promise<void>((r) => plain.close(() => r()));
  }
});

it('does not trust a certificate it was not given: refused, not retried', async () => {
  const err = (await channel({ tlsCa: undefined }).send(alert).catch((e: unknown) => e)) as DeliveryError;
  expect(err).toEqual(expect.objectContaining({ permanent: true, attempts: 1 }));
  expect(err.message).toMatch(/certificate/);
  expect(smtp.messages).toEqual([]);
});

it('an unreachable server is retried by the policy, then reported as temporary', async () => {
  await smtp.close();
  const err = (await channel().send(alert).catch((e: unknown) => e)) as DeliveryError;
  expect(err).toEqual(expect.objectContaining({ permanent: false, attempts: 3 }));
  smtp = new SmtpSimulator();
  await smtp.listen();
});

it('probe connects, upgrades and authenticates', async () => {
  await expect(channel().probe()).resolves.toBe(`SMTP 127.0.0.1:${smtp.port} reachable, credentials accepted`);
  await expect(channel({ password: 'wrong' }).probe()).rejects.toThrow(/535/);
});
