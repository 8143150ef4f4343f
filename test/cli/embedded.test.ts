// The new user's path end to end: no DATABASE_URL (embedded PGlite), no credentials (sandbox), real CLI processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, runCli } from '../support/cli.js';

describe('CLI on the embedded database in sandbox mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-embedded-'));
  const env = cliEnv({ DATABASE_URL: undefined, TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: join(dataDir, 'logs'), TSUNAGI_USER: 'e2e' });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('dry run, sync, show, rollback and status work across separate processes', async () => {
    const dry = await runCli(['sync', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('[SANDBOX]');
    expect(dry.stderr).toContain('[INFO] Starting Dry Run...');
    expect(dry.stderr).toMatch(/\[SANDBOX\] Data directory .*: no Tsunagi process was running/);
    expect(dry.stdout).not.toContain('[SANDBOX]');
    const lines = dry.stdout.split('\n');
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    const order = ['Amazon Inventory: 30 items found', 'Mapped SKUs: 26 items', 'Updates to be sent:', '[DRY-RUN] No changes made to API.'].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const sync = await runCli(['--json', 'sync'], env);
    expect(sync.code).toBe(0);
    const report = JSON.parse(sync.stdout);
    expect(report).toMatchObject({ dryRun: false, status: 'SUCCESS', sourceItems: 30, mappedSkus: 26 });
    expect(report.updates).toBeGreaterThan(0);
    expect(report.channels.yahoo.updates + report.channels.rakuten.updates).toBe(report.updates);

    const show = JSON.parse((await runCli(['--json', 'sandbox', 'show', 'AMZ-000001'], env)).stdout);
    expect(show.sku).toBe('AMZ-000001');
    expect(typeof show.amazon).toBe('number');

    const preview = await runCli(['--json', 'rollback', '--dry-run'], env);
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout).changes).toHaveLength(report.updates);

    expect((await runCli(['rollback'], env)).code).toBe(0);
    const again = await runCli(['rollback'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[REFUSED\] .*already rolled back/);
    expect(again.stdout).toBe('');

    const status = JSON.parse((await runCli(['--json', 'status'], env)).stdout);
    expect(status.map((r: { status: string }) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'ROLLED_BACK', 'SUCCESS']);
  }, 120_000);

  it('bad usage and bad input exit 2 with a message naming the problem', async () => {
    const bad = await runCli(['simulate', '--quantity', 'ten'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\[ERROR\] --quantity must be a whole number/);
    const sim = JSON.parse((await runCli(['--json', 'simulate', '--quantity', '0,5,9,25'], env)).stdout);
    const each = (n: number) => ({ allocated: n, channels: { yahoo: n, rakuten: n } });
    expect(sim).toEqual([{ quantity: 0, ...each(0) }, { quantity: 5, ...each(2) }, { quantity: 9, ...each(3) }, { quantity: 25, ...each(5) }]);
    const missing = await runCli(['--json', 'import-sku', '-f', join(dataDir, 'nope.xlsx')], env);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).errors[0]).toMatchObject({ row: 0, column: 'file' });
  }, 60_000);
});
