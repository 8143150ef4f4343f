// `tsunagi integrations`: the operator sees every configured system with its operations and schedules, runs one
// operation (dry or real: the stock sync goes through the inventory service and its ledger), and reads the log.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('tsunagi integrations', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-integrations-'));
  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs') });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('list shows every configured system with their operations, schedules and auth types', async () => {
    const r = await runCli(['--json', 'integrations', 'list'], env);
    expect(r.code).toBe(0);
    const systems = JSON.parse(r.stdout) as { name: string; authType: string; health: { ok: boolean }; operations: { name: string; schedule: string | null }[] }[];
    expect(systems.map((s) => [s.name, s.authType])).toEqual([['amazon', 'lwa'], ['yahoo', 'yconnect'], ['rakuten', 'esa'], ['shopee', 'shopee_hmac'], ['notify', 'per_channel'], ['wms', 'api_key'], ['pim', 'oauth2'], ['pricing-engine', 'api_key'], ['oms', 'oauth2'], ['dam', 'api_key'], ['bi', 'api_key']]);
    expect(systems[0]!.operations).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'stock_sync', schedule: '0 4 * * *' })]));
    expect(systems.every((s) => s.health.ok)).toBe(true);
    const text = await runCli(['integrations', 'list'], env);
    expect(text.stdout).toMatch(/amazon\s+stock_sync\s+0 4 \* \* \*/);
  });

  it('run goes through the inventory service (a ledgered run), and log shows it', async () => {
    const r = await runCli(['--json', 'integrations', 'run', 'amazon', 'stock_sync', '--dry-run'], env);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { ok: boolean; dryRun: boolean; output: { runId: number; status: string } };
    expect(result).toEqual(expect.objectContaining({ ok: true, dryRun: true }));
    expect(result.output.status).toBe('SUCCESS');
    const status = JSON.parse((await runCli(['--json', 'status', String(result.output.runId)], env)).stdout) as { run: { dryRun: boolean; trigger: string } };
    expect(status.run).toEqual(expect.objectContaining({ dryRun: true, trigger: 'cli' }));

    const log = JSON.parse((await runCli(['--json', 'integrations', 'log', '--system', 'amazon', '--limit', '200'], env)).stdout) as { method: string; operation: string; ok: boolean }[];
    expect(log.find((row) => row.method === 'DRY-RUN')).toEqual(expect.objectContaining({ operation: 'stock_sync', ok: true }));
  });

  it('run takes its input from a file and refuses bad input with exit 2, naming what is wrong', async () => {
    const codes = join(dir, 'codes.json');
    writeFileSync(codes, JSON.stringify({ codes: ['YH-000001'] }));
    const ok = await runCli(['--json', 'integrations', 'run', 'yahoo', 'get_stock', '--input', codes], env);
    expect(ok.code).toBe(0);
    expect(Object.keys((JSON.parse(ok.stdout) as { output: { stock: Record<string, number | null> } }).output.stock)).toEqual(['YH-000001']);

    writeFileSync(codes, JSON.stringify({ codes: [] }));
    const bad = await runCli(['integrations', 'run', 'yahoo', 'get_stock', '--input', codes], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/yahoo get_stock: input\.codes: /);
    const unknown = await runCli(['integrations', 'run', 'yahoo', 'delete_everything'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/yahoo has no operation "delete_everything" \(known: get_stock\)/);
  });
});
