// The PIM's product export file (Akeneo's flat CSV: a header row, `;` between fields, UTF-8 or Shift_JIS by config)
// read into the same products the API returns, then mapped by the same mapping. Every bad row is named; a file
// with any is refused whole.
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { AppError } from '../../platform/errors.js';
import type { Mapping } from '../../platform/transform/index.js';
import type { ProductRecord } from '../../subgraphs/catalog/ports.js';
import type { PimCsvSettings } from './config.js';
import { toProductRecord, type PimProduct, type PimValue } from './product.js';

export interface CsvProblem {
  /** 1-based data row (the header is row 0); 0 for the file as a whole. */
  row: number;
  /** The line of the file the row starts on. */
  line: number;
  column: string;
  message: string;
}

/** Problems listed at most (the total is always counted). */
const MAX_LISTED = 1000;
/** Columns of the export that are not attribute values. */
const STRUCTURAL = new Set(['sku', 'enabled', 'family', 'categories', 'groups', 'parent', 'updated']);
/** Attributes whose cell lists codes separated by commas (asset collections). */
const LIST_ATTRIBUTES = new Set(['images']);
const LOCALE = /^[a-z]{2,3}_[A-Z]{2}$/;

/** A refused export file: its problems row by row (the CLI lists them), nothing imported. */
export class PimFileInvalidError extends AppError {
  readonly code = 'USER_INPUT';
  override readonly name = 'PimFileInvalidError';
  /** What the CLI calls the file in its listing. */
  readonly subject: string;

  constructor(
    fileName: string,
    readonly errors: CsvProblem[],
    readonly totalErrors = errors.length,
  ) {
    const shown = errors.slice(0, 5).map((e) => (e.row === 0 ? e.message : `row ${e.row} (line ${e.line}), ${e.column}: ${e.message}`));
    super(`${fileName}: ${totalErrors} problem${totalErrors === 1 ? '' : 's'}, nothing imported: ${shown.join('; ')}${totalErrors > shown.length ? `; and ${totalErrors - shown.length} more` : ''}`);
    this.subject = `the product file ${fileName}`;
  }
}

/** A column header: an attribute code with an optional locale and channel (`name-ja_JP-ecommerce`), or `<code>-unit`. */
interface Column {
  name: string;
  code: string;
  locale: string | null;
  scope: string | null;
  unitOf: string | null;
}

function column(name: string): Column {
  const [code = '', ...rest] = name.split('-');
  if (rest.length === 1 && rest[0] === 'unit') return { name, code, locale: null, scope: null, unitOf: code };
  const locale = rest[0] && LOCALE.test(rest[0]) ? rest.shift()! : null;
  return { name, code, locale, scope: rest.length > 0 ? rest.join('-') : null, unitOf: null };
}

/** Reads an export file (a path, or its bytes) into catalog records; throws PimFileInvalidError naming every bad row. */
export async function readProductFile(
  input: { path: string } | { name: string; bytes: Buffer },
  settings: PimCsvSettings,
  mapping: Mapping,
  mapped: Set<string>,
): Promise<ProductRecord[]> {
  const fileName = 'path' in input ? basename(input.path) : input.name;
  const problems: CsvProblem[] = [];
  let total = 0;
  const problem = (p: CsvProblem) => {
    total++;
    if (problems.length < MAX_LISTED) problems.push(p);
  };
  const refuse = (message: string) => new PimFileInvalidError(fileName, [{ row: 0, line: 0, column: 'file', message }]);

  let size: number;
  try {
    size = 'path' in input ? statSync(input.path).size : input.bytes.length;
  } catch {
    throw refuse(`${fileName} not found`);
  }
  if (size > settings.maxBytes) throw refuse(`the file is ${size} bytes; at most ${settings.maxBytes} are read (settings.csv.max_bytes)`);

  const bytes = 'path' in input ? createReadStream(input.path) : Readable.from([input.bytes]);
  const text = settings.encoding === 'shift_jis' ? bytes.pipe(iconv.decodeStream('Shift_JIS')) : bytes.setEncoding('utf8');
  const parser = text.pipe(parse({ delimiter: settings.delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  let header: Column[] | undefined;
  const records: ProductRecord[] = [];
  const rowOf = new Map<string, number>();
  let row = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines - (record.join('').split('\n').length - 1);
      if (!header) {
        header = record.map(column);
        const names = record.map((c) => c.trim());
        const duplicate = names.find((c, i) => names.indexOf(c) !== i);
        if (!names.includes('sku')) throw refuse(`the header row has no sku column (columns: ${names.join(', ')}); is the delimiter "${settings.delimiter}" right?`);
        if (duplicate) throw refuse(`the header row names the column ${duplicate} twice`);
        continue;
      }
      row++;
      if (row > settings.maxRows) throw refuse(`the file has more than ${settings.maxRows} rows (settings.csv.max_rows)`);
      const at = (column: string, message: string) => problem({ row, line, column, message });
      if (record.some((cell) => cell.includes('\uFFFD'))) {
        at('(row)', `holds bytes that are not ${settings.encoding === 'utf-8' ? 'UTF-8 (a Shift_JIS file? set settings.csv.encoding: shift_jis)' : 'Shift_JIS'}`);
        continue;
      }
      if (record.length !== header.length) {
        at('(row)', `has ${record.length} fields; the header has ${header.length}`);
        continue;
      }
      const product = toProduct(header, record, at);
      if (!product) continue;
      const first = rowOf.get(product.identifier);
      if (first !== undefined) {
        at('sku', `"${product.identifier}" is also on row ${first}`);
        continue;
      }
      rowOf.set(product.identifier, row);
      try {
        records.push(toProductRecord(product, mapping, mapped));
      } catch (err) {
        at(fieldColumn((err as Error).message), (err as Error).message);
      }
    }
  } catch (err) {
    if (err instanceof PimFileInvalidError) throw err;
    // csv-parse stops at a structural error (an unclosed quote) and says where.
    const line = (err as { lines?: number }).lines ?? 0;
    throw new PimFileInvalidError(fileName, [...problems, { row: 0, line, column: 'file', message: `line ${line}: ${(err as Error).message}` }], total + 1);
  }
  if (!header) throw refuse('the file is empty: a header row and one row per product are expected');
  if (total > 0) throw new PimFileInvalidError(fileName, problems, total);
  return records;
}

/** One row as the API's product; null when a structural cell is wrong (reported through `at`). */
function toProduct(header: Column[], cells: string[], at: (column: string, message: string) => void): PimProduct | null {
  const byName = new Map(header.map((c, i) => [c.name, cells[i]!.trim()]));
  const sku = byName.get('sku') ?? '';
  if (sku === '') return void at('sku', 'is empty'), null;
  const enabledText = byName.get('enabled') ?? '1';
  if (!['1', '0', 'true', 'false', ''].includes(enabledText)) return void at('enabled', `"${enabledText}" is not 1 or 0`), null;
  const updated = byName.get('updated');
  if (updated && Number.isNaN(Date.parse(updated.includes('T') ? updated : `${updated.replace(' ', 'T')}Z`))) {
    return void at('updated', `"${updated}" is not a date and time`), null;
  }
  const values: Record<string, PimValue[]> = {};
  for (const [i, col] of header.entries()) {
    const cell = cells[i]!.trim();
    if (STRUCTURAL.has(col.name) || col.unitOf || cell === '') continue;
    const unit = byName.get(`${col.code}-unit`);
    const data = unit !== undefined ? { amount: cell, unit } : LIST_ATTRIBUTES.has(col.code) ? cell.split(',').map((c) => c.trim()).filter(Boolean) : cell;
    (values[col.code] ??= []).push({ locale: col.locale, scope: col.scope, data });
  }
  return {
    identifier: sku,
    enabled: enabledText === '' || enabledText === '1' || enabledText === 'true',
    family: byName.get('family') || null,
    categories: (byName.get('categories') ?? '').split(',').map((c) => c.trim()).filter(Boolean),
    values,
    ...(updated ? { updated: updated.includes('T') ? updated : `${updated.replace(' ', 'T')}Z` } : {}),
  };
}

/** The column a product error is about: the attribute a mapping error names, or the field the message starts with. */
function fieldColumn(message: string): string {
  const field = /values\.(\w+)/.exec(message)?.[1] ?? /^(\w+)\b/.exec(message)?.[1] ?? '(row)';
  return ['the', 'mapping'].includes(field) ? '(row)' : field;
}
