// The operations manual's routine, in sandbox mode, on the manual's own master.xlsx: import-sku, set stock,
// sync, show, rollback. The simulated malls start without the master's listings; the import creates them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const MASTER = fileURLToPath(new URL('../../../shared/fixtures/master.xlsx', import.meta.url));
const json = <T = any>(r: { stdout: string }): T => JSON.parse(r.stdout) as T; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("the manual's routine in the sandbox", () => {
  let t: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-routine-'));
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: join(dataDir, 'logs'), TSUNAGI_USER: 'hanako', TSUNAGI_CONFIG: undefined });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports the master (creating the listings the malls lack), syncs, shows and rolls back', async () => {
    const cli = async (...args: string[]) => {
      const r = await runCli(['--json', ...args], env);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: expect.any(String) });
      return json(r);
    };
    const imported = await cli('import-sku', '-f', MASTER);
    expect(imported).toMatchObject({ imported: 5, active: 3, inactive: 2 });
    const created = imported.sandboxListingsCreated as Record<string, number>;
    expect(created.yahoo).toBeGreaterThan(0);
    expect(created.rakuten).toBeGreaterThan(0);
    const text = await runCli(['import-sku', '-f', MASTER], env);
    expect(text.stdout).toContain('[SANDBOX] Created 0 listings the simulated malls lacked');

    const before = await cli('sandbox', 'show', 'AMZ-P-001');
    // The Shopee shops list the sandbox's demo SKUs, not the master's: no listing there; the warehouse has none of it.
    const shopee = { SG: null, MY: null, TH: null, TW: null, PH: null, VN: null, BR: null };
    const shopeePrices = shopee;
    expect(before).toEqual({ sku: 'AMZ-P-001', amazon: null, yahoo: 0, rakuten: 0, shopee, shopeePrices, wms: null });
    await cli('sandbox', 'set-stock', 'AMZ-P-001', '20');
    const sync = await cli('sync');
    // The sandbox's demo SKUs are synced too; the master's SKU is what the routine checks.
    expect(sync).toMatchObject({ status: 'SUCCESS', failed: 0 });
    // The manual's tiers: 20 and above → 1/5.
    expect(await cli('sandbox', 'show', 'AMZ-P-001')).toEqual({ sku: 'AMZ-P-001', amazon: 20, yahoo: 4, rakuten: 4, shopee, shopeePrices, wms: null });

    const rollback = await cli('rollback');
    expect(rollback).toMatchObject({ status: 'SUCCESS' });
    expect(await cli('sandbox', 'show', 'AMZ-P-001')).toEqual({ sku: 'AMZ-P-001', amazon: 20, yahoo: 0, rakuten: 0, shopee, shopeePrices, wms: null });
  }, 120_000);
});
