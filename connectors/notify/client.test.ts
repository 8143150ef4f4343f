// The notify connector as the hub builds it: the block of config/integrations.yaml (each channel on when its
// address is set), the sandbox's simulator for all four channels, health, and the `send` operation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../app/config.js';
import { DEFAULT_POLICY } from '../../platform/http/index.js';
import type { ConnectorDeps } from '../../platform/integrations/index.js';
import type { NotifyBlock } from './config.js';
import { notifyConnector } from './index.js';
import { NotifySimulator } from './simulator.js';

const env = { ...process.env, TSUNAGI_DATA_DIR: '/nonexistent' };
const deps = { logger: pino({ enabled: false }), onOutcome: () => {} } as unknown as ConnectorDeps;
const block = (extra: Record<string, string> = {}) => loadConfig('config/config.yaml', { ...env, ...extra }).integrations.notify as NotifyBlock;
const fast = (b: NotifyBlock): NotifyBlock => ({ ...b, retry_config: { ...DEFAULT_POLICY, retries: 1, backoffBaseMs: 5, backoffMaxMs: 10, timeoutMs: 2000 } });

describe('config', () => {
  it('every channel is off while its address is empty', () => {
    const client = notifyConnector.create(block(), deps);
    expect(client.channels).toEqual([]);
  });

  it('a channel set from the environment is on; the others stay off', () => {
    const b = block({ TSUNAGI_SMTP_HOST: 'smtp.example.com', TSUNAGI_MAIL_FROM: 'Tsunagi <hub@example.com>', TSUNAGI_MAIL_TO: 'ops@example.com, boss@example.com' });
    expect(b.settings.email.to).toEqual(['ops@example.com', 'boss@example.com']);
    expect(b.endpoints.smtp_port).toBe(587);
    expect(notifyConnector.create(b, deps).channels.map((c) => c.name)).toEqual(['email']);
  });

  it('a channel set only partly is refused, naming what is missing and never echoing a secret', () => {
    expect(() => block({ TSUNAGI_SMTP_HOST: 'smtp.example.com' })).toThrow(
      /config: notify\.settings\.email\.from: required when endpoints\.smtp_host is set[\s\S]*config: notify\.settings\.email\.to: required/,
    );
    expect(() => block({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'topsecret-token', TSUNAGI_SMS_TO: '09012345678', TWILIO_FROM_NUMBER: '+15005550006' })).toThrow(
      /config: notify\.settings\.sms\.to\.0: not an E\.164 number/,
    );
    expect(() => block({ TWILIO_ACCOUNT_SID: 'AC1', TSUNAGI_SMS_TO: '+819012345678', TWILIO_FROM_NUMBER: '+15005550006' })).toThrow(/notify\.auth\.twilio_auth_token: required/);
    expect(() => block({ TSUNAGI_SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T/B/topsecret' })).toThrow(/notify\.auth\.slack_webhook_url: must be an http\(s\) URL/);
    const refusal = (() => {
      try {
        block({ TSUNAGI_SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T/B/topsecret', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'topsecret-token' });
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    })();
    expect(refusal).toMatch(/^config: notify\./);
    expect(refusal).not.toContain('topsecret');
  });
});

describe('in the sandbox', () => {
  let dir: string;
  let sim: NotifySimulator;
  let url: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsunagi-notify-'));
    sim = new NotifySimulator({ stateFile: join(dir, 'notify.json') });
    url = await sim.listen();
  });

  afterEach(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sandboxClient = () => notifyConnector.create(fast(notifyConnector.simulator!.sandboxConfig(block(), url, {})), deps);

  it('points every empty channel at its simulator, and each of the four delivers there', async () => {
    const client = sandboxClient();
    expect(client.channels.map((c) => c.name)).toEqual(['email', 'slack', 'teams', 'sms']);
    const out = await notifyConnector.operations.send!.run(client, {
      input: { severity: 'warning', title: 'テスト通知 / Test', text: 'hello from the sandbox' }, system: 'notify', dryRun: false, trigger: 'cli', services: {} as never,
    });
    expect(out).toEqual({ sent: true, results: ['email', 'slack', 'teams', 'sms'].map((channel) => ({ channel, ok: true, attempts: 1 })) });
    const got = sim.received();
    expect(got.email.map((m) => m.subject)).toEqual(['テスト通知 / Test']);
    expect(got.slack.map((m) => m.text)).toEqual([':warning: WARNING: テスト通知 / Test\nhello from the sandbox']);
    expect(got.teams).toHaveLength(1);
    expect(got.sms.map((m) => m.body)).toEqual(['WARNING: テスト通知 / Test\nhello from the sandbox']);
    await notifyConnector.close!(client);
  });

  it('keeps a channel configured for real as it is', () => {
    const real = notifyConnector.simulator!.sandboxConfig(block({ TSUNAGI_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/x' }), url, {});
    expect(real.auth.slack_webhook_url).toBe('https://hooks.slack.com/services/T1/B1/x');
    expect(real.auth.teams_webhook_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/workflows\//);
  });

  it('health probes SMTP and Twilio; a channel down makes it not ok, naming the channel', async () => {
    const client = sandboxClient();
    const ok = await notifyConnector.health(client);
    expect(ok).toEqual(expect.objectContaining({ name: 'notify', ok: true }));
    expect(ok.detail).toMatch(/^email: SMTP 127\.0\.0\.1:\d+ reachable, credentials accepted; slack: incoming webhook configured .*; teams: .*; sms: Twilio account active$/);
    await sim.email.close();
    const down = await notifyConnector.health(client);
    expect(down.ok).toBe(false);
    expect(down.detail).toMatch(/^email: .*ECONNREFUSED/);
    await notifyConnector.close!(client);
  });

  it('what the simulators received survives the process (the state file), the last 50 per channel', async () => {
    const client = sandboxClient();
    const slack = client.channels.find((c) => c.name === 'slack')!;
    for (let i = 0; i < 55; i++) await slack.send({ type: 't', severity: 'info', title: `n${i}`, text: 'x' });
    await sim.close();
    const again = new NotifySimulator({ stateFile: join(dir, 'notify.json') });
    const slackSeen = again.received().slack;
    expect(slackSeen).toHaveLength(50);
    expect(slackSeen[0]!.text).toContain('n5');
    sim = again;
    await sim.listen();
  });

  it('the send operation names channels it does not have', async () => {
    const client = notifyConnector.create(block(), deps);
    await expect(notifyConnector.operations.send!.run(client, {
      input: { severity: 'warning', title: 't', text: 'x', channels: ['sms'] }, system: 'notify', dryRun: false, trigger: 'cli', services: {} as never,
    })).rejects.toThrow('not configured here: sms (configured: none)');
  });
});
