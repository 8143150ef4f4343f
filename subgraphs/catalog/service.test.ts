import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import type { AuditRecord } from '../../platform/audit.js';
import { ReportingService } from '../reporting/service.js';
import type { EntityManager } from '../../platform/db/index.js';
import {
  CatalogService, DEFAULT_SKU_MASTER_LIMITS, ImportBusyError, parseSkuMaster, SkuMasterInvalidError, type SkuMappingInput, type SkuMasterError,
} from './service.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/master.xlsx', import.meta.url));
const HEADER = ['amazon_sku', 'yahoo_item_code', 'rakuten_item_number', 'is_active'];
/** The manual's master: its columns as config/config.yaml names them. */
const LAYOUT = { sku: 'amazon_sku', active: 'is_active', listings: { yahoo_item_code: 'yahoo', rakuten_item_number: 'rakuten' } };

let dir: string;
let files = 0;

/** Writes a real .xlsx to the temp dir (first sheet = rows, row 1 first) and reads it back as an upload would. */
async function workbook(rows: ExcelJS.CellValue[][], extraSheetFirst = false): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  if (extraSheetFirst) wb.addWorksheet('notes').addRow(['this sheet is first']);
  const sheet = wb.addWorksheet('master');
  rows.forEach((values, i) => {
    sheet.getRow(i + 1).values = values;
  });
  if (extraSheetFirst) wb.addWorksheet('other').addRow(HEADER);
  const path = join(dir, `master-${++files}.xlsx`);
  await wb.xlsx.writeFile(path);
  return readFile(path);
}

async function parseErrors(file: Buffer, layout = LAYOUT): Promise<SkuMasterError[]> {
  const err = await parseSkuMaster(file, layout).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SkuMasterInvalidError);
  return (err as SkuMasterInvalidError).errors;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsunagi-catalog-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseSkuMaster', () => {
  it('reads the fixture master', async () => {
    const rows = await parseSkuMaster(await readFile(FIXTURE), LAYOUT);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ row: 2, sku: 'AMZ-P-001', listings: { yahoo: 'YH0-01234', rakuten: 'RKT-98765' }, isActive: true });
    expect(rows.map((r) => r.isActive)).toEqual([true, false, true, true, false]);
  });

  it('finds the header by name in any order and case, below blank rows, ignoring other columns', async () => {
    const rows = await parseSkuMaster(
      await workbook([
        [],
        ['', '\u3000'],
        ['memo', ' IS_ACTIVE ', 'Rakuten_Item_Number', 'price', 'Amazon_SKU', 'yahoo_item_code'],
        ['a note', true, 'RKT-1', 1200, 'AMZ-1', 'YH-1'],
      ]),
      LAYOUT,
    );
    expect(rows).toEqual([{ row: 4, sku: 'AMZ-1', listings: { yahoo: 'YH-1', rakuten: 'RKT-1' }, isActive: true }]);
  });

  it('takes the first non-empty row as the header, so a title row above it is reported', async () => {
    const errors = await parseErrors(await workbook([['SKU master 2026'], HEADER, ['AMZ-1', 'YH-1', null, true]]));
    expect(errors.map((e) => [e.row, e.column])).toEqual(HEADER.map((column) => [1, column]));
  });

  it('reads the first worksheet only', async () => {
    const errors = await parseErrors(await workbook([HEADER, ['AMZ-1', 'YH-1', 'RKT-1', true]], true));
    expect(errors).toEqual(HEADER.map((column) => expect.objectContaining({ row: 1, column, message: `header column ${column} is missing` })));
  });

  it('reads a workbook whatever the order of its parts in the zip', async () => {
    // exceljs's streaming reader lost the shared strings or the workbook part in some of these orders;
    // its own writer produces more than one of them.
    const source = await JSZip.loadAsync(await workbook([HEADER, ['AMZ-1', 'YH-1', 'RKT-1', true]]));
    const names = Object.keys(source.files).filter((name) => !source.files[name]!.dir);
    const parts = ['xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/worksheets/sheet1.xml', 'xl/styles.xml', 'xl/workbook.xml'];
    const orders = (list: string[]): string[][] =>
      list.length <= 1 ? [list] : list.flatMap((first, i) => orders(list.filter((_, j) => j !== i)).map((rest) => [first, ...rest]));
    const read: string[] = [];
    for (const order of orders(parts)) {
      const reordered = new JSZip();
      for (const name of [...names.filter((n) => !parts.includes(n)), ...order]) reordered.file(name, await source.file(name)!.async('uint8array'));
      const rows = await parseSkuMaster(await reordered.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), LAYOUT);
      if (rows[0]?.listings.rakuten === 'RKT-1') read.push(order.join(' '));
    }
    expect(read).toHaveLength(120);
  });

  it('trims codes, full-width spaces included', async () => {
    const rows = await parseSkuMaster(await workbook([HEADER, ['\u3000AMZ-1 ', ' YH-1\u3000\u3000', '\tRKT-1\u00a0', true]]), LAYOUT);
    expect(rows[0]).toMatchObject({ sku: 'AMZ-1', listings: { yahoo: 'YH-1', rakuten: 'RKT-1' } });
  });

  it('turns numeric codes into their integer text', async () => {
    const rows = await parseSkuMaster(await workbook([HEADER, [12345, 4901234567894, 98765, true]]), LAYOUT);
    expect(rows[0]).toMatchObject({ sku: '12345', listings: { yahoo: '4901234567894', rakuten: '98765' } });
  });

  it('reads rich text, formula results and hyperlink text', async () => {
    const rows = await parseSkuMaster(
      await workbook([
        HEADER,
        [
          { richText: [{ text: 'AMZ-' }, { text: 'R1', font: { bold: true } }] },
          { formula: 'CONCATENATE("YH-","1")', result: 'YH-1' },
          { text: 'RKT-1', hyperlink: 'https://item.rakuten.co.jp/shop/rkt-1/' },
          { formula: '1=1', result: true },
        ],
      ]),
      LAYOUT,
    );
    expect(rows[0]).toMatchObject({ sku: 'AMZ-R1', listings: { yahoo: 'YH-1', rakuten: 'RKT-1' }, isActive: true });
  });

  it('accepts is_active as a boolean, TRUE/FALSE, 1/0 and yes/no in any case', async () => {
    const flags: ExcelJS.CellValue[] = [true, false, 'TRUE', 'false', 1, 0, '1', '0', 'Yes', 'NO', ' yes ', 'ＴＲＵＥ'];
    const rows = await parseSkuMaster(await workbook([HEADER, ...flags.map((flag, i) => [`AMZ-${i}`, `YH-${i}`, null, flag])]), LAYOUT);
    expect(rows.map((r) => r.isActive)).toEqual([true, false, true, false, true, false, true, false, true, false, true, true]);
  });

  it('skips blank rows and keeps Excel row numbers', async () => {
    const rows = await parseSkuMaster(
      await workbook([HEADER, ['AMZ-1', 'YH-1', null, true], [], ['  ', null, '\u3000', null], ['AMZ-2', null, 'RKT-2', false]]),
      LAYOUT,
    );
    expect(rows.map((r) => [r.row, r.sku])).toEqual([
      [2, 'AMZ-1'],
      [5, 'AMZ-2'],
    ]);
  });

  it('accepts a SKU listed on only one mall', async () => {
    const rows = await parseSkuMaster(await workbook([HEADER, ['AMZ-Y', 'YH-1', '', true], ['AMZ-R', null, 'RKT-1', true]]), LAYOUT);
    expect(rows.map((r) => r.listings)).toEqual([{ yahoo: 'YH-1' }, { rakuten: 'RKT-1' }]);
  });

  it('reports every error of a file at once with its Excel row', async () => {
    const errors = await parseErrors(
      await workbook([
        [],
        HEADER,
        ['AMZ-1', 'YH-1', 'RKT-1', true],
        [null, 'YH-2', 'RKT-2', true],
        ['AMZ-3', null, '', false],
        ['AMZ-4', 'YH-4', 'RKT-4', 'maybe'],
        [],
        ['AMZ-5', 12.5, 'RKT-5', null],
        ['AMZ-6', 'x'.repeat(256), { formula: '1/0', result: { error: '#DIV/0!' } }, 1],
      ]),
    );
    expect(errors).toEqual([
      { row: 4, column: 'amazon_sku', message: 'amazon_sku is empty' },
      { row: 5, column: 'yahoo_item_code', message: 'needs a yahoo_item_code or a rakuten_item_number; both are empty' },
      { row: 6, column: 'is_active', message: 'is_active "maybe" is not TRUE/FALSE, 1/0 or yes/no' },
      { row: 8, column: 'yahoo_item_code', message: 'yahoo_item_code 12.5 is not a whole number' },
      { row: 8, column: 'is_active', message: 'is_active is empty; expected TRUE or FALSE (also 1/0, yes/no)' },
      { row: 9, column: 'yahoo_item_code', message: 'yahoo_item_code is 256 characters long; at most 255 are allowed' },
      // The streaming reader does not keep an error result's text: the cell is refused all the same.
      { row: 9, column: 'rakuten_item_number', message: 'the formula has no saved result; open and save the file in Excel' },
    ]);
  });

  it('names both rows of a duplicate amazon_sku', async () => {
    const errors = await parseErrors(
      await workbook([HEADER, ['AMZ-1', 'YH-1', null, true], ['AMZ-2', 'YH-2', null, true], [' AMZ-1', null, 'RKT-1', false]]),
    );
    expect(errors).toEqual([{ row: 4, column: 'amazon_sku', message: 'duplicate amazon_sku "AMZ-1" on rows 2 and 4' }]);
  });

  it('reports a missing or repeated header column on the header row', async () => {
    const errors = await parseErrors(
      await workbook([[], ['amazon_sku', 'yahoo_item_code', 'is_active', 'Yahoo_Item_Code'], ['AMZ-1', 'YH-1', true, 'YH-1']]),
    );
    expect(errors).toEqual([
      { row: 2, column: 'yahoo_item_code', message: 'header column yahoo_item_code appears 2 times (columns B, D)' },
      { row: 2, column: 'rakuten_item_number', message: 'header column rakuten_item_number is missing' },
    ]);
  });

  it('rejects a file that is not an xlsx workbook as row 0', async () => {
    const errors = await parseErrors(Buffer.from('amazon_sku,yahoo_item_code\nAMZ-1,YH-1\n'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 0, column: 'file', message: expect.stringMatching(/^not a readable \.xlsx workbook/) });
  });

  it('rejects an empty sheet and a header without rows', async () => {
    expect(await parseErrors(await workbook([]))).toEqual([expect.objectContaining({ row: 0, column: 'file', message: expect.stringMatching(/empty/) })]);
    expect(await parseErrors(await workbook([HEADER, []]))).toEqual([
      { row: 0, column: 'file', message: 'no SKU rows below the header (row 1)' },
    ]);
  });

  describe('limits', () => {
    const limits = (l: Partial<typeof DEFAULT_SKU_MASTER_LIMITS>) => ({ ...DEFAULT_SKU_MASTER_LIMITS, ...l });
    const refusal = (file: Buffer, l: Partial<typeof DEFAULT_SKU_MASTER_LIMITS>) =>
      parseSkuMaster(file, LAYOUT, limits(l)).then(() => undefined, (e: unknown) => e as SkuMasterInvalidError);
    const rows = (n: number) => [HEADER, ...Array.from({ length: n }, (_, i) => [`AMZ-${i}`, `YH-${i}`, null, true])];

    it('stops reading at the row limit', async () => {
      const err = await refusal(await workbook(rows(12)), { maxRows: 10 });
      expect(err).toBeInstanceOf(SkuMasterInvalidError);
      expect(err!.errors).toEqual([{ row: 0, column: 'file', message: expect.stringMatching(/more than 10 rows below the header.*skuMaster\.maxRows/) }]);
      expect(await parseSkuMaster(await workbook(rows(10)), LAYOUT, limits({ maxRows: 10 }))).toHaveLength(10);
    });

    it('refuses a cell longer than the cell limit, naming where it is', async () => {
      const err = await refusal(await workbook([HEADER, ['AMZ-1', 'YH-1', null, true, 'x'.repeat(101)]]), { maxCellChars: 100 });
      expect(err!.errors[0]!.message).toMatch(/^row 2, column E: the cell holds 101 characters; at most 100/);
    });

    it('refuses a workbook that would inflate past the limit before reading it', async () => {
      const err = await refusal(await workbook(rows(50)), { maxUncompressedBytes: 4000 });
      expect(err!.errors[0]!.message).toMatch(/^the workbook inflates to \d+ bytes .*; at most 4000 are accepted/);
    });

    it('lists the first errors and counts them all', async () => {
      const bad = [HEADER, ...Array.from({ length: 30 }, (_, i) => [`AMZ-${i}`, null, null, true])];
      const err = await refusal(await workbook(bad), { maxErrorsReported: 5 });
      expect(err!.errors).toHaveLength(5);
      expect(err!.totalErrors).toBe(30);
      expect(err!.message).toMatch(/^SKU master rejected, 30 errors: .*; and 25 more$/);
    });
  });

  it('refuses a listing code given to two SKUs, naming both rows', async () => {
    const errors = await parseErrors(await workbook([HEADER, ['AMZ-1', 'YH-1', 'RKT-1', true], ['AMZ-2', 'YH-1', 'RKT-2', true]]));
    expect(errors).toEqual([{ row: 3, column: 'yahoo_item_code', message: 'duplicate yahoo_item_code "YH-1" on rows 2 and 3: a listing feeds one SKU' }]);
  });

  it('reads the columns config names: another channel is one more column, no code', async () => {
    const layout = { ...LAYOUT, listings: { ...LAYOUT.listings, shopee_sg_item_id: 'shopee:SG' } };
    const rows = await parseSkuMaster(await workbook([[...HEADER, 'shopee_sg_item_id'], ['AMZ-1', null, null, true, 'SG-1']]), layout);
    expect(rows).toEqual([{ row: 2, sku: 'AMZ-1', listings: { 'shopee:SG': 'SG-1' }, isActive: true }]);
    const errors = await parseErrors(await workbook([HEADER]), layout);
    expect(errors.map((e) => e.message)).toEqual(['header column shopee_sg_item_id is missing']);
  });

  it('summarises the errors in the message', async () => {
    const err = await parseSkuMaster(await workbook([HEADER, [null, 'YH-1', null, true]]), LAYOUT).catch((e: Error) => e);
    expect((err as Error).message).toBe('SKU master rejected, 1 error: row 2 amazon_sku: amazon_sku is empty');
  });
});

describe('CatalogService', () => {
  let t: TestDatabase;
  let reporting: ReportingService;
  let catalog: CatalogService;
  const count = async () => (await catalog.mappingStats()).total;

  beforeAll(async () => {
    t = await createTestDatabase();
    reporting = new ReportingService(t.db);
    catalog = new CatalogService(t.db, reporting, LAYOUT);
  });
  afterAll(() => t.drop());
  beforeEach(() => t.db.em().execute('delete from listing; delete from sku_mapping'));

  it('imports the fixture master and audits the import', async () => {
    const result = await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops@example.com', fileName: 'master.xlsx' });
    expect(result).toEqual({ imported: 5, active: 3, inactive: 2, replaced: 0 });
    expect(await catalog.mappingStats()).toEqual({ total: 5, active: 3, inactive: 2 });

    const active = await catalog.activeMappings();
    expect([...active.keys()].sort()).toEqual(['AMZ-P-001', 'AMZ-P-003', 'AMZ-P-004']);
    expect(active.get('AMZ-P-001')).toEqual({ yahoo: 'YH0-01234', rakuten: 'RKT-98765' });
    const all = await catalog.allMappings();
    expect(all.size).toBe(5);
    expect(all.get('AMZ-P-002')).toEqual({ listings: { yahoo: 'YH0-01235', rakuten: 'RKT-98766' }, isActive: false });

    const [entry] = await reporting.auditTrail(1);
    expect(entry).toMatchObject({ actor: 'ops@example.com', action: 'catalog.import-sku-master', subject: 'master.xlsx' });
    expect(entry!.detail).toEqual({ imported: 5, active: 3, inactive: 2, replaced: 0, replace: false });
  });

  it('updates existing SKUs and keeps the others without replace', async () => {
    await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops' });
    const result = await catalog.importSkuMaster(await workbook([HEADER, ['AMZ-P-002', 'YH-NEW', null, 'yes']]), { actor: 'ops' });
    expect(result).toEqual({ imported: 1, active: 1, inactive: 0, replaced: 0 });
    expect(await catalog.mappingStats()).toEqual({ total: 5, active: 4, inactive: 1 });
    const got = (await catalog.getMappings(['AMZ-P-002'])).get('AMZ-P-002');
    expect(got).toEqual({ sku: 'AMZ-P-002', listings: { yahoo: 'YH-NEW' }, isActive: true, importedAt: expect.any(Date) });
  });

  it('with replace, removes the mappings missing from the file and counts what it deleted', async () => {
    await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops' });
    const file = await workbook([HEADER, ['AMZ-P-001', 'YH0-01234', 'RKT-CHANGED', true], ['AMZ-NEW', null, 'RKT-NEW', false]]);
    const result = await catalog.importSkuMaster(file, { actor: 'ops', replace: true });
    expect(result).toEqual({ imported: 2, active: 1, inactive: 1, replaced: 5 });
    const all = await catalog.listMappings({ first: 10 });
    expect(all.rows.map((r) => [r.sku, r.listings])).toEqual([
      ['AMZ-NEW', { rakuten: 'RKT-NEW' }],
      ['AMZ-P-001', { yahoo: 'YH0-01234', rakuten: 'RKT-CHANGED' }],
    ]);
  });

  it('moves a code between SKUs of one import, and refuses one still held by a SKU the import leaves alone', async () => {
    await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops' });
    const swap = await workbook([HEADER, ['AMZ-P-001', 'YH0-01235', null, true], ['AMZ-P-002', 'YH0-01234', null, true]]);
    await catalog.importSkuMaster(swap, { actor: 'ops' });
    const got = await catalog.getMappings(['AMZ-P-001', 'AMZ-P-002']);
    expect([got.get('AMZ-P-001')!.listings, got.get('AMZ-P-002')!.listings]).toEqual([{ yahoo: 'YH0-01235' }, { yahoo: 'YH0-01234' }]);

    const taken = await workbook([HEADER, ['AMZ-NEW', 'YH0-01234', null, true]]);
    const err = await catalog.importSkuMaster(taken, { actor: 'ops' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkuMasterInvalidError);
    expect((err as Error).message).toContain('yahoo listing "YH0-01234" for AMZ-NEW already belongs to AMZ-P-002');
    expect(await count()).toBe(5);
  });

  it('runs one import at a time: a second one meanwhile is refused', async () => {
    const file = await readFile(FIXTURE);
    const first = catalog.importSkuMaster(file, { actor: 'ops' });
    await expect(catalog.importSkuMaster(file, { actor: 'ops' })).rejects.toThrow(ImportBusyError);
    expect((await first).imported).toBe(5);
    expect((await catalog.importSkuMaster(file, { actor: 'ops' })).imported).toBe(5);
  });

  it('changes nothing when the file has errors', async () => {
    await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops' });
    const auditBefore = (await reporting.auditTrail(100)).length;
    const bad = await workbook([HEADER, ['AMZ-P-001', 'YH-CHANGED', null, true], ['AMZ-X', null, null, true], ['AMZ-Y', 'YH-Y', null, 'perhaps']]);

    const err = await catalog.importSkuMaster(bad, { actor: 'ops', replace: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkuMasterInvalidError);
    expect((err as SkuMasterInvalidError).errors.map((e) => [e.row, e.column])).toEqual([
      [3, 'yahoo_item_code'],
      [4, 'is_active'],
    ]);
    expect(await count()).toBe(5);
    expect((await catalog.getMappings(['AMZ-P-001'])).get('AMZ-P-001')?.listings.yahoo).toBe('YH0-01234');
    expect((await reporting.auditTrail(100)).length).toBe(auditBefore);
  });

  it('rolls the whole import back when a step of its transaction fails', async () => {
    await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops' });
    class FailingReporting extends ReportingService {
      override async audit(_record: AuditRecord, _em?: EntityManager): Promise<void> {
        throw new Error('audit store unavailable');
      }
    }
    const failing = new CatalogService(t.db, new FailingReporting(t.db), LAYOUT);
    const file = await workbook([HEADER, ['AMZ-ONLY', 'YH-1', null, true]]);
    await expect(failing.importSkuMaster(file, { actor: 'ops', replace: true })).rejects.toThrow('audit store unavailable');
    expect(await catalog.mappingStats()).toEqual({ total: 5, active: 3, inactive: 2 });
  });

  it('looks mappings up by SKU, active or not', async () => {
    await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops' });
    const found = await catalog.getMappings(['AMZ-P-002', 'AMZ-P-004', 'AMZ-MISSING', 'AMZ-P-002']);
    expect([...found.keys()].sort()).toEqual(['AMZ-P-002', 'AMZ-P-004']);
    expect(found.get('AMZ-P-002')).toMatchObject({ isActive: false, listings: { yahoo: 'YH0-01235', rakuten: 'RKT-98766' }, importedAt: expect.any(Date) });
    expect(await catalog.getMappings([])).toEqual(new Map());
  });

  it('pages through mappings by amazon_sku', async () => {
    await catalog.importSkuMaster(await readFile(FIXTURE), { actor: 'ops' });
    const first = await catalog.listMappings({ first: 2 });
    expect(first.rows.map((r) => r.sku)).toEqual(['AMZ-P-001', 'AMZ-P-002']);
    expect(first).toMatchObject({ endCursor: 'AMZ-P-002', hasNextPage: true });
    const last = await catalog.listMappings({ first: 3, after: first.endCursor });
    expect(last.rows.map((r) => r.sku)).toEqual(['AMZ-P-003', 'AMZ-P-004', 'AMZ-P-005']);
    expect(last).toMatchObject({ endCursor: 'AMZ-P-005', hasNextPage: false });
    expect(await catalog.listMappings({ first: 3, after: 'AMZ-P-005' })).toEqual({ rows: [], endCursor: null, hasNextPage: false });
    await expect(catalog.listMappings({ first: 0 })).rejects.toMatchObject({ code: 'USER_INPUT', argument: 'first' });
  });

  it('refuses mappings the database would reject, before writing any', async () => {
    const rows = [
      { sku: 'AMZ-1', listings: { yahoo: 'YH-1' }, isActive: true },
      { sku: 'AMZ-2', listings: {}, isActive: true },
    ] as SkuMappingInput[];
    await expect(catalog.upsertMappings(rows)).rejects.toMatchObject({ code: 'USER_INPUT', message: 'mapping AMZ-2 has no listing on any channel' });
    expect(await count()).toBe(0);
    const shared = [
      { sku: 'AMZ-1', listings: { yahoo: 'YH-1' }, isActive: true },
      { sku: 'AMZ-2', listings: { yahoo: 'YH-1' }, isActive: true },
    ];
    await expect(catalog.upsertMappings(shared)).rejects.toMatchObject({
      code: 'USER_INPUT', message: 'yahoo listing "YH-1" is named by both AMZ-1 and AMZ-2; a listing feeds one SKU',
    });
    expect(await count()).toBe(0);
  });

  it('upserts 100,000 mappings in bulk', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({
      sku: `AMZ-${String(i).padStart(6, '0')}`,
      listings: { ...(i % 3 === 0 ? {} : { yahoo: `YH-${i}` }), rakuten: `RKT-'${i}\\` } as Record<string, string>,
      isActive: i % 4 !== 0,
    }));
    expect(await catalog.upsertMappings(rows, {})).toEqual({ upserted: 100_000, replaced: 0 });
    expect(await catalog.mappingStats()).toEqual({ total: 100_000, active: 75_000, inactive: 25_000 });

    const active = await catalog.activeMappings();
    expect(active.size).toBe(75_000);
    expect(active.get('AMZ-000001')).toEqual({ yahoo: 'YH-1', rakuten: "RKT-'1\\" });
    expect(active.get('AMZ-000003')).toEqual({ rakuten: "RKT-'3\\" });

    // A second pass updates in place; replace then empties the table before writing.
    rows[1] = { ...rows[1]!, isActive: false };
    expect(await catalog.upsertMappings(rows)).toEqual({ upserted: 100_000, replaced: 0 });
    expect((await catalog.mappingStats()).active).toBe(74_999);
    expect(await catalog.upsertMappings(rows.slice(0, 10), { replace: true })).toEqual({ upserted: 10, replaced: 100_000 });
    expect(await count()).toBe(10);
  }, 120_000);
});
