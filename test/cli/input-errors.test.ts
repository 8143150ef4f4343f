// Bad input to the CLI is a usage error: exit 2, a message naming what is wrong and where, no stack trace, and
// nothing written. Checks that need no data run before the database is opened: they pass even with the
// database unreachable.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncRun } from '../../subgraphs/inventory/entities/sync-run.js';
import { cliEnv, runCli, type CliResult } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/nowhere';

function expectUsageError(r: CliResult, message: RegExp): void {
  expect({ code: r.code, err: r.stderr }).toEqual({ code: 2, err: expect.stringMatching(message) });
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
}

describe('CLI input errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-input-'));
  const badReport = join(dir, 'fba.tsv');
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let noDb: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await createTestDatabase();
    const base = { TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs') };
    env = cliEnv({ ...base, DATABASE_URL: t.url });
    noDb = cliEnv({ ...base, DATABASE_URL: UNREACHABLE });
    const lines = ['sku\tafn-fulfillable-quantity', 'AMZ-000001\t5', ...['0x10', '1e3', '0b11', '1_000', '2.0', '99999999999999999999'].map((q, i) => `AMZ-00001${i}\t${q}`)];
    writeFileSync(badReport, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [['stock', 'set', 'yahoo', 'AMZ-000001', '99999999999'], /qty must be a whole number from 0 to 999999999 in plain digits, got "99999999999"/],
    [['stock', 'set', 'amazon', 'AMZ-000001', '5'], /unknown channel "amazon"; channels: yahoo, rakuten/],
    [['status', '--limit', '99999999999999999999'], /--limit must be a whole number from 1 to 1000/],
    [['sandbox', 'seed', '--skus', '0'], /--skus must be a whole number from 1 to 1000000/],
    [['sync', '--file', join(dir, 'missing.tsv')], /missing\.tsv: 1 error.*\n.*cannot read the file \(ENOENT\)/],
    [['sync', '--dry-run', '--source', 'yahoo'], /--source: unknown stock source "yahoo"; sources: amazon/],
    [['rollback', '--source', 'nowhere'], /--source: unknown stock source "nowhere"; sources: amazon/],
    [['rules', 'show', '--source', 'nowhere'], /--source: unknown stock source "nowhere"; sources: amazon/],
    [['rules', 'approve', '1', '--source', 'nowhere'], /--source: unknown stock source "nowhere"; sources: amazon/],
    [['simulate', '--source', 'rakuten', '--quantity', '5'], /--source: unknown stock source "rakuten"; sources: amazon/],
  ])('%j exits 2 before opening the database', async (args, message) => {
    expectUsageError(await runCli(args, noDb), message);
  }, 30_000);

  it('sync --file names every bad quantity\'s line, exits 2 and writes no run', async () => {
    const r = await runCli(['sync', '--file', badReport], env);
    expectUsageError(r, /fba\.tsv: 6 error\(s\)/);
    for (let line = 3; line <= 8; line++) expect(r.stderr).toMatch(new RegExp(`line ${line}: fulfillable quantity`));
    expect(r.stderr).not.toMatch(/database|out of range|integer/i);
    expect(await t.db.em().count(SyncRun, {})).toBe(0);
    expectUsageError(await runCli(['sync', '--file', badReport], noDb), /fba\.tsv: 6 error\(s\)/);
  }, 60_000);

  it('stock set with an unknown SKU exits 2 and writes no run', async () => {
    expectUsageError(await runCli(['stock', 'set', 'yahoo', 'NOPE-1', '5'], env), /unknown SKU "NOPE-1": it is not in the SKU master/);
    expect(await t.db.em().count(SyncRun, {})).toBe(0);
  }, 60_000);
});
