// The PIM's export file: real files on disk (UTF-8 and Shift_JIS), every bad row named, nothing read from a bad file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { MappingSet } from '../../platform/transform/index.js';
import type { PimCsvSettings } from './config.js';
import { PimFileInvalidError, readProductFile } from './csv.js';
import { mappedAttributes, PIM_TO_CATALOG } from './product.js';

const mapping = MappingSet.parse(JSON.parse(readFileSync('config/data-mappings.json', 'utf8')), 'mappings').get(PIM_TO_CATALOG);
const mapped = mappedAttributes(mapping);
const UTF8: PimCsvSettings = { encoding: 'utf-8', delimiter: ';', maxRows: 100, maxBytes: 1 << 20 };
const SJIS: PimCsvSettings = { ...UTF8, encoding: 'shift_jis' };
const dir = mkdtempSync(join(tmpdir(), 'tsunagi-pim-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'sku;enabled;family;categories;name_ja;name_en;description_en;brand;weight;weight-unit;length;length-unit;width;width-unit;height;height-unit;images;colour;catch_copy-ja_JP-ecommerce';
const ROWS = [
  'AMZ-000001;1;goods;kitchen,sale;三徳包丁;Santoku Knife;A knife.;Kaze Kobo;0.18;KILOGRAM;30.5;CENTIMETER;5;CENTIMETER;2;CENTIMETER;AMZ-000001-1,AMZ-000001-2;black;定番の包丁',
  'AMZ-000002;0;goods;toys;けん玉;Kendama;"A toy; with a ""quote""";Yamato Craft;140;GRAM;;;;;;;;red;',
];

function file(name: string, text: string, encoding: 'utf-8' | 'shift_jis' = 'utf-8'): string {
  const path = join(dir, name);
  writeFileSync(path, encoding === 'utf-8' ? text : iconv.encode(text, 'Shift_JIS'));
  return path;
}

async function problems(path: string, settings = UTF8): Promise<{ message: string; errors: PimFileInvalidError['errors']; total: number }> {
  try {
    await readProductFile({ path }, settings, mapping, mapped);
  } catch (err) {
    if (!(err instanceof PimFileInvalidError)) throw err;
    return { message: err.message, errors: err.errors, total: err.totalErrors };
  }
  throw new Error('the file was accepted');
}

describe('readProductFile', () => {
  it('reads the export into the same records the API gives', async () => {
    const records = await readProductFile({ path: file('ok.csv', [HEADER, ...ROWS].join('\n')) }, UTF8, mapping, mapped);
    expect(records).toEqual([
      {
        sku: 'AMZ-000001', enabled: true, nameJa: '三徳包丁', nameEn: 'Santoku Knife', descriptionJa: null, descriptionEn: 'A knife.', brand: 'Kaze Kobo',
        categories: ['kitchen', 'sale'], attributes: { colour: 'black', catch_copy: { 'ja_JP/ecommerce': '定番の包丁' } },
        imageRefs: ['AMZ-000001-1', 'AMZ-000001-2'], weightGrams: 180, dimensionsMm: { length: 305, width: 50, height: 20 }, updatedAt: null,
      },
      {
        sku: 'AMZ-000002', enabled: false, nameJa: 'けん玉', nameEn: 'Kendama', descriptionJa: null, descriptionEn: 'A toy; with a "quote"', brand: 'Yamato Craft',
        categories: ['toys'], attributes: { colour: 'red' }, imageRefs: [], weightGrams: 140, dimensionsMm: null, updatedAt: null,
      },
    ]);
  });

  it('reads Shift_JIS when the config says so, and a UTF-8 BOM and CRLF line ends', async () => {
    const sjis = file('sjis.csv', [HEADER, ...ROWS].join('\r\n'), 'shift_jis');
    expect((await readProductFile({ path: sjis }, SJIS, mapping, mapped)).map((r) => r.nameJa)).toEqual(['三徳包丁', 'けん玉']);
    const bom = file('bom.csv', `\uFEFF${[HEADER, ...ROWS].join('\r\n')}\r\n`);
    expect((await readProductFile({ path: bom }, UTF8, mapping, mapped)).map((r) => r.sku)).toEqual(['AMZ-000001', 'AMZ-000002']);
    // The same bytes given inline (the API's base64 input).
    expect((await readProductFile({ name: 'inline.csv', bytes: readFileSync(sjis) }, SJIS, mapping, mapped))[1]!.nameJa).toBe('けん玉');
  });

  it('names the rows of a Shift_JIS file read as UTF-8', async () => {
    const r = await problems(file('wrong-encoding.csv', [HEADER, ...ROWS].join('\n'), 'shift_jis'));
    expect(r.errors.map((e) => [e.row, e.line, e.column])).toEqual([[1, 2, '(row)'], [2, 3, '(row)']]);
    expect(r.errors[0]!.message).toMatch(/not UTF-8 \(a Shift_JIS file\? set settings\.csv\.encoding: shift_jis\)/);
  });

  it('names every bad row and column at once, and imports nothing', async () => {
    const rows = [
      HEADER,
      ROWS[0],
      ';1;goods;kitchen;名前;Name;;;;;;;;;;;;;', // no SKU
      'AMZ-000003;yes;goods;kitchen;名前;Name;;;;;;;;;;;;;', // enabled
      'AMZ-000001;1;goods;kitchen;名前;Name;;;;;;;;;;;;;', // duplicate SKU
      'AMZ-000004;1;goods;kitchen;名前;Name;;;abc;GRAM;;;;;;;;;', // weight
      'AMZ-000005;1;goods;kitchen;名前;Name;;;3;STONE;;;;;;;;;', // unit
      'AMZ-000006;1;goods;kitchen', // too few fields
      'AMZ-000007;1;goods;kitchen;名前;Name;;;;;10;CENTIMETER;;;;;;;', // length without width/height
    ];
    const r = await problems(file('bad.csv', rows.join('\n')));
    expect(r.total).toBe(7);
    expect(r.errors.map((e) => `${e.row}:${e.line}:${e.column}`)).toEqual(['2:3:sku', '3:4:enabled', '4:5:sku', '5:6:weight', '6:7:weight', '7:8:(row)', '8:9:length']);
    expect(r.errors[2]!.message).toBe('"AMZ-000001" is also on row 1');
    expect(r.errors[3]!.message).toMatch(/values\.weight\.0\.data\.amount → weight\.amount: is not a decimal number/);
    expect(r.errors[5]!.message).toBe('has 4 fields; the header has 19');
    expect(r.message).toMatch(/^bad\.csv: 7 problems, nothing imported: row 2 \(line 3\), sku: is empty/);
  });

  it('refuses a file without a sku column, an empty one, a larger one and too many rows, naming the setting', async () => {
    expect((await problems(file('comma.csv', HEADER.replaceAll(';', ',')))).errors[0]!.message).toMatch(/no sku column .* is the delimiter ";" right\?/);
    expect((await problems(file('empty.csv', ''))).errors[0]!.message).toMatch(/the file is empty/);
    expect((await problems(file('big.csv', [HEADER, ...ROWS].join('\n')), { ...UTF8, maxBytes: 100 })).errors[0]!.message).toMatch(/at most 100 are read \(settings\.csv\.max_bytes\)/);
    expect((await problems(file('rows.csv', [HEADER, ...ROWS].join('\n')), { ...UTF8, maxRows: 1 })).errors[0]!.message).toMatch(/more than 1 rows \(settings\.csv\.max_rows\)/);
    expect((await problems(join(dir, 'missing.csv'))).errors[0]!.message).toBe('missing.csv not found');
    expect((await problems(file('quote.csv', `${HEADER}\nAMZ-1;1;"unclosed`))).errors.at(-1)!.message).toMatch(/^line \d+: .*[Qq]uote/);
  });
});
