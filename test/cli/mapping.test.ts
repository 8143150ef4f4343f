// `tsunagi mapping`: an operator checks a mapping on sample input before a run uses it (no database needed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-mapping-'));
const env = cliEnv({});
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('tsunagi mapping', () => {
  it('apply --json prints exactly the transformed JSON for an array of records', async () => {
    const input = file('stock.json', [{ product_code: 'AMZ-1', available_quantity: 3, warehouse_location: 'A1' }, { product_code: 'AMZ-2' }]);
    const r = await runCli(['mapping', 'apply', 'wms_to_shopee', '-f', input, '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ sku: 'AMZ-1', stock: 3, location: 'A1' }, { sku: 'AMZ-2' }]);
  });

  it('apply names the record and field a value fails on, exit 2, nothing on stdout', async () => {
    const input = file('orders.json', [{ order_sn: 'A', currency: 'JPY', total_amount: 1.5 }]);
    const r = await runCli(['mapping', 'apply', 'shopee_to_oms', '-f', input], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\[0\] mapping shopee_to_oms: total_amount → totals.amount_minor: has more decimals than JPY allows \(0\)/);
  });

  it('--mappings tries another file, validated the same way: a refusal names the mapping and key', async () => {
    const input = file('one.json', { a: 1 });
    const good = file('good.json', { data_mappings: { mine: { a: 'b.c' } } });
    expect(JSON.parse((await runCli(['mapping', 'apply', 'mine', '-f', input, '--mappings', good, '--json'], env)).stdout)).toEqual({ b: { c: 1 } });
    const bad = file('bad.json', { data_mappings: { mine: { a: { to: 'b', transform: 'shell' } } } });
    const r = await runCli(['mapping', 'apply', 'mine', '-f', input, '--mappings', bad], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad.json: mapping mine, key "a": unknown transform "shell"/);
    const notJson = await runCli(['mapping', 'apply', 'mine', '-f', file('broken.json', '{'), '--mappings', good], env);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/input file .*broken.json: invalid JSON/);
  });

  it('list shows the shipped mappings with their transforms', async () => {
    const r = await runCli(['mapping', 'list', '--json'], env);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; fields: { from: string; to: string; transforms: { name: string }[] }[] }[];
    expect(list.map((m) => m.name)).toEqual(['wms_to_shopee', 'shopee_to_oms', 'pim_to_catalog', 'pim_to_shopee', 'wms_stream_to_shopee']);
    expect(list[1].fields).toContainEqual(expect.objectContaining({ from: 'create_time', to: 'ordered_at', transforms: [{ name: 'isoDate', args: { unit: 'seconds' } }] }));
  });

  it('a reader that stops early (| head -1) ends the command quietly', () => {
    // Far more than a pipe buffer, so the CLI is still writing when head exits.
    const input = file('many.json', Array.from({ length: 20_000 }, (_, i) => ({ product_code: `AMZ-${i}`, available_quantity: i })));
    const out = execFileSync('sh', ['-c', `{ "${process.execPath}" bin/tsunagi.js mapping apply wms_to_shopee -f "${input}" | head -1; } 2>&1`], { env, encoding: 'utf8' });
    expect(out).toBe('[\n');
  });
});
