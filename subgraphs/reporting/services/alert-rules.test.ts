// Each alert rule made true and then false with real parts: failing calls to a simulator (error rate), a stopped
// and restarted SMTP server (unreachable), a scheduled job made to fail through Agenda (jobs), a credential near
// its expiry (credential expiry), the real file systems against limits (disk space). Alerts arrive at the sandbox's
// Slack simulator; the state is in the database.
import type { JobWithId } from 'agenda';
import type { SlackMessage } from '../../../connectors/notify/slack/client.js';
import { YAHOO_REFRESH_TOKEN_CREDENTIAL } from '../../../connectors/yahoo/oauth.js';
import { ALERT_RULES_JOB } from '../../../jobs/reports.js';
import { operationJobName } from '../../../jobs/schedules.js';
import { startWorker, type Worker } from '../../../jobs/worker.js';
import type { NotificationsConfig } from '../../../platform/config/index.js';
import { createTestApp, seed, type TestApp } from '../../../test/support/app.js';
import { AlertRules } from './alert-rules.js';

type Rules = NotificationsConfig['rules'];

let app: TestApp;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  app = await createTestApp();
});

afterAll(() => app?.close());

beforeEach(async () => {
  await app.t.db.em().execute('delete from alert_state');
  app.sims.notify.slack.messages.length = 0;
});

/** Rules with only the named one switched on, as configured plus `over`. */
function rules(only: keyof Omit<Rules, 'schedule'>, over: Record<string, unknown> = {}): AlertRules {
  const base = app.ctx.config.notifications.rules;
  const config = Object.fromEntries(
    Object.entries(base).map(([k, v]) => [k, typeof v === 'object' ? { ...v, enabled: k === only, ...(k === only ? over : {}) } : v]),
  ) as Rules;
  return new AlertRules({
    db: app.ctx.db, alerts: app.ctx.alerts, reporting: app.ctx.reporting, config, timezone: 'Asia/Tokyo', logger: app.ctx.logger,
    health: () => Promise.all(app.ctx.hub.systems().map((s) => app.ctx.hub.health(s.name))),
    dirs: [{ dir: 'data', path: app.ctx.config.dataDir }, { dir: 'logs', path: app.ctx.config.logging.dir }],
  });
}

const headers = () => app.sims.notify.slack.messages.map((m: SlackMessage) => (m.blocks[0] as { text: { text: string } }).text.text);

describe('error rate', () => {
  it('fires when a system\'s failed calls pass the threshold, stays quiet inside the window, resolves when calls succeed again', async () => {
    const r = rules('error_rate', { minutes: 0.05, min_calls: 2, threshold_percent: 50, refire_minutes: 60 });
    await seed(app, [{ sku: 'ERR-0', quantity: 20 }], 50);
    const getStock = () => app.ctx.hub.run({ system: 'rakuten', operation: 'get_stock', input: { codes: ['r-err-0'] }, dryRun: false, trigger: 'cli' });
    app.sims.rakuten.faults.add({ path: '/es/2.0/inventories', response: { status: 503, body: { errors: [{ code: 'GA0001', message: 'Service Unavailable' }] } } });
    for (let i = 0; i < 2; i++) await expect(getStock()).rejects.toThrow('HTTP 503');
    app.sims.rakuten.faults.clear();
    const fired = await r.evaluate();
    expect(fired).toEqual([expect.objectContaining({ rule: 'error_rate', subject: 'rakuten', kind: 'fired', title: 'rakuten のエラー率 100%' })]);
    expect(headers()).toContain(':rotating_light: CRITICAL: rakuten のエラー率 100%');
    expect(JSON.stringify(app.sims.notify.slack.messages)).toContain('Service Unavailable');
    expect(await r.evaluate()).toEqual([]);

    await sleep(3100);
    for (let i = 0; i < 2; i++) await getStock();
    expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'rakuten', kind: 'resolved', title: 'rakuten のエラー率 100%' })]);
    expect(headers().at(-1)).toBe(':information_source: INFO: 解決: rakuten のエラー率 100%');
  });
});

describe('unreachable', () => {
  it('fires when a system\'s health fails (its server stopped), re-fires after the window, resolves when it is back', async () => {
    const r = rules('unreachable', { refire_minutes: 0.02 });
    expect(await r.evaluate()).toEqual([]);
    const smtp = app.sims.notify.email;
    const port = smtp.port;
    await smtp.close();
    try {
      expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'notify', kind: 'fired', title: 'notify に接続できません' })]);
      expect(await r.evaluate()).toEqual([]);
      await sleep(1300);
      expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'notify', kind: 'refired' })]);
      const refired = JSON.stringify(app.sims.notify.slack.messages.at(-1));
      expect(refired).toContain('*Alerts*\\n2');
      expect(refired).toContain('ECONNREFUSED');
      // Critical: the SMS channel heard it too.
      expect(app.sims.notify.sms.messages.at(-1)!.body).toContain('notify に接続できません');
    } finally {
      await smtp.listen(port);
    }
    expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'notify', kind: 'resolved' })]);
    expect(headers().at(-1)).toBe(':information_source: INFO: 解決: notify に接続できません');
    expect(app.sims.notify.sms.messages.at(-1)!.body).toContain('解決: notify に接続できません');
  });
  it('a marketplace simulator stopped through the sandbox: alert, then resolved once it is started again', async () => {
    const r = rules('unreachable');
    await app.sandbox.call('rakuten', 'stop');
    try {
      expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'rakuten', kind: 'fired', title: 'rakuten に接続できません' })]);
    } finally {
      await app.sandbox.call('rakuten', 'start');
    }
    expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'rakuten', kind: 'resolved' })]);
    expect(headers().slice(-2)).toEqual([':rotating_light: CRITICAL: rakuten に接続できません', ':information_source: INFO: 解決: rakuten に接続できません']);
  });
});

describe('credential expiry', () => {
  it('fires when a credential runs out within the configured days, resolves once renewed', async () => {
    const r = rules('credential_expiry', { days: 7 });
    const stored = (await app.ctx.credentials.get(YAHOO_REFRESH_TOKEN_CREDENTIAL))!;
    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000 - 60_000);
    await app.ctx.credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, stored.value, inDays(3));
    expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'yahoo', kind: 'fired', title: 'yahoo の認証情報があと 3 日で失効' })]);
    expect(headers().at(-1)).toBe(':warning: WARNING: yahoo の認証情報があと 3 日で失効');
    await app.ctx.credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, stored.value, inDays(28));
    expect(await r.evaluate()).toEqual([expect.objectContaining({ subject: 'yahoo', kind: 'resolved' })]);
  });
});

describe('disk space', () => {
  it('fires for the data and log directories below the limits, once across two evaluators, and resolves when the limits allow', async () => {
    const strict = [rules('disk_space', { min_free_percent: 100 }), rules('disk_space', { min_free_percent: 100 })];
    const both = (await Promise.all(strict.map((x) => x.evaluate()))).flat();
    expect(both.map((t) => [t.subject, t.kind]).sort()).toEqual([['data', 'fired'], ['logs', 'fired']]);
    expect(headers().filter((h) => h.includes('ディスク残量不足'))).toHaveLength(2);
    expect((await strict[0]!.firing()).map((f) => f.subject)).toEqual(expect.arrayContaining(['data', 'logs']));
    const relaxed = rules('disk_space', { min_free_percent: 0, min_free_mb: 0 });
    expect((await relaxed.evaluate()).map((t) => [t.subject, t.kind]).sort()).toEqual([['data', 'resolved'], ['logs', 'resolved']]);
  });

  it('a rule switched off resolves what it had firing', async () => {
    await rules('disk_space', { min_free_percent: 100 }).evaluate();
    const off = rules('error_rate');
    expect((await off.evaluate()).map((t) => [t.rule, t.kind])).toEqual([['disk_space', 'resolved'], ['disk_space', 'resolved']]);
    expect(await off.firing()).toEqual([]);
  });
});

describe('jobs, evaluated by the worker', () => {
  let worker: Worker;
  afterEach(() => worker?.stop());

  const runNow = async (name: string): Promise<JobWithId> => {
    const done = new Promise<JobWithId>((resolve) => worker.agenda.once(`complete:${name}`, resolve));
    await worker.agenda.now(name);
    return done;
  };

  it('fires when a scheduled job fails, resolves when it next succeeds', async () => {
    // Polling every 200 ms: the repeating job runs as soon as its time is made to come.
    worker = await startWorker(app.ctx, { processEvery: 200 });
    const sync = operationJobName('amazon', 'stock_sync');
    const runScheduled = async () => {
      const done = new Promise<JobWithId>((resolve) => worker.agenda.once(`complete:${sync}`, resolve));
      await app.t.db.em().execute("update agenda_jobs set next_run_at = now() where name = ? and type = 'single'", [sync]);
      return done;
    };
    app.sims.amazon.faults.add({ path: 'summaries', response: { status: 403, body: { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] } } });
    expect((await runScheduled()).attrs.failReason).toContain('FAILED');
    app.sims.amazon.faults.clear();
    expect((await runNow(ALERT_RULES_JOB)).attrs.failReason).toBeUndefined();
    expect(await app.ctx.alertRules.firing()).toEqual([expect.objectContaining({ rule: 'jobs', subject: sync, title: `定期ジョブ ${sync}: 失敗しました` })]);
    expect(JSON.stringify(app.sims.notify.slack.messages)).toContain('Access to requested resource is denied');

    // Agenda keeps the last failure's reason; a success is a finish after it.
    const ok = (await runScheduled()).attrs;
    expect(ok.lastFinishedAt!.getTime()).toBeGreaterThan(ok.failedAt!.getTime());
    // The rule reads the job store: evaluated once every row of the job shows that success and none is running.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { jobs } = await worker.agenda.queryJobs({ names: [sync] });
      const latest = jobs.filter((j) => j.lastRunAt).sort((a, b) => b.lastRunAt!.getTime() - a.lastRunAt!.getTime())[0];
      if (latest && !jobs.some((j) => j.lockedAt) && latest.lastFinishedAt! > latest.failedAt!) break;
      if (Date.now() > deadline) throw new Error(`the job store never showed ${sync}'s success: ${JSON.stringify(jobs)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await runNow(ALERT_RULES_JOB);
    expect(await app.ctx.alertRules.firing()).toEqual([]);
    expect(headers()).toContain(`:information_source: INFO: 解決: 定期ジョブ ${sync}: 失敗しました`);
  });

  it('fires for a scheduled job the job store does not hold (no worker scheduled it)', async () => {
    const r = rules('jobs');
    const transitions = await r.evaluate({ jobs: { scheduled: ['report.daily'], statuses: [] } });
    expect(transitions).toEqual([expect.objectContaining({ subject: 'report.daily', kind: 'fired', title: '定期ジョブ report.daily: 予定どおり実行されていません' })]);
    expect(JSON.stringify(app.sims.notify.slack.messages.at(-1))).toContain('not in the job store: no worker has scheduled it');
    const due = new Date(Date.now() + 3_600_000);
    expect(await r.evaluate({ jobs: { scheduled: ['report.daily'], statuses: [{ name: 'report.daily', nextRunAt: due }] } })).toEqual([
      expect.objectContaining({ subject: 'report.daily', kind: 'resolved' }),
    ]);
  });
});
