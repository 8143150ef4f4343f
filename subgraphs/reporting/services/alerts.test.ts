// send_alert against the real notify connector and its simulators (SMTP, Slack, Teams, Twilio over loopback) and
// a real PostgreSQL database (the throttle): routing, templates, throttling, and channels failing independently.
import pino from 'pino';
import { loadConfig } from '../../../app/config.js';
import { notifyConnector } from '../../../connectors/notify/index.js';
import type { NotifyBlock } from '../../../connectors/notify/config.js';
import { NotifySimulator } from '../../../connectors/notify/simulator.js';
import { ConfigError, type NotificationsConfig } from '../../../platform/config/index.js';
import { InvalidInputError } from '../../../platform/errors.js';
import type { ConnectorDeps } from '../../../platform/integrations/index.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db.js';
import { AlertService } from './alerts.js';

const config = loadConfig('config/config.yaml', { ...process.env, TSUNAGI_DATA_DIR: '/nonexistent' });
const deps = { logger: pino({ enabled: false }), onOutcome: () => {} } as unknown as ConnectorDeps;
const SUPPORTED = ['email', 'slack', 'teams', 'sms'];

let t: TestDatabase;
let sim: NotifySimulator;
let client: ReturnType<typeof notifyConnector.create>;

beforeAll(async () => {
  t = await createTestDatabase();
  sim = new NotifySimulator();
  const url = await sim.listen();
  const block = notifyConnector.simulator!.sandboxConfig(config.integrations.notify as NotifyBlock, url, {});
  client = notifyConnector.create({ ...block, retry_config: { timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 10 } }, deps);
});

afterAll(async () => {
  await notifyConnector.close!(client);
  await sim.close();
  await t.drop();
});

beforeEach(async () => {
  sim.clear();
  for (const s of [sim.slack, sim.teams, sim.sms]) {
    s.messages.length = 0;
    s.faults.clear();
  }
  sim.email.messages.length = 0;
  await t.db.em().execute('delete from alert_throttle');
});

function service(over: Partial<NotificationsConfig> = {}, channels = client.channels): AlertService {
  return new AlertService({ db: t.db, logger: pino({ enabled: false }), config: { ...config.notifications, ...over }, channels, supported: SUPPORTED });
}

const delivered = (o: { deliveries: { channel: string; ok: boolean }[] }) => o.deliveries.filter((d) => d.ok).map((d) => d.channel);

describe('routing', () => {
  it('critical goes to SMS and Slack, warning to Slack, the daily report to email (config/notifications.yaml)', async () => {
    const alerts = service();
    expect(delivered(await alerts.sendAlert({ type: 'sync_not_started', severity: 'critical', message: 'database down' }))).toEqual(['sms', 'slack']);
    expect(delivered(await alerts.sendAlert({ type: 'sync_skipped', severity: 'warning', message: 'another run' }))).toEqual(['slack']);
    expect(delivered(await alerts.sendAlert({ type: 'daily_report', severity: 'info', vars: { date: '2026-11-26', summary_ja: '概要', summary_en: 'summary' } }))).toEqual(['email']);
    expect([sim.sms.messages.length, sim.slack.messages.length, sim.teams.messages.length, sim.email.messages.length]).toEqual([1, 2, 0, 1]);
  });

  it('channels named by the caller replace the route; a routed channel that is not configured is skipped, not failed', async () => {
    const alerts = service({}, client.channels.filter((c) => c.name !== 'sms'));
    const out = await alerts.sendAlert({ type: 'test', severity: 'critical', channels: ['teams', 'email'] });
    expect(delivered(out)).toEqual(['teams', 'email']);
    const routed = await alerts.sendAlert({ type: 'sync_not_started', severity: 'critical', message: 'x' });
    expect(routed.deliveries).toEqual([
      { channel: 'sms', ok: false, skipped: true, attempts: 0, error: 'not configured (the notify block in integrations.yaml)' },
      expect.objectContaining({ channel: 'slack', ok: true }),
    ]);
  });

  it('an unknown type or channel is bad input, named; nothing is sent', async () => {
    const alerts = service();
    await expect(alerts.sendAlert({ type: 'no_such', severity: 'info' })).rejects.toThrow(InvalidInputError);
    await expect(alerts.sendAlert({ type: 'test', severity: 'info', channels: ['pager'] })).rejects.toThrow('channels: no channel pager (known: email, slack, teams, sms)');
    expect(sim.slack.messages).toEqual([]);
  });
});

describe('templates', () => {
  it('the title in the first language, the text in each: Japanese, then English', async () => {
    const out = await service().sendAlert({
      type: 'sync_run_partial', severity: 'critical', runId: 42,
      vars: { run_id: 42, status: 'PARTIAL', updates: 24, failed: 12, errors: 'yahoo: ed-00001', failures: '• yahoo Y-1 (SKU-1) 5 → 4: suspended' },
      fields: { Status: 'PARTIAL', Failed: 12 },
    });
    expect(out.title).toBe('在庫同期 #42 一部失敗 (PARTIAL)');
    expect(out.text).toBe(
      '在庫更新 24 件中 12 件が失敗し、残りは反映されました。\n• yahoo Y-1 (SKU-1) 5 → 4: suspended\n\n' +
        '12 of 24 stock updates failed; the rest were applied.\n• yahoo Y-1 (SKU-1) 5 → 4: suspended',
    );
    const [slack] = await sim.slack.waitFor(1);
    expect(slack!.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':rotating_light: CRITICAL: 在庫同期 #42 一部失敗 (PARTIAL)', emoji: true } });
    expect(JSON.stringify(slack)).toContain('Tsunagi · Tsunagi · run #42');
    expect(sim.sms.messages[0]!.body.startsWith('CRITICAL: 在庫同期 #42 一部失敗 (PARTIAL)\n在庫更新 24 件中')).toBe(true);
  });

  it('English only when the config says so; {company} from config', async () => {
    const out = await service({ languages: ['en'], company: 'Example KK' }).sendAlert({ type: 'test', severity: 'info', channels: ['email'] });
    expect(out.title).toBe('Test alert (Example KK)');
    const [mail] = await sim.email.waitFor(1);
    expect(mail!.subject).toBe('Test alert (Example KK)');
    expect(mail!.text).toContain('A test alert from Tsunagi.');
    expect(mail!.text).not.toContain('テスト');
  });

  it('refuses at start a template with an unknown placeholder, an unknown type, a route to an unknown channel', () => {
    const bad: Partial<NotificationsConfig> = {
      templates: { ...config.notifications.templates, job_failed: { ja: { title: '{jobb} 失敗', text: '' }, en: { title: 'x', text: '' } }, sync_fail: config.notifications.templates.default! },
      routing: { severity: { ...config.notifications.routing.severity, warning: ['slak'] }, types: {} },
    };
    expect(() => service(bad)).toThrow(ConfigError);
    expect(() => service(bad)).toThrow(
      [
        'config: notifications.templates.job_failed.ja.title: unknown placeholder {jobb} (this type has: message, company, type, severity, job)',
        'config: notifications.templates.sync_fail: no alert type "sync_fail" (known: test, sync_run_partial, sync_run_failed, sync_skipped, sync_not_started, job_failed, daily_report, error_rate, unreachable, job_missed, credential_expiring, disk_space, alert_resolved)',
        'config: notifications.routing.severity.warning: no channel "slak" (known: email, slack, teams, sms)',
      ].join('\n'),
    );
  });
});

describe('throttling', () => {
  it('identical alerts inside the window are held back; the next one after it says how many', async () => {
    const alerts = service({ throttle: { window_minutes: 0.02 } });
    const send = () => alerts.sendAlert({ type: 'sync_skipped', severity: 'warning', message: 'another sync run is in progress' });
    expect((await send()).throttled).toBe(false);
    expect((await send()).throttled).toBe(true);
    expect((await send()).throttled).toBe(true);
    expect(sim.slack.messages).toHaveLength(1);
    // A different text is another alert.
    expect((await alerts.sendAlert({ type: 'sync_skipped', severity: 'warning', message: 'other' })).throttled).toBe(false);
    await new Promise((r) => setTimeout(r, 1300));
    const after = await send();
    expect(after).toEqual(expect.objectContaining({ throttled: false, heldBack: 2 }));
    expect(after.text).toContain('(前回の送信以降、同じ通知を 2 件抑制しました)\n(2 identical alerts held back since the last one was sent)');
    expect(JSON.stringify(sim.slack.messages[2])).toContain('2 identical alerts held back');
  });

  it('one decision across processes: of five identical alerts sent at once by two services, one goes out', async () => {
    const a = service();
    const b = service();
    const outcomes = await Promise.all([a, b, a, b, a].map((s) => s.sendAlert({ type: 'job_failed', severity: 'warning', message: 'boom', vars: { job: 'x' } })));
    expect(outcomes.filter((o) => !o.throttled)).toHaveLength(1);
    expect(sim.slack.messages).toHaveLength(1);
  });

  it('throttle: false always sends (reports, tests, alert rules with windows of their own)', async () => {
    const alerts = service();
    for (let i = 0; i < 2; i++) await alerts.sendAlert({ type: 'test', severity: 'info', channels: ['slack'], throttle: false });
    expect(sim.slack.messages).toHaveLength(2);
  });
});

describe('channels fail independently', () => {
  it('with the SMTP server down, Slack, Teams and SMS still deliver; email is reported failed after its retries', async () => {
    await sim.email.close();
    try {
      const out = await service().sendAlert({ type: 'test', severity: 'critical', channels: ['email', 'slack', 'teams', 'sms'] });
      expect(delivered(out)).toEqual(['slack', 'teams', 'sms']);
      expect(out.deliveries[0]).toEqual(expect.objectContaining({ channel: 'email', ok: false, permanent: false, attempts: 3, error: expect.stringContaining('ECONNREFUSED') }));
      expect([sim.slack.messages.length, sim.teams.messages.length, sim.sms.messages.length]).toEqual([1, 1, 1]);
    } finally {
      await sim.email.listen();
    }
  });

  it('a channel waiting out a 429 does not hold the others back', async () => {
    sim.slack.faults.add({ path: '/services', times: 1, response: { status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' } });
    const arrived: Record<string, number> = {};
    const started = Date.now();
    const sending = service().sendAlert({ type: 'test', severity: 'critical', channels: ['slack', 'teams', 'sms'] });
    await sim.teams.waitFor(1).then(() => (arrived.teams = Date.now() - started));
    await sim.sms.waitFor(1).then(() => (arrived.sms = Date.now() - started));
    const out = await sending;
    arrived.slack = Date.now() - started;
    expect(delivered(out)).toEqual(['slack', 'teams', 'sms']);
    expect(out.deliveries[0]!.attempts).toBe(2);
    expect(arrived.teams).toBeLessThan(1000);
    expect(arrived.sms).toBeLessThan(1000);
    expect(arrived.slack).toBeGreaterThanOrEqual(1900);
  });

  it('a permanent refusal is not retried and is reported as such', async () => {
    sim.slack.faults.add({ path: '/services', response: { status: 404, body: 'no_service' } });
    const out = await service().sendAlert({ type: 'test', severity: 'info', channels: ['slack', 'teams'] });
    expect(out.deliveries).toEqual([
      expect.objectContaining({ channel: 'slack', ok: false, permanent: true, attempts: 1, error: 'HTTP 404: no_service' }),
      expect.objectContaining({ channel: 'teams', ok: true }),
    ]);
  });
});
