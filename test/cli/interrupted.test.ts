// A sync process killed mid-run leaves its run INTERRUPTED and a ledger that matches what the channels hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerEntry } from '../../subgraphs/inventory/entities/ledger-entry.js';
import { SyncRun } from '../../subgraphs/inventory/entities/sync-run.js';
import { cliEnv, runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('a sync process killed mid-run', () => {
  let t: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-kill-'));
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is marked INTERRUPTED once its lease expired, with no PENDING ledger entry left and its counts shown', async () => {
    // A short lease: a dead run is declared dead only when its lease has expired, never by looking at a pid.
    const env = cliEnv({
      DATABASE_URL: t.url, TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: join(dataDir, 'logs'),
      TSUNAGI_SYNC_LEASE_SECONDS: '3', TSUNAGI_SYNC_HEARTBEAT_SECONDS: '0.5',
    });
    expect((await runCli(['sandbox', 'seed', '--skus', '1500'], env)).code).toBe(0);
    // Real sandbox rate limits (Amazon 2 req/s, Rakuten bulk-upsert 1 req/s) make this run take about 20 s.
    const child = startCli(['sync'], env);
    const em = () => t.db.em();
    let run: { id: number } | null = null;
    for (let i = 0; i < 600 && !run; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const applied = await em().count(LedgerEntry, { result: 'APPLIED' });
      if (applied > 0) run = await em().findOne(SyncRun, { status: 'RUNNING' });
    }
    expect(run).not.toBeNull();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect((await em().findOneOrFail(SyncRun, { id: run!.id })).status).toBe('RUNNING');

    type View = { id: number; status: string; errorSummary: string; sourceItems: number; mappedSkus: number; updates: number };
    let killed: View | undefined;
    const killedAt = Date.now();
    for (;;) {
      const status = await runCli(['--json', 'status'], env);
      expect(status.code).toBe(0);
      killed = (JSON.parse(status.stdout) as View[]).find((r) => r.id === run!.id)!;
      if (killed.status !== 'RUNNING') break;
      expect(Date.now() - killedAt).toBeLessThan(20_000);
    }
    expect(killed.status).toBe('INTERRUPTED');
    expect(killed.errorSummary).toMatch(/stopped renewing the run lease/);
    // What the run set out to do, not zeros.
    expect(killed).toMatchObject({ sourceItems: 1500, mappedSkus: expect.any(Number), updates: expect.any(Number) });
    expect(killed.mappedSkus).toBeGreaterThan(0);
    expect(killed.updates).toBeGreaterThan(0);
    expect(await em().count(LedgerEntry, { runId: run!.id, result: 'PENDING' })).toBe(0);
    expect(await em().count(LedgerEntry, { runId: run!.id, result: 'APPLIED' })).toBeGreaterThan(0);
  }, 120_000);
});
