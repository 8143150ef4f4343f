// A SKU master past the import limits is refused cheaply: a workbook of 1,000,000 rows and one whose single cell
// inflates to 700 MB from 0.7 MB, through the real CLI (exit 2, its peak RSS measured) and through GraphQL
// (BAD_USER_INPUT). The workbooks are written by a streaming zip writer, never held in memory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { startHarness, gql, token, type Harness } from '../graphql/support.js';
import { cliEnv, ROOT } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { sharedStringsXml, sheetXml, writeXlsx } from '../support/xlsx.js';

const HEADER = ['amazon_sku', 'yahoo_item_code', 'rakuten_item_number', 'is_active'];
const MAX_RSS_MB = 512;

function* millionRows(): Generator<(string | boolean | null)[]> {
  yield HEADER;
  for (let i = 0; i < 1_000_000; i++) yield [`AMZ-${i}`, 'YH-1', null, true];
}

function* megabytes(n: number): Generator<Buffer> {
  const chunk = Buffer.alloc(1 << 20, 'A');
  for (let i = 0; i < n; i++) yield chunk;
}

/**
 * Runs the CLI with a preload that prints each process's peak RSS on exit. Through NODE_OPTIONS, so that the
 * process doing the work is measured even when bin/tsunagi.js hands over to the pinned Node; the largest counts.
 */
function runMeasured(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; maxRssMb: number }> {
  const preload = `--import=${pathToFileURL(join(ROOT, 'test/support/max-rss.mjs')).href}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tsunagi.js'), ...args], { env: { ...env, NODE_OPTIONS: preload }, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const kb = Math.max(...[...stderr.matchAll(/max_rss_kb=(\d+)/g)].map((m) => Number(m[1])));
      resolve({ code, stdout, stderr, maxRssMb: kb / 1024 });
    });
  });
}

describe('SKU master import limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-import-limits-'));
  const files = {
    rows: join(dir, 'million-rows.xlsx'),
    bomb: join(dir, 'one-cell-700mb.xlsx'),
    lying: join(dir, 'one-cell-700mb-declared-1kb.xlsx'),
    good: join(dir, 'good.xlsx'),
  };
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs'), TSUNAGI_USER: 'limits' });
    await writeXlsx(files.rows, { sheet: sheetXml(millionRows()), level: 1 });
    await writeXlsx(files.bomb, { sheet: sheetXml([HEADER, ['AMZ-1', 'YH-1', null, true]]), sharedStrings: sharedStringsXml([megabytes(700)]), level: 9 });
    // The same bomb, its zip declaring 1 KB for the part: the declared sizes pass, the real inflate must not.
    await writeXlsx(files.lying, {
      sheet: sheetXml([HEADER, ['AMZ-1', 'YH-1', null, true]]), sharedStrings: sharedStringsXml([megabytes(700)]), level: 9,
      declaredSizes: { 'xl/sharedStrings.xml': 1024 },
    });
    await writeXlsx(files.good, { sheet: sheetXml([HEADER, ['AMZ-1', 'YH-1', 'rk-1', true], ['AMZ-2', null, 'rk-2', false]]) });
  }, 60_000);
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the CLI refuses a workbook whose zip understates what a part inflates to, with exit 2, in bounded memory', async () => {
    const r = await runMeasured(['--json', 'import-sku', '-f', files.lying], env);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { errors: { row: number; column: string; message: string }[] };
    expect(out.errors[0]).toMatchObject({ row: 0, column: 'file', message: expect.stringMatching(/xl\/sharedStrings\.xml inflates past the 1024 bytes the zip declares/) });
    expect(r.maxRssMb).toBeGreaterThan(0);
    expect(r.maxRssMb).toBeLessThan(MAX_RSS_MB);
  }, 60_000);

  it('imports a workbook the same writer produced when it is within the limits', async () => {
    const r = await runMeasured(['--json', 'import-sku', '-f', files.good], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 2, active: 1, inactive: 1 });
  }, 60_000);

  it.each([
    ['1,000,000 rows', 'rows' as const],
    ['one cell inflating to 700 MB', 'bomb' as const],
  ])('the CLI refuses %s with exit 2, naming the limit, in bounded memory', async (_what, which) => {
    const r = await runMeasured(['--json', 'import-sku', '-f', files[which]], env);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { errors: { row: number; column: string; message: string }[]; totalErrors: number };
    expect(out.totalErrors).toBe(1);
    expect(out.errors[0]).toMatchObject({ row: 0, column: 'file', message: expect.stringMatching(/skuMaster\.maxUncompressedBytes/) });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.maxRssMb).toBeGreaterThan(0);
    expect(r.maxRssMb).toBeLessThan(MAX_RSS_MB);
  }, 60_000);

  describe('through GraphQL', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    }, 60_000);
    afterAll(() => h.close());

    it.each([['rows' as const], ['bomb' as const], ['lying' as const]])('refuses the %s workbook with BAD_USER_INPUT and changes nothing', async (which) => {
      const before = await h.app.ctx.catalog.mappingStats();
      const r = await gql(
        h.gateway.url,
        'mutation ($f: String!) { importSkuMapping(fileBase64: $f) { imported } }',
        { f: readFileSync(files[which]).toString('base64') },
        await token('operator'),
      );
      expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0]?.message).toMatch(/at most \d+ are accepted|inflates past/);
      expect(await h.app.ctx.catalog.mappingStats()).toEqual(before);
    }, 60_000);

    it('imports the manual\'s master and, in sandbox mode, creates the listings the simulated malls lack', async () => {
      const master = readFileSync(join(ROOT, 'subgraphs/catalog/fixtures/master.xlsx')).toString('base64');
      const query = 'mutation ($f: String!) { importSkuMapping(fileBase64: $f) { imported sandboxListingsCreated { channel count } } }';
      const first = await gql(h.gateway.url, query, { f: master }, await token('operator'));
      expect(first.body.errors).toBeUndefined();
      const created = first.body.data!.importSkuMapping.sandboxListingsCreated as { channel: string; count: number }[];
      expect(created.map((c) => c.channel).sort()).toEqual(['rakuten', 'yahoo']);
      expect(created.every((c) => c.count > 0)).toBe(true);
      expect(h.app.sims.yahoo.getQuantity('YH0-01234')).toBe(0);
      const again = await gql(h.gateway.url, query, { f: master }, await token('operator'));
      expect(again.body.data!.importSkuMapping).toEqual({ imported: 5, sandboxListingsCreated: [{ channel: 'yahoo', count: 0 }, { channel: 'rakuten', count: 0 }] });
    }, 60_000);
  });
});
