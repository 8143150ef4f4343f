// Commands that need a role act as the subject of a signed token (--token or TSUNAGI_TOKEN), verified as the API
// verifies it; outside sandbox mode they are refused without one. The real CLI as separate processes, a real
// PostgreSQL database, tokens signed with the configured secret (and one signed with another).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../../platform/auth/tokens.js';
import { cliEnv, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { PRODUCTION_CREDENTIALS } from '../support/credentials.js';

const SECRET = 's'.repeat(40);
const key = new TextEncoder().encode(SECRET);
const CREDENTIALS = PRODUCTION_CREDENTIALS;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = <T = any>(r: { stdout: string }): T => JSON.parse(r.stdout) as T;

describe('CLI commands that need a role take a signed token', () => {
  let t: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-token-'));
  const tiers = join(dataDir, 'tiers.yaml');
  let sandbox: NodeJS.ProcessEnv;
  let production: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase();
    writeFileSync(tiers, '- { min: 1, share: "1/2" }\n- { min: 0, max: 0, share: "0/1" }\n');
    sandbox = cliEnv({
      DATABASE_URL: t.url, TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: join(dataDir, 'logs'), TSUNAGI_USER: 'hanako',
      TSUNAGI_CONFIG: undefined, TSUNAGI_JWT_SECRET: SECRET, TSUNAGI_TOKEN: undefined, TSUNAGI_ROLE: undefined,
    });
    production = cliEnv({ ...sandbox, ...CREDENTIALS });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const history = async () => json<{ history: { id: number; status: string; decidedBy: string | null }[] }>(await runCli(['--json', 'rules', 'show'], sandbox)).history;

  it('outside sandbox mode: refused without a token, naming --token and TSUNAGI_TOKEN; nothing changes', async () => {
    const proposed = await runCli(['--json', 'rules', 'propose', '-f', tiers], production);
    expect(proposed.code).toBe(0);
    const id = json<{ id: number }>(proposed).id;

    for (const args of [['rules', 'approve', String(id)], ['rules', 'reject', String(id)], ['stock', 'set', 'yahoo', 'AMZ-000001', '5'], ['rollback'], ['cleanup', '--dry-run']]) {
      const r = await runCli(args, production);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^\[REFUSED\] this command needs a signed token outside sandbox mode: pass --token <jwt> or set TSUNAGI_TOKEN/m);
    }
    const asJson = await runCli(['--json', 'rules', 'approve', String(id)], production);
    expect(json(asJson)).toEqual({ error: expect.stringContaining('TSUNAGI_TOKEN'), kind: 'AuthError' });
    expect((await history()).find((h) => h.id === id)).toMatchObject({ status: 'PROPOSED', decidedBy: null });
  }, 120_000);

  it('refuses a token signed with another key, an expired one, and one whose role may not act', async () => {
    const id = (await history())[0]!.id;
    const forged = await issueToken(new TextEncoder().encode('f'.repeat(40)), { name: 'mallory', role: 'manager' });
    const bad = await runCli(['rules', 'approve', String(id), '--token', forged], production);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^\[REFUSED\] --token\/TSUNAGI_TOKEN: invalid token: signature verification failed/m);

    const expired = await issueToken(key, { name: 'keiko', role: 'manager' }, '1s');
    await new Promise((r) => setTimeout(r, 2100));
    const late = await runCli(['rules', 'approve', String(id)], { ...production, TSUNAGI_TOKEN: expired });
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/--token\/TSUNAGI_TOKEN: invalid token: .*"exp"/);

    const partner = await issueToken(key, { name: 'partner-co', role: 'partner' });
    const forbidden = await runCli(['--json', 'stock', 'set', 'yahoo', 'AMZ-000001', '5', '--token', partner], production);
    expect(forbidden.code).toBe(1);
    expect(json(forbidden)).toEqual({ error: 'partner-co has role partner; this command needs operator or manager or admin', kind: 'ForbiddenError' });
    expect(forbidden.stderr).toContain('[REFUSED]');
    // The approval workflow itself still judges the role: an operator's token may not approve (bad request, 2).
    const operator = await issueToken(key, { name: 'taro', role: 'operator' });
    expect((await runCli(['rules', 'approve', String(id), '--token', operator], production)).code).toBe(2);
    expect((await history()).find((h) => h.id === id)).toMatchObject({ status: 'PROPOSED', decidedBy: null });
  }, 120_000);

  it('acts as the token\'s subject and records it, whatever TSUNAGI_USER and TSUNAGI_ROLE say', async () => {
    const id = (await history())[0]!.id;
    const manager = await issueToken(key, { name: 'keiko', role: 'manager' });
    const r = await runCli(['--json', 'rules', 'approve', String(id)], { ...production, TSUNAGI_TOKEN: manager, TSUNAGI_ROLE: 'operator' });
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ id, status: 'APPROVED', decidedBy: 'keiko' });
    expect(r.stderr).not.toContain('local operator');
  }, 120_000);

  it('in sandbox mode without a token, acts as the local operator and says so on stderr', async () => {
    const proposed = json<{ id: number }>(await runCli(['--json', 'rules', 'propose', '-f', tiers], sandbox)).id;
    const r = await runCli(['--json', 'rules', 'reject', String(proposed)], { ...sandbox, TSUNAGI_USER: 'jiro', TSUNAGI_ROLE: 'manager' });
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ id: proposed, status: 'REJECTED', decidedBy: 'jiro' });
    expect(r.stderr).toContain('[SANDBOX] No --token or TSUNAGI_TOKEN: acting as the local operator jiro (role manager).');
  }, 120_000);

  it('tsunagi token: puts every token it mints on the audit trail, and refuses lifetimes over 30 days', async () => {
    const minted = await runCli(['token', '--role', 'manager', '--name', 'keiko', '--expires-in', '2h'], production);
    expect(minted.code).toBe(0);
    expect(minted.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const trail = await t.db.em().execute<{ actor: string; subject: string; detail: Record<string, unknown> }[]>(
      "select actor, subject, detail from audit_log where action = 'auth.issue-token' order by id desc limit 1",
    );
    expect(trail).toEqual([{ actor: 'hanako', subject: 'keiko', detail: { role: 'manager', expiresIn: '2h' } }]);
    const tooLong = await runCli(['token', '--expires-in', '31d'], production);
    expect([tooLong.code, tooLong.stdout]).toEqual([2, '']);
    expect(tooLong.stderr).toContain('--expires-in 31d is longer than 30d');
  }, 120_000);
});
