// Contract test: the notifiers against the webhook simulator over real HTTP on 127.0.0.1.
import pino from 'pino';
import { DEFAULT_POLICY, type CallOutcome, type HttpPolicy } from '../../platform/http/index.js';
import { createNotifier, LogNotifier, redactWebhookUrl, slackMessage, SlackWebhookNotifier, type Alert } from './client.js';
import { SIMULATOR_WEBHOOK_PATH, SlackWebhookSimulator } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 10 };
const SECRET = SIMULATOR_WEBHOOK_PATH.split('/').pop()!;

function captureLogger(level = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines, text: () => JSON.stringify(lines) };
}

const alert: Alert = {
  severity: 'critical',
  title: 'Stock sync run #7 PARTIAL',
  text: '3 of 10 updates failed: yahoo <400> & friends',
  runId: 7,
  fields: { Status: 'PARTIAL', Updates: 10, Failed: 3 },
};

let sim: SlackWebhookSimulator;
let url: string;

beforeEach(async () => {
  sim = new SlackWebhookSimulator();
  url = await sim.listen();
});

afterEach(async () => {
  await sim.close();
});

describe('slackMessage', () => {
  it('builds a fallback text and Block Kit blocks with the run, fields and escaped text', () => {
    const m = slackMessage(alert);
    expect(m.text).toContain('CRITICAL: Stock sync run #7 PARTIAL');
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(JSON.stringify(m.blocks[1])).toContain('yahoo &lt;400&gt; &amp; friends');
    expect(m.blocks[2]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Status*\nPARTIAL' },
        { type: 'mrkdwn', text: '*Updates*\n10' },
        { type: 'mrkdwn', text: '*Failed*\n3' },
      ],
    });
    expect(m.blocks[3]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Tsunagi · run #7' }] });
  });

  it('keeps within Block Kit limits whatever the alert holds', () => {
    const fields = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`f${i}`, 'x'.repeat(3000)]));
    const m = slackMessage({ severity: 'warning', title: 'T'.repeat(400), text: 'y'.repeat(10_000), fields });
    const [header, section, withFields] = m.blocks as { text?: { text: string }; fields?: { text: string }[] }[];
    expect(header.text!.text.length).toBe(150);
    expect(section.text!.text.length).toBe(3000);
    expect(withFields.fields).toHaveLength(10);
    expect(withFields.fields!.every((f) => f.text.length <= 2000)).toBe(true);
  });
});

describe('SlackWebhookNotifier', () => {
  it('posts the message, which the receiver accepts, and reports the call with the secret redacted', async () => {
    const outcomes: CallOutcome[] = [];
    const { logger, text } = captureLogger();
    await new SlackWebhookNotifier({ url, logger, policy, onOutcome: (o) => outcomes.push(o) }).notify(alert);
    expect(sim.messages).toEqual([slackMessage(alert)]);
    expect(outcomes).toEqual([expect.objectContaining({ system: 'slack', operation: 'incomingWebhook', status: 200, ok: true })]);
    expect(outcomes[0].url).toBe(`${new URL(url).origin}/services/***`);
    expect(text()).not.toContain(SECRET);
  });

  it('retries a 5xx and delivers on the next attempt', async () => {
    sim.faults.add({ path: '/services', times: 1, response: { status: 500, body: 'rollup_error' } });
    const outcomes: CallOutcome[] = [];
    await new SlackWebhookNotifier({ url, logger: captureLogger().logger, policy, onOutcome: (o) => outcomes.push(o) }).notify(alert);
    expect(sim.messages).toHaveLength(1);
    expect(outcomes[0]).toEqual(expect.objectContaining({ ok: true, attempts: 2 }));
  });

  it('logs a failed delivery instead of throwing, and does not retry a 4xx', async () => {
    sim.faults.add({ path: '/services', response: { status: 410, body: 'channel_is_archived' } });
    const outcomes: CallOutcome[] = [];
    const { logger, lines, text } = captureLogger();
    await expect(new SlackWebhookNotifier({ url, logger, policy, onOutcome: (o) => outcomes.push(o) }).notify(alert)).resolves.toBeUndefined();
    expect(outcomes).toEqual([expect.objectContaining({ ok: false, status: 410, attempts: 1 })]);
    const failure = lines.find((l) => l.msg === 'alert not delivered to the Slack webhook');
    expect(failure).toBeDefined();
    expect(JSON.stringify(failure)).toContain('channel_is_archived');
    expect(text()).not.toContain(SECRET);
  });

  it('survives an unreachable receiver (connection refused after retries)', async () => {
    await sim.close();
    const { logger, lines } = captureLogger();
    await expect(new SlackWebhookNotifier({ url, logger, policy }).notify(alert)).resolves.toBeUndefined();
    expect(lines.some((l) => l.msg === 'alert not delivered to the Slack webhook')).toBe(true);
  });

  it('refuses a webhook URL that is not http(s), without echoing the secret', () => {
    const { logger } = captureLogger();
    expect(() => new SlackWebhookNotifier({ url: 'hooks.slack.com/services/T/B/topsecret', logger })).toThrow(/not a URL/);
    expect(() => new SlackWebhookNotifier({ url: 'hooks.slack.com/services/T/B/topsecret', logger })).not.toThrow(/topsecret/);
    expect(() => new SlackWebhookNotifier({ url: 'ftp://example.com/x', logger })).toThrow(/must be http/);
  });

  it('receiver rejects what Slack rejects: wrong path, no text, oversized blocks', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${new URL(url).origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/services/T/B/wrong', { text: 'x' })).status).toBe(404);
    const noText = await post(SIMULATOR_WEBHOOK_PATH, {});
    expect([noText.status, await noText.text()]).toEqual([400, 'no_text']);
    const big = await post(SIMULATOR_WEBHOOK_PATH, { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] });
    expect([big.status, await big.text()]).toEqual([400, 'invalid_blocks']);
    expect(sim.messages).toHaveLength(0);
  });
});

describe('LogNotifier', () => {
  it('logs critical alerts at error and warnings at warn', async () => {
    const { logger, lines } = captureLogger('info');
    const notifier = new LogNotifier(logger);
    await notifier.notify(alert);
    await notifier.notify({ severity: 'warning', title: 'Scheduled stock sync skipped', text: 'another sync run is in progress' });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, '[ALERT] Stock sync run #7 PARTIAL: 3 of 10 updates failed: yahoo <400> & friends'],
      [40, '[ALERT] Scheduled stock sync skipped: another sync run is in progress'],
    ]);
    expect(lines[0].alert).toEqual({ severity: 'critical', runId: 7, fields: alert.fields });
  });
});

describe('createNotifier', () => {
  const configWith = (slackWebhookUrl: string) => ({ slackWebhookUrl: slackWebhookUrl || undefined, policy: DEFAULT_POLICY });

  it('logs only when no webhook is configured', async () => {
    const { logger, lines } = captureLogger('info');
    await createNotifier(configWith(''), logger).notify(alert);
    expect(lines.filter((l) => String(l.msg).startsWith('[ALERT]'))).toHaveLength(1);
    expect(sim.messages).toHaveLength(0);
  });

  it('logs and posts to the configured webhook, reporting the call', async () => {
    const { logger, lines } = captureLogger('info');
    const outcomes: CallOutcome[] = [];
    await createNotifier(configWith(url), logger, (o) => outcomes.push(o)).notify(alert);
    expect(lines.filter((l) => String(l.msg).startsWith('[ALERT]'))).toHaveLength(1);
    expect(sim.messages).toHaveLength(1);
    expect(outcomes).toHaveLength(1);
  });

  it('redactWebhookUrl keeps only the host and first path segment', () => {
    expect(redactWebhookUrl('https://hooks.slack.com/services/T1/B2/abc')).toBe('https://hooks.slack.com/services/***');
    expect(redactWebhookUrl('not a url')).toBe('(invalid webhook URL)');
  });
});
