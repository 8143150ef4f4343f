// Contract test: the Slack channel against the webhook simulator over real HTTP on 127.0.0.1.
import pino from 'pino';
import type { CallOutcome, HttpPolicy } from '../../../platform/http/index.js';
import { DeliveryError, type Notification } from '../../../subgraphs/reporting/ports.js';
import { SlackChannel, slackMessage } from './client.js';
import { SLACK_WEBHOOK_PATH, SlackWebhookSimulator } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 10 };
const SECRET = SLACK_WEBHOOK_PATH.split('/').pop()!;

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, text: () => JSON.stringify(lines) };
}

const alert: Notification = {
  type: 'sync_run_failed',
  severity: 'critical',
  title: 'Stock sync run #7 PARTIAL',
  text: '3 of 10 updates failed: yahoo <400> & friends',
  fields: [['Status', 'PARTIAL'], ['Updates', '10'], ['Failed', '3']],
  footer: 'Tsunagi · run #7',
};

let sim: SlackWebhookSimulator;
let url: string;
let outcomes: CallOutcome[];

beforeEach(async () => {
  sim = new SlackWebhookSimulator();
  url = await sim.listen();
  outcomes = [];
});

afterEach(() => sim.close());

const channel = (logger = pino({ enabled: false })) => new SlackChannel({ system: 'notify', url, logger, policy, onOutcome: (o) => outcomes.push(o) });

describe('slackMessage', () => {
  it('builds a fallback text and Block Kit blocks: header, escaped text, fields, footer', () => {
    const m = slackMessage(alert);
    expect(m.text).toContain(':rotating_light: CRITICAL: Stock sync run #7 PARTIAL');
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

  it('keeps within Block Kit limits whatever the message holds', () => {
    const fields = Array.from({ length: 14 }, (_, i): [string, string] => [`f${i}`, 'x'.repeat(3000)]);
    const m = slackMessage({ type: 't', severity: 'warning', title: 'T'.repeat(400), text: 'y'.repeat(10_000), fields });
    const [header, section, withFields] = m.blocks as { text?: { text: string }; fields?: { text: string }[] }[];
    expect(header!.text!.text.length).toBe(150);
    expect(section!.text!.text.length).toBe(3000);
    expect(withFields!.fields).toHaveLength(10);
    expect(withFields!.fields!.every((f) => f.text.length <= 2000)).toBe(true);
  });
});

describe('SlackChannel', () => {
  it('posts the message, which the receiver accepts (200 ok), and reports the call with the secret redacted', async () => {
    const { logger, text } = captureLogger();
    await expect(channel(logger).send(alert)).resolves.toEqual({ ids: [], attempts: 1 });
    expect(sim.messages).toEqual([slackMessage(alert)]);
    expect(outcomes).toEqual([expect.objectContaining({ system: 'notify', operation: 'slack.incomingWebhook', status: 200, ok: true, url: `${new URL(url).origin}/services/***` })]);
    expect(text()).not.toContain(SECRET);
  });

  it('retries a 5xx and delivers on the next attempt', async () => {
    sim.faults.add({ path: '/services', times: 1, response: { status: 500, body: 'rollup_error' } });
    await expect(channel().send(alert)).resolves.toEqual({ ids: [], attempts: 2 });
    expect(sim.messages).toHaveLength(1);
  });

  it('waits as long as 429 Retry-After says, then delivers', async () => {
    sim.faults.add({ path: '/services', times: 1, response: { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' } });
    const started = Date.now();
    await expect(channel().send(alert)).resolves.toEqual({ ids: [], attempts: 2 });
    // The policy's own backoff is 5 ms: only Retry-After explains a wait of a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sim.messages).toHaveLength(1);
  });

  it('does not retry a 4xx: a permanent DeliveryError with Slack\'s word, secret kept out of logs', async () => {
    sim.faults.add({ path: '/services', response: { status: 410, body: 'channel_is_archived' } });
    const { logger, text } = captureLogger();
    const err = await channel(logger).send(alert).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toEqual(expect.objectContaining({ permanent: true, attempts: 1, message: 'HTTP 410: channel_is_archived' }));
    expect(outcomes).toEqual([expect.objectContaining({ ok: false, status: 410, attempts: 1 })]);
    expect(text()).not.toContain(SECRET);
  });

  it('gives up on an unreachable receiver after the policy\'s retries: a temporary DeliveryError', async () => {
    await sim.close();
    const err = (await channel().send(alert).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toEqual(expect.objectContaining({ permanent: false, attempts: 3 }));
    expect(err.message).not.toContain(SECRET);
  });

  it('the receiver rejects what Slack rejects: wrong path, no text, oversized blocks', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${new URL(url).origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/services/T/B/wrong', { text: 'x' })).status).toBe(404);
    const noText = await post(SLACK_WEBHOOK_PATH, {});
    expect([noText.status, await noText.text()]).toEqual([400, 'no_text']);
    const big = await post(SLACK_WEBHOOK_PATH, { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] });
    expect([big.status, await big.text()]).toEqual([400, 'invalid_blocks']);
    expect(sim.messages).toHaveLength(0);
  });
});
