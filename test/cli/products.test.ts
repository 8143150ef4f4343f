// The product master from the CLI, as an operator runs it in sandbox mode: a full and an incremental read of the
// PIM's API, and its export file (`-f`), a bad one refused with every row named and nothing imported.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('tsunagi integrations run pim', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-products-'));
  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs') });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]) => {
    const r = await runCli(['--json', 'integrations', 'run', 'pim', ...args], env);
    return { ...r, json: r.code === 0 ? (JSON.parse(r.stdout) as { ok: boolean; output: Record<string, unknown> }) : null };
  };

  it('reads every demo product, then only the changes', async () => {
    const full = await run('products-full');
    expect(full.code).toBe(0);
    expect(full.json!.output).toMatchObject({ mode: 'FULL', status: 'SUCCESS', read: 30, created: 30 });
    const incremental = await run('products-incremental');
    expect(incremental.code).toBe(0);
    // The demo products were all written in the same second as the watermark: the overlap reads them again, unchanged.
    expect(incremental.json!.output).toMatchObject({ mode: 'INCREMENTAL', status: 'SUCCESS', created: 0, updated: 0 });
  });

  it('imports an export file given with -f, and refuses a bad one naming every row (exit 2, nothing imported)', async () => {
    const header = 'sku;enabled;categories;name_ja;name_en;weight;weight-unit';
    const good = join(dir, 'products.csv');
    writeFileSync(good, [header, 'AMZ-000001;1;toys;ファイルの名前;Name from a file;120;GRAM', 'NEW-1;1;kitchen;新商品;New product;80;GRAM'].join('\n'));
    const ok = await run('products-csv', '-f', good);
    expect(ok.code).toBe(0);
    expect(ok.json!.output).toMatchObject({ mode: 'FILE', status: 'SUCCESS', read: 2, created: 1, updated: 1 });

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, [header, 'AMZ-000002;1;toys;名前;Name;12;GRAM', ';1;toys;名前;Name;1;GRAM', 'AMZ-000003;maybe;toys;名前;Name;1;GRAM'].join('\n'));
    const refused = await runCli(['integrations', 'run', 'pim', 'products-csv', '-f', bad], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/2 problem\(s\) in the product file bad\.csv; nothing was imported:\n {2}row 2, sku: is empty\n {2}row 3, enabled: "maybe" is not 1 or 0/);
    const missing = await runCli(['integrations', 'run', 'pim', 'products-csv'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/give the file \(-f\) or its content \(base64\), one of them/);
  });
});
