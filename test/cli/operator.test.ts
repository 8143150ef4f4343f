// The operator's daily routine as scripts and people meet it: the real CLI as separate processes (and the
// ./tsunagi wrapper through a shell), a real PostgreSQL database, the sandbox simulators, real log files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { cliEnv, ROOT, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { PRODUCTION_CREDENTIALS } from '../support/credentials.js';

const json = <T = any>(r: { stdout: string }): T => JSON.parse(r.stdout) as T; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the operator CLI', () => {
  let t: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-operator-'));
  const logDir = join(dataDir, 'logs');
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: logDir, TSUNAGI_USER: 'hanako', TSUNAGI_CONFIG: undefined });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('--version and --help answer without opening the database or the log', async () => {
    const version = await runCli(['--version'], env);
    expect(version).toEqual({ code: 0, stdout: `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`, stderr: '' });
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    for (const part of ['Examples:', 'TOKEN=$(tsunagi token --role operator)', 'Environment:', 'TSUNAGI_DATA_DIR', 'Exit codes:', '2  bad usage']) {
      expect(help.stdout).toContain(part);
    }
    expect(existsSync(logDir)).toBe(false);
  });

  it('keeps stdout for the result: TOKEN=$(tsunagi token) is the token; banners and refusals go to stderr', async () => {
    // As an operator's script does it, through a shell and the ./tsunagi wrapper (no npx).
    const shell = spawnSync('sh', ['-c', 'TOKEN=$("$0" token --role operator) && printf "%s" "$TOKEN"', join(ROOT, 'tsunagi')], { env, encoding: 'utf8' });
    expect(shell.status).toBe(0);
    expect(shell.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(shell.stderr).toContain('[SANDBOX] No marketplace credentials are configured');
    expect(shell.stderr).toMatch(/\[SANDBOX\] Data directory .*tsunagi-operator-.*: no Tsunagi process was running/);

    const refused = await runCli(['rollback'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^\[REFUSED\] there is no applied sync run to roll back for the source amazon$/m);

    const asJson = await runCli(['--json', 'rollback'], env);
    expect(asJson.code).toBe(1);
    expect(json(asJson)).toEqual({ error: 'there is no applied sync run to roll back for the source amazon', kind: 'SyncRefusedError' });
    expect(asJson.stderr).toContain('[REFUSED]');

    const bad = await runCli(['simulate', '--quantity', '-1'], env);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  }, 60_000);

  it('finds the project config and data from any working directory', async () => {
    const r = await runCli(['--json', 'simulate', '--quantity', '25'], env, tmpdir());
    expect(r.code).toBe(0);
    expect(json(r)).toEqual([{ quantity: 25, allocated: 5, channels: { yahoo: 5, rakuten: 5 } }]);
  }, 30_000);

  it('shows progress per phase on stderr when it is not a terminal, and none with --json', async () => {
    const dry = await runCli(['sync', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/^\[PROGRESS\] Reading Amazon: 30\/30 \(100%\)/m);
    expect(dry.stderr).toMatch(/^\[PROGRESS\] Reading channels: 52\/52 \(100%\)/m);
    expect(dry.stdout).not.toContain('[PROGRESS]');

    const quiet = await runCli(['--json', 'sync', '--dry-run'], env);
    expect(json(quiet).status).toBe('SUCCESS');
    expect(quiet.stderr).not.toContain('[PROGRESS]');

    const applied = await runCli(['sync'], env);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toMatch(/^\[PROGRESS\] Sending: 42\/42 \(100%\)/m);
  }, 60_000);

  it('status shows who ran each run; status <runId> shows one run with its ledger, page by page', async () => {
    const runs = json<{ id: number; dryRun: boolean; actor: string }[]>(await runCli(['--json', 'status'], env));
    const applied = runs.find((r) => !r.dryRun)!;
    expect(applied.actor).toBe('hanako');
    const table = await runCli(['status'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^RUN +KIND +MODE +STATUS +USER +STARTED +FINISHED/);
    expect(table.stdout).toMatch(/hanako +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00/);

    const first = json(await runCli(['--json', 'status', String(applied.id), '--first', '5'], env));
    expect(first.run).toMatchObject({ id: applied.id, actor: 'hanako', status: 'SUCCESS' });
    expect(first.ledger.entries).toHaveLength(5);
    expect(first.ledger.hasNextPage).toBe(true);
    const second = json(await runCli(['--json', 'status', String(applied.id), '--first', '40', '--after', String(first.ledger.after)], env));
    expect(second.ledger.entries).toHaveLength(37);
    expect(second.ledger.hasNextPage).toBe(false);
    expect(second.ledger.entries[0].id).toBeGreaterThan(first.ledger.after);

    const text = await runCli(['status', String(applied.id), '--first', '2'], env);
    expect(text.stdout).toContain(`Run #${applied.id}: sync, applied, SUCCESS`);
    expect(text.stdout).toMatch(/started +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00 by hanako/);
    expect(text.stdout).toContain(`More: tsunagi status ${applied.id} --after `);
  }, 60_000);

  it('cleanup that would delete runs inside the rollback window needs --force; --dry-run says what would go', async () => {
    const before = json<unknown[]>(await runCli(['--json', 'status'], env)).length;
    const guarded = await runCli(['cleanup', '--older-than', '0'], env);
    expect(guarded.code).toBe(1);
    expect(guarded.stderr).toMatch(/\[REFUSED\] cleanup would delete \d+ run\(s\) that finished inside the rollback window.*--force/);
    expect(json<unknown[]>(await runCli(['--json', 'status'], env))).toHaveLength(before);

    const preview = await runCli(['--json', 'cleanup', '--older-than', '0', '--dry-run'], env);
    expect(json(preview)).toMatchObject({ dryRun: true, runs: before, ledgerEntries: 42, insideRollbackWindow: before });
    expect(json<unknown[]>(await runCli(['--json', 'status'], env))).toHaveLength(before);

    const forced = await runCli(['--json', 'cleanup', '--older-than', '0', '--force'], env);
    expect(json(forced)).toMatchObject({ dryRun: false, runs: before, ledgerEntries: 42 });
    expect(json<unknown[]>(await runCli(['--json', 'status'], env))).toEqual([]);
  }, 60_000);

  it('sandbox seed replaces the catalogue; sandbox reset returns to the first start, with stable sandbox credentials', async () => {
    expect((await runCli(['sandbox', 'seed', '--skus', '60'], env)).code).toBe(0);
    expect(json(await runCli(['--json', 'sync', '--dry-run'], env))).toMatchObject({ sourceItems: 60, skipped: { notInSource: 0 } });
    expect((await runCli(['sandbox', 'seed', '--skus', '35'], env)).code).toBe(0);
    expect(json(await runCli(['--json', 'sync', '--dry-run'], env))).toMatchObject({ sourceItems: 35, mappedSkus: 31, skipped: { notInSource: 0 } });
    expect((await runCli(['sync'], env)).code).toBe(0);

    const reset = await runCli(['sandbox', 'reset'], env);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('[SANDBOX] Reset');
    expect(json(await runCli(['--json', 'status'], env))).toEqual([]);
    expect(json(await runCli(['--json', 'sync', '--dry-run'], env))).toMatchObject({ sourceItems: 30, mappedSkus: 26, updates: 42 });

    // Each command starts the simulators anew (no hub runs): the Rakuten key's expiry stays where it was.
    type Health = { connectors: { name: string; expiresInDays: number | null; expiresAt?: string }[] };
    const health = json<Health>(await runCli(['--json', 'health'], env)).connectors;
    const again = json<Health>(await runCli(['--json', 'health'], env)).connectors;
    expect(health.find((c) => c.name === 'yahoo')).toMatchObject({ expiresInDays: 28 });
    expect(health.find((c) => c.name === 'rakuten')).toMatchObject({ expiresInDays: 90 });
    expect(again.find((c) => c.name === 'rakuten')!.expiresAt).toBe(health.find((c) => c.name === 'rakuten')!.expiresAt);

    const production = cliEnv({
      ...env, ...PRODUCTION_CREDENTIALS,
    });
    const outside = await runCli(['sandbox', 'reset'], production);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/sandbox commands work only in sandbox mode/);
  }, 120_000);

  it('writes the live log file logs/inventory_sync.log with readable times and a line for every change and refusal', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('master');
    sheet.addRow(['amazon_sku', 'yahoo_item_code', 'rakuten_item_number', 'is_active']);
    sheet.addRow(['AMZ-000001', 'YH-000001', 'rkt-000001', 1]);
    const file = join(dataDir, 'master.xlsx');
    await book.xlsx.writeFile(file);
    expect((await runCli(['import-sku', '-f', file], env)).code).toBe(0);

    const lines = readFileSync(join(logDir, 'inventory_sync.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const l of lines) expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+09:00$/);
    const messages = lines.map((l) => l.msg as string);
    expect(messages).toContain('tsunagi rollback: refused');
    expect(messages).toContain('tsunagi cleanup: refused');
    expect(messages).toContain('SKU master imported: 1 mappings from master.xlsx');
    expect(messages).toContain('sandbox reset to its first-start state');
    expect(messages.filter((m) => m === 'run finished').length).toBeGreaterThan(3);
  }, 30_000);
});
