// The Excel SKU master: its columns, its limits, and the streaming parser that validates a whole workbook and
// reports every bad cell at once. Pure: the catalog service writes what it returns.
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type { CellValue, Row } from 'exceljs';
import { AppError } from '../../platform/errors.js';

/** The varchar length of every code column in sku_mapping. */
export const MAX_CODE_LENGTH = 255;

/** The master's columns (config `skuMaster.columns`): `listings` maps a column to the channel whose code it holds. */
export interface SkuMasterColumns {
  sku: string;
  active: string;
  listings: Record<string, string>;
}

/** A SKU's listing code per channel id; a channel it is not listed on is absent. */
export type ListingCodes = Record<string, string>;

export interface SkuMappingInput {
  sku: string;
  isActive: boolean;
  listings: ListingCodes;
}

/** One valid row of the Excel master; `row` is its Excel row number. */
export interface SkuMasterRow extends SkuMappingInput {
  row: number;
}

export interface SkuMappingRecord extends SkuMappingInput {
  importedAt: Date;
}

/** `row` is the Excel row number; row 0 and column "file" mean the file as a whole. */
export interface SkuMasterError {
  row: number;
  column: string;
  message: string;
}

const SUMMARY_LIMIT = 20;

/** What a SKU master may cost before it is refused (config `skuMaster`). */
export interface SkuMasterLimits {
  maxRows: number;
  maxCellChars: number;
  maxUncompressedBytes: number;
  maxErrorsReported: number;
}

export const DEFAULT_SKU_MASTER_LIMITS: SkuMasterLimits = {
  maxRows: 200_000, maxCellChars: 32_767, maxUncompressedBytes: 100 * 1024 * 1024, maxErrorsReported: 1000,
};

export class SkuMasterInvalidError extends AppError {
  readonly code = 'USER_INPUT';
  override readonly name = 'SkuMasterInvalidError';

  /** `errors` holds the first ones (up to the configured limit); `totalErrors` counts them all. */
  constructor(
    readonly errors: SkuMasterError[],
    readonly totalErrors = errors.length,
  ) {
    const shown = errors.slice(0, SUMMARY_LIMIT).map((e) => (e.row === 0 ? e.message : `row ${e.row} ${e.column}: ${e.message}`));
    const more = totalErrors > shown.length ? `; and ${totalErrors - shown.length} more` : '';
    super(`SKU master rejected, ${totalErrors} error${totalErrors === 1 ? '' : 's'}: ${shown.join('; ')}${more}`);
  }
}

/** Keeps the first `max` errors and counts all of them. */
class ErrorList {
  readonly first: SkuMasterError[] = [];
  total = 0;
  constructor(private readonly max: number) {}
  push(e: SkuMasterError): void {
    this.total++;
    if (this.first.length < this.max) this.first.push(e);
  }
}

/** A problem with one cell; collected per row so that one file reports every error at once. */
class CellProblem extends Error {}

const fileError = (message: string): SkuMasterInvalidError => new SkuMasterInvalidError([{ row: 0, column: 'file', message }]);

/**
 * Reads and validates the SKU master workbook; throws SkuMasterInvalidError listing the first problems and their
 * total. The zip's own directory is checked first, so a file that would inflate past the limit costs nothing;
 * the sheet is then read as a stream, stopping at the row limit.
 */
export async function parseSkuMaster(
  input: Buffer, layout: SkuMasterColumns, limits: SkuMasterLimits = DEFAULT_SKU_MASTER_LIMITS,
): Promise<SkuMasterRow[]> {
  const zip = await openZip(input);
  await checkInflatedSize(zip, input, limits.maxUncompressedBytes);
  const codeColumns = Object.keys(layout.listings);
  const names = [layout.sku, ...codeColumns, layout.active];
  const errors = new ErrorList(limits.maxErrorsReported);
  const rows: SkuMasterRow[] = [];
  const firstRowOf = new Map<string, number>();
  // A channel's code names one listing: the first row holding each code, per column.
  const firstCodeRow = new Map(codeColumns.map((c) => [c, new Map<string, number>()]));
  // columns stays undefined when the header row itself is wrong: the data rows cannot be read then.
  let header: { row: number; columns?: Map<string, number> } | undefined;
  let dataRows = 0;

  for await (const row of firstWorksheetRows(input, zip)) {
    const n = row.number;
    checkCellSizes(row, limits.maxCellChars);
    if (!header) {
      if (!isBlankRow(row)) header = { row: n, columns: readHeader(row, names, errors) };
      continue;
    }
    if (++dataRows > limits.maxRows) {
      throw fileError(`the sheet has more than ${limits.maxRows} rows below the header; at most ${limits.maxRows} are accepted (config skuMaster.maxRows)`);
    }
    const columns = header.columns;
    if (!columns) continue;
    const cells = new Map(names.map((c) => [c, row.getCell(columns.get(c)!).value]));
    if (names.every((c) => isBlank(cells.get(c)))) continue;

    const errorCount = errors.total;
    const read = <T>(column: string, fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (err) {
        if (!(err instanceof CellProblem)) throw err;
        errors.push({ row: n, column, message: err.message });
        return undefined;
      }
    };
    const sku = read(layout.sku, () => readCode(layout.sku, cells.get(layout.sku)));
    const codes = codeColumns.map((c) => read(c, () => readCode(c, cells.get(c))));
    const isActive = read(layout.active, () => readFlag(layout.active, cells.get(layout.active)));

    if (sku === null) errors.push({ row: n, column: layout.sku, message: `${layout.sku} is empty` });
    if (codes.every((c) => c === null)) {
      const which = codeColumns.length === 2 ? 'both are' : codeColumns.length === 1 ? 'it is' : 'all are';
      errors.push({ row: n, column: codeColumns[0]!, message: `needs a ${codeColumns.join(' or a ')}; ${which} empty` });
    }
    if (sku) {
      const first = firstRowOf.get(sku);
      if (first === undefined) firstRowOf.set(sku, n);
      else errors.push({ row: n, column: layout.sku, message: `duplicate ${layout.sku} "${sku}" on rows ${first} and ${n}` });
    }
    codes.forEach((code, i) => {
      if (!code) return;
      const seen = firstCodeRow.get(codeColumns[i]!)!;
      const first = seen.get(code);
      if (first === undefined) seen.set(code, n);
      else errors.push({ row: n, column: codeColumns[i]!, message: `duplicate ${codeColumns[i]} "${code}" on rows ${first} and ${n}: a listing feeds one SKU` });
    });
    if (errors.total === errorCount) {
      const listings: ListingCodes = {};
      codes.forEach((code, i) => {
        if (code) listings[layout.listings[codeColumns[i]!]!] = code;
      });
      rows.push({ row: n, sku: sku!, listings, isActive: isActive! });
    }
  }

  if (!header) throw fileError(`the first worksheet is empty; expected a header row with ${names.join(', ')}`);
  if (errors.total > 0) throw new SkuMasterInvalidError(errors.first, errors.total);
  // An empty master would make --replace wipe every mapping; that is never what the operator meant.
  if (rows.length === 0) throw fileError(`no SKU rows below the header (row ${header.row})`);
  return rows;
}

const notXlsx = (detail: string) =>
  fileError(`not a readable .xlsx workbook; save the master as Excel .xlsx, not .xls or .csv (${detail})`);

interface ZipEntry {
  path: string;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  offsetToLocalFileHeader: number;
}
interface ZipDirectory { files: ZipEntry[]; offsetToStartOfCentralDirectory: number }

/** Reads the zip's central directory: names, offsets and declared sizes, nothing inflated. */
async function openZip(input: Buffer): Promise<ZipDirectory> {
  // Loaded on first use, like exceljs: every process that opens the catalog would otherwise pay for it at start.
  const { default: unzipper } = await import('unzipper');
  try {
    return (await unzipper.Open.buffer(input)) as unknown as ZipDirectory;
  } catch (err) {
    throw notXlsx(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Refuses a workbook that inflates past the limit: first by the sizes its central directory declares (nothing
 * inflated), then by inflating each entry into nothing, counting, because a crafted zip can declare 1 KB for a
 * part that inflates to 700 MB. Costs one extra inflate of the file; holds one chunk at a time.
 */
async function checkInflatedSize(zip: ZipDirectory, input: Buffer, max: number): Promise<void> {
  const total = zip.files.reduce((sum, f) => sum + f.uncompressedSize, 0);
  if (total > max) {
    const largest = zip.files.reduce((a, b) => (b.uncompressedSize > a.uncompressedSize ? b : a));
    throw fileError(
      `the workbook inflates to ${total} bytes (${largest.path} alone ${largest.uncompressedSize}); at most ${max} are accepted (config skuMaster.maxUncompressedBytes)`,
    );
  }
  for (const entry of zip.files) {
    const real = await inflatedSize(entry, input);
    if (real > entry.uncompressedSize) {
      throw notXlsx(`${entry.path} inflates past the ${entry.uncompressedSize} bytes the zip declares for it; the file is damaged`);
    }
  }
}

const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/** How many bytes the entry really inflates to, stopping one past what it declares. */
async function inflatedSize(entry: ZipEntry, input: Buffer): Promise<number> {
  const at = entry.offsetToLocalFileHeader;
  if (at + 30 > input.length || input.readUInt32LE(at) !== LOCAL_HEADER) throw notXlsx(`no local header for ${entry.path}`);
  const start = at + 30 + input.readUInt16LE(at + 26) + input.readUInt16LE(at + 28);
  const data = input.subarray(start, start + entry.compressedSize);
  if (entry.compressionMethod === STORED) return data.length;
  if (entry.compressionMethod !== DEFLATED) throw notXlsx(`${entry.path} uses compression method ${entry.compressionMethod}`);
  const inflate = createInflateRaw();
  inflate.end(data);
  let size = 0;
  try {
    for await (const chunk of inflate) {
      size += (chunk as Buffer).length;
      if (size > entry.uncompressedSize) break;
    }
  } catch (err) {
    throw notXlsx(`${entry.path}: ${(err as Error).message}`);
  } finally {
    inflate.destroy();
  }
  return size;
}

// The parts exceljs's streaming reader needs before any worksheet.
const PARTS_FIRST = ['xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/sharedStrings.xml', 'xl/styles.xml'];

/**
 * The zip's local entries (header, data and descriptor, as stored) with the workbook parts first. exceljs 4.4
 * parks a worksheet that comes before xl/sharedStrings.xml in a temp file and can lose the entries that arrive
 * meanwhile, leaving every shared-string cell empty; valid zips, exceljs's own among them, come in any order.
 * A streaming reader walks local entries only, so reordering them is slicing, not re-zipping.
 */
function entriesInReadingOrder({ files, offsetToStartOfCentralDirectory }: ZipDirectory, input: Buffer): Buffer[] {
  const byOffset = [...files].sort((a, b) => a.offsetToLocalFileHeader - b.offsetToLocalFileHeader);
  const slices = byOffset.map((f, i) => ({
    path: f.path,
    bytes: input.subarray(f.offsetToLocalFileHeader, byOffset[i + 1]?.offsetToLocalFileHeader ?? offsetToStartOfCentralDirectory),
  }));
  const rank = (path: string) => (PARTS_FIRST.includes(path) ? PARTS_FIRST.indexOf(path) : PARTS_FIRST.length);
  return slices.sort((a, b) => rank(a.path) - rank(b.path)).map((s) => s.bytes);
}

/** The rows of the workbook's first worksheet, streamed: only shared strings and styles are held in memory. */
async function* firstWorksheetRows(input: Buffer, zip: ZipDirectory): AsyncGenerator<Row> {
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(entriesInReadingOrder(zip, input)), {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore',
  });
  // Without a shared-strings part (every cell inline) exceljs would park each worksheet in a temp file waiting for one.
  if (!zip.files.some((f) => f.path === 'xl/sharedStrings.xml')) Object.assign(reader, { sharedStrings: [] });
  const sheets = reader[Symbol.asyncIterator]();
  let sheet;
  try {
    const first = await sheets.next();
    if (first.done) throw fileError('the workbook has no worksheet');
    sheet = first.value;
  } catch (err) {
    throw err instanceof SkuMasterInvalidError ? err : notXlsx((err as Error).message);
  }
  const rows = sheet[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Row>;
      try {
        next = await rows.next();
      } catch (err) {
        throw notXlsx((err as Error).message);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await sheets.return?.(undefined);
  }
}

function checkCellSizes(row: Row, max: number): void {
  row.eachCell((cell, col) => {
    const text = typeof cell.value === 'string' ? cell.value : null;
    if (text !== null && text.length > max) {
      throw fileError(`row ${row.number}, column ${letter(col)}: the cell holds ${text.length} characters; at most ${max} are accepted (config skuMaster.maxCellChars)`);
    }
  });
}

/** Maps each required column to its column number; undefined (and errors on the header row) when one is missing or repeated. */
function readHeader(row: Row, names: string[], errors: ErrorList): Map<string, number> | undefined {
  const found = new Map<string, number[]>();
  row.eachCell((cell, col) => {
    const name = headerName(cell.value);
    if (names.includes(name)) found.set(name, [...(found.get(name) ?? []), col]);
  });
  const columns = new Map<string, number>();
  for (const column of names) {
    const at = found.get(column) ?? [];
    if (at.length === 0) errors.push({ row: row.number, column, message: `header column ${column} is missing` });
    else if (at.length > 1) {
      errors.push({ row: row.number, column, message: `header column ${column} appears ${at.length} times (columns ${at.map(letter).join(', ')})` });
    } else columns.set(column, at[0]!);
  }
  return columns.size === names.length ? columns : undefined;
}

function headerName(value: CellValue): string {
  try {
    const v = plainValue(value);
    return v === null ? '' : String(v).trim().toLowerCase();
  } catch {
    return '';
  }
}

function letter(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** What the user sees in the cell: rich text joined, a hyperlink's text, a formula's saved result. */
function plainValue(value: CellValue): string | number | boolean | Date | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  // A hyperlink's text may itself be rich text.
  if ('hyperlink' in value) return plainValue(value.text as CellValue);
  if ('formula' in value || 'sharedFormula' in value) {
    if (value.result === undefined) throw new CellProblem('the formula has no saved result; open and save the file in Excel');
    // The streaming reader may read an error result (#DIV/0!, #N/A ...) as a number it cannot parse.
    if (typeof value.result === 'number' && Number.isNaN(value.result)) throw new CellProblem('the formula\'s saved result is an Excel error');
    return plainValue(value.result);
  }
  if ('error' in value) throw new CellProblem(`the cell holds the Excel error ${value.error}`);
  throw new CellProblem('unsupported cell content');
}

function isBlank(value: CellValue): boolean {
  try {
    const v = plainValue(value);
    return v === null || (typeof v === 'string' && v.trim() === '');
  } catch {
    return false;
  }
}

function isBlankRow(row: Row): boolean {
  let blank = true;
  row.eachCell((cell) => {
    if (!isBlank(cell.value)) blank = false;
  });
  return blank;
}

/** A code as text, trimmed (String.trim also removes the full-width space U+3000); null when blank. */
function readCode(column: string, value: CellValue): string | null {
  const v = plainValue(value);
  let text: string;
  if (v === null) return null;
  if (typeof v === 'string') text = v.trim();
  else if (typeof v === 'number') {
    // Excel stores every number as a double: beyond 2^53 the digits are already lost, so refuse rather than guess.
    if (!Number.isInteger(v)) throw new CellProblem(`${column} ${v} is not a whole number`);
    if (!Number.isSafeInteger(v)) throw new CellProblem(`${column} ${v} is too long to be stored as a number; format the column as text`);
    text = String(v);
  } else if (typeof v === 'boolean') throw new CellProblem(`${column} is ${v ? 'TRUE' : 'FALSE'}, not a code`);
  else throw new CellProblem(`${column} is a date, not a code; format the column as text`);
  if (text === '') return null;
  if (text.length > MAX_CODE_LENGTH) throw new CellProblem(`${column} is ${text.length} characters long; at most ${MAX_CODE_LENGTH} are allowed`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new CellProblem(`${column} contains a line break or control character`);
  return text;
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

function readFlag(column: string, value: CellValue): boolean {
  const v = plainValue(value);
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  // NFKC folds full-width input (ＴＲＵＥ, １) typed with a Japanese IME into ASCII.
  const word = typeof v === 'string' ? v.normalize('NFKC').trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.has(word)) return true;
  if (word !== undefined && FALSE_WORDS.has(word)) return false;
  if (v === null || word === '') throw new CellProblem(`${column} is empty; expected TRUE or FALSE (also 1/0, yes/no)`);
  const shown = v instanceof Date ? 'a date' : `"${String(v)}"`;
  throw new CellProblem(`${column} ${shown} is not TRUE/FALSE, 1/0 or yes/no`);
}
