// `tsunagi notify` and `tsunagi report daily` as an operator runs them in sandbox mode: a test alert reaches all
// four simulators and is reported per channel; the daily report is printed, written as one HTML file, or mailed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { cliEnv, runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('tsunagi notify and report', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-notify-'));
  const today = DateTime.now().setZone('Asia/Tokyo').toISODate()!;
  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs') });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('notify test: one line per channel, all four delivered; the simulators show what they received', async () => {
    const r = await runCli(['notify', 'test', '--message', 'hello'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(1, 5).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      '[OK] email delivered', '[OK] slack delivered', '[OK] teams delivered', '[OK] sms delivered',
    ]);
    expect(r.stderr).toContain('[SANDBOX] The simulators received it: tsunagi notify received');
    const received = await runCli(['--json', 'notify', 'received'], env);
    expect(received.code).toBe(0);
    const channels = JSON.parse(received.stdout) as { channel: string; messages: { summary: string }[] }[];
    expect(channels.map((c) => [c.channel, c.messages.length])).toEqual([['email', 1], ['slack', 1], ['teams', 1], ['sms', 1]]);
    expect(channels[0]!.messages[0]!.summary).toBe('operators@sandbox.invalid: テスト通知 (Tsunagi)');
  }, 120_000);

  it('notify test --json reports each delivery; a channel that is not one is bad usage, and nothing is sent', async () => {
    const r = await runCli(['--json', 'notify', 'test', '--channels', 'slack,sms', '--severity', 'critical'], env);
    expect(r.code).toBe(0);
    const outcome = JSON.parse(r.stdout) as { severity: string; deliveries: { channel: string; ok: boolean; attempts: number }[] };
    expect(outcome.severity).toBe('critical');
    expect(outcome.deliveries).toEqual([expect.objectContaining({ channel: 'slack', ok: true, attempts: 1 }), expect.objectContaining({ channel: 'sms', ok: true })]);
    const bad = await runCli(['notify', 'test', '--channels', 'email,pager'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('[ERROR] channels: no channel pager (known: email, slack, teams, sms)');
    const severity = await runCli(['notify', 'test', '--severity', 'loud'], env);
    expect(severity.code).toBe(2);
    expect(severity.stderr).toContain('--severity: expected one of info, warning, critical, got "loud"');
  }, 120_000);

  it('report daily --out writes one HTML file with the charts inlined; --send mails it', async () => {
    const file = join(dir, 'report.html');
    const r = await runCli(['report', 'daily', '--date', today, '--out', file], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Wrote ${file}: "日次レポート ${today} - Tsunagi" \\(\\d+ KB, 2 charts inlined\\)`));
    const html = readFileSync(file, 'utf8');
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(2);
    const text = await runCli(['report', 'daily', '--date', today], env);
    expect(text.stdout).toContain(`日次レポート ${today} - Tsunagi`);
    expect(text.stdout).toContain('## システム別の連携エラー / Integration errors by system');
    const sent = await runCli(['report', 'daily', '--date', today, '--send'], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/\[OK\]\s+email\s+sent/);
    const received = JSON.parse((await runCli(['--json', 'notify', 'received', '--channel', 'email'], env)).stdout) as { messages: { summary: string }[] }[];
    expect(received[0]!.messages.at(-1)!.summary).toBe(`operators@sandbox.invalid: 日次レポート ${today} - Tsunagi (+2 attachments)`);
  }, 120_000);

  it('report daily refuses a malformed date before opening anything', async () => {
    const r = await runCli(['report', 'daily', '--date', '27/11/2026', '--out', join(dir, 'no.html')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--date: expected YYYY-MM-DD, got "27/11/2026"');
    expect(existsSync(join(dir, 'no.html'))).toBe(false);
  }, 120_000);

  it('alerts: nothing firing in a healthy sandbox; evaluate checks the rules now', async () => {
    const evaluated = await runCli(['--json', 'alerts', 'evaluate'], env);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toEqual([]);
    const list = await runCli(['alerts'], env);
    expect([list.code, list.stdout.trim()]).toEqual([0, 'No alert is firing.']);
  }, 120_000);

  it('logs: the log as readable lines in the configured timezone, filtered, or followed', async () => {
    const r = await runCli(['logs', '-n', '3', '--level', 'info'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00 (INFO |WARN |ERROR) /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/tsunagi alerts list \(exit 0\) {2}correlationId=[0-9a-f-]{36} command="alerts list"/);
    const json = JSON.parse((await runCli(['--json', 'logs', '--level', 'warn', '-n', '100'], env)).stdout) as { level: number }[];
    expect(json.every((e) => e.level >= 40)).toBe(true);
    const both = await runCli(['--json', 'logs', '--follow'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--follow prints entries as they come and --json prints one document');

    const following = startCli(['logs', '--follow', '-n', '1'], env);
    let seen = '';
    following.stdout!.on('data', (d) => (seen += d));
    await new Promise((r) => setTimeout(r, 1500));
    await runCli(['alerts'], env);
    const deadline = Date.now() + 10_000;
    while (!/tsunagi alerts list \(exit 0\)[\s\S]*tsunagi alerts list \(exit 0\)/.test(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    following.kill('SIGINT');
    const code = await new Promise((r) => following.on('close', r));
    expect(seen.match(/tsunagi alerts list \(exit 0\)/g)).toHaveLength(2);
    expect(code).toBe(0);
  }, 120_000);
});
