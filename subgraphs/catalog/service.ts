// Catalog owns the SKU master: which Yahoo! and Rakuten listings each Amazon SKU feeds. Other modules reach
// it only through this file.
import { Readable } from 'node:stream';
import type { InferEntity } from '@mikro-orm/core';
import type { CellValue, Row } from 'exceljs';
import type { Database, EntityManager } from '../../platform/db/index.js';
import type { ReportingService } from '../reporting/service.js';
import { SkuMapping } from './entities/sku-mapping.js';
import { AppError, InvalidInputError } from '../../platform/errors.js';

/** The varchar length of every code column in sku_mapping. */
export const MAX_CODE_LENGTH = 255;

const COLUMNS = ['amazon_sku', 'yahoo_item_code', 'rakuten_item_number', 'is_active'] as const;
type Column = (typeof COLUMNS)[number];

export interface MallCodes {
  yahooItemCode: string | null;
  rakutenItemNumber: string | null;
}

export interface SkuMappingInput extends MallCodes {
  amazonSku: string;
  isActive: boolean;
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

/** Another SKU master import is running in this process: CONFLICT, CLI exit 1. */
export class ImportBusyError extends AppError {
  readonly code = 'CONFLICT';
  override readonly name = 'ImportBusyError';
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
export async function parseSkuMaster(input: Buffer, limits: SkuMasterLimits = DEFAULT_SKU_MASTER_LIMITS): Promise<SkuMasterRow[]> {
  await checkInflatedSize(input, limits.maxUncompressedBytes);
  const errors = new ErrorList(limits.maxErrorsReported);
  const rows: SkuMasterRow[] = [];
  const firstRowOf = new Map<string, number>();
  // columns stays undefined when the header row itself is wrong: the data rows cannot be read then.
  let header: { row: number; columns?: Map<Column, number> } | undefined;
  let dataRows = 0;

  for await (const row of firstWorksheetRows(input)) {
    const n = row.number;
    checkCellSizes(row, limits.maxCellChars);
    if (!header) {
      if (!isBlankRow(row)) header = { row: n, columns: readHeader(row, errors) };
      continue;
    }
    if (++dataRows > limits.maxRows) {
      throw fileError(`the sheet has more than ${limits.maxRows} rows below the header; at most ${limits.maxRows} are accepted (config skuMaster.maxRows)`);
    }
    const columns = header.columns;
    if (!columns) continue;
    const cells = new Map(COLUMNS.map((c) => [c, row.getCell(columns.get(c)!).value]));
    if (COLUMNS.every((c) => isBlank(cells.get(c)))) continue;

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
    const amazonSku = read('amazon_sku', () => readCode('amazon_sku', cells.get('amazon_sku')));
    const yahooItemCode = read('yahoo_item_code', () => readCode('yahoo_item_code', cells.get('yahoo_item_code')));
    const rakutenItemNumber = read('rakuten_item_number', () => readCode('rakuten_item_number', cells.get('rakuten_item_number')));
    const isActive = read('is_active', () => readFlag(cells.get('is_active')));

    if (amazonSku === null) errors.push({ row: n, column: 'amazon_sku', message: 'amazon_sku is empty' });
    if (yahooItemCode === null && rakutenItemNumber === null) {
      errors.push({ row: n, column: 'yahoo_item_code', message: 'needs a yahoo_item_code or a rakuten_item_number; both are empty' });
    }
    if (amazonSku) {
      const first = firstRowOf.get(amazonSku);
      if (first === undefined) firstRowOf.set(amazonSku, n);
      else errors.push({ row: n, column: 'amazon_sku', message: `duplicate amazon_sku "${amazonSku}" on rows ${first} and ${n}` });
    }
    if (errors.total === errorCount) {
      rows.push({ row: n, amazonSku: amazonSku!, yahooItemCode: yahooItemCode!, rakutenItemNumber: rakutenItemNumber!, isActive: isActive! });
    }
  }

  if (!header) throw fileError('the first worksheet is empty; expected a header row with amazon_sku, yahoo_item_code, rakuten_item_number, is_active');
  if (errors.total > 0) throw new SkuMasterInvalidError(errors.first, errors.total);
  // An empty master would make --replace wipe every mapping; that is never what the operator meant.
  if (rows.length === 0) throw fileError(`no SKU rows below the header (row ${header.row})`);
  return rows;
}

const notXlsx = (detail: string) =>
  fileError(`not a readable .xlsx workbook; save the master as Excel .xlsx, not .xls or .csv (${detail})`);

/** Sums the inflated sizes the zip's central directory declares, before anything is inflated. */
async function checkInflatedSize(input: Buffer, max: number): Promise<void> {
  // Loaded on first use, like exceljs: every process that opens the catalog would otherwise pay for it at start.
  const { default: unzipper } = await import('unzipper');
  let files: { path: string; uncompressedSize: number }[];
  try {
    ({ files } = await unzipper.Open.buffer(input));
  } catch (err) {
    throw notXlsx(err instanceof Error ? err.message : String(err));
  }
  const total = files.reduce((sum, f) => sum + f.uncompressedSize, 0);
  if (total > max) {
    const largest = files.reduce((a, b) => (b.uncompressedSize > a.uncompressedSize ? b : a));
    throw fileError(
      `the workbook inflates to ${total} bytes (${largest.path} alone ${largest.uncompressedSize}); at most ${max} are accepted (config skuMaster.maxUncompressedBytes)`,
    );
  }
}

/** The rows of the workbook's first worksheet, streamed: only shared strings and styles are held in memory. */
async function* firstWorksheetRows(input: Buffer): AsyncGenerator<Row> {
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([input]), {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore',
  });
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
function readHeader(row: Row, errors: ErrorList): Map<Column, number> | undefined {
  const found = new Map<Column, number[]>();
  row.eachCell((cell, col) => {
    const name = headerName(cell.value);
    if ((COLUMNS as readonly string[]).includes(name)) found.set(name as Column, [...(found.get(name as Column) ?? []), col]);
  });
  const columns = new Map<Column, number>();
  for (const column of COLUMNS) {
    const at = found.get(column) ?? [];
    if (at.length === 0) errors.push({ row: row.number, column, message: `header column ${column} is missing` });
    else if (at.length > 1) {
      errors.push({ row: row.number, column, message: `header column ${column} appears ${at.length} times (columns ${at.map(letter).join(', ')})` });
    } else columns.set(column, at[0]!);
  }
  return columns.size === COLUMNS.length ? columns : undefined;
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
function readCode(column: Column, value: CellValue): string | null {
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

function readFlag(value: CellValue): boolean {
  const v = plainValue(value);
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  // NFKC folds full-width input (ＴＲＵＥ, １) typed with a Japanese IME into ASCII.
  const word = typeof v === 'string' ? v.normalize('NFKC').trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.has(word)) return true;
  if (word !== undefined && FALSE_WORDS.has(word)) return false;
  if (v === null || word === '') throw new CellProblem('is_active is empty; expected TRUE or FALSE (also 1/0, yes/no)');
  const shown = v instanceof Date ? 'a date' : `"${String(v)}"`;
  throw new CellProblem(`is_active ${shown} is not TRUE/FALSE, 1/0 or yes/no`);
}

/** Rows per insert statement. MikroORM inlines the values as escaped literals: ~100 KB statements, few round trips. */
const UPSERT_CHUNK = 2000;

const UPSERT_SQL_HEAD = 'insert into sku_mapping (amazon_sku, yahoo_item_code, rakuten_item_number, is_active, imported_at) values ';
const UPSERT_SQL_TAIL =
  ' on conflict (amazon_sku) do update set yahoo_item_code = excluded.yahoo_item_code,' +
  ' rakuten_item_number = excluded.rakuten_item_number, is_active = excluded.is_active, imported_at = excluded.imported_at';

export interface ImportResult {
  imported: number;
  active: number;
  inactive: number;
  /** Mappings deleted by `replace` before the import. */
  replaced: number;
}

export interface MappingPage {
  rows: SkuMappingRecord[];
  /** The amazon_sku of the last row: pass it as `after` for the next page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 1000;

export class CatalogService {
  private importing = false;

  constructor(
    private readonly db: Database,
    private readonly reporting: ReportingService,
    private readonly limits: SkuMasterLimits = DEFAULT_SKU_MASTER_LIMITS,
  ) {}

  /**
   * Validates the whole master, then writes it and its audit entry in one transaction; a bad file changes nothing.
   * One import at a time per process: each holds a workbook's rows in memory.
   */
  async importSkuMaster(file: Buffer, opts: { replace?: boolean; actor: string; fileName?: string }): Promise<ImportResult> {
    if (this.importing) throw new ImportBusyError('another SKU master import is running in this process; try again when it has finished');
    this.importing = true;
    try {
      return await this.importParsed(await parseSkuMaster(file, this.limits), opts);
    } finally {
      this.importing = false;
    }
  }

  private async importParsed(rows: SkuMasterRow[], opts: { replace?: boolean; actor: string; fileName?: string }): Promise<ImportResult> {
    const active = rows.filter((r) => r.isActive).length;
    return this.db.em().transactional(async (em) => {
      const { replaced } = await this.upsertMappings(rows, { replace: opts.replace }, em);
      const result = { imported: rows.length, active, inactive: rows.length - active, replaced };
      await this.reporting.audit(
        { actor: opts.actor, action: 'catalog.import-sku-master', subject: opts.fileName ?? 'sku master', detail: { ...result, replace: Boolean(opts.replace) } },
        em,
      );
      return result;
    });
  }

  /**
   * Inserts or updates mappings by amazon_sku (the last of duplicate SKUs wins); with `replace`, every existing
   * mapping is deleted first. Atomic; joins the caller's transaction when given its EntityManager.
   */
  async upsertMappings(rows: SkuMappingInput[], opts: { replace?: boolean } = {}, em?: EntityManager): Promise<{ upserted: number; replaced: number }> {
    const bySku = new Map<string, SkuMappingInput>();
    for (const row of rows) {
      checkMapping(row);
      bySku.set(row.amazonSku, row);
    }
    const unique = [...bySku.values()];
    return (em ?? this.db.em()).transactional(async (tx) => {
      const replaced = opts.replace ? (await tx.execute<{ affectedRows: number }>('delete from sku_mapping', [], 'run')).affectedRows : 0;
      for (let i = 0; i < unique.length; i += UPSERT_CHUNK) {
        const chunk = unique.slice(i, i + UPSERT_CHUNK);
        const params = chunk.flatMap((r) => [r.amazonSku, r.yahooItemCode, r.rakutenItemNumber, r.isActive]);
        // now() is the transaction's start time, so one import shares one imported_at.
        await tx.execute(UPSERT_SQL_HEAD + chunk.map(() => '(?, ?, ?, ?, now())').join(', ') + UPSERT_SQL_TAIL, params, 'run');
      }
      return { upserted: unique.length, replaced };
    });
  }

  /** The mall codes of every active SKU, for the sync engine; one query. */
  async activeMappings(): Promise<Map<string, MallCodes>> {
    const rows = await this.codes('where is_active');
    return new Map(rows.map((r) => [r.amazon_sku, { yahooItemCode: r.yahoo_item_code, rakutenItemNumber: r.rakuten_item_number }]));
  }

  /** Every mapping with its flag, so the sync engine can tell an unmapped SKU from an inactive one; one query. */
  async allMappings(): Promise<Map<string, MallCodes & { isActive: boolean }>> {
    const rows = await this.codes('');
    return new Map(
      rows.map((r) => [r.amazon_sku, { yahooItemCode: r.yahoo_item_code, rakutenItemNumber: r.rakuten_item_number, isActive: r.is_active }]),
    );
  }

  // Raw rows: hydrating 100,000 entities would cost more than the query itself.
  private codes(where: '' | 'where is_active') {
    return this.db
      .em()
      .execute<{ amazon_sku: string; yahoo_item_code: string | null; rakuten_item_number: string | null; is_active: boolean }[]>(
        `select amazon_sku, yahoo_item_code, rakuten_item_number, is_active from sku_mapping ${where}`,
      );
  }

  async mappingStats(): Promise<{ total: number; active: number; inactive: number }> {
    const [row] = await this.db
      .em()
      .execute<{ total: number; active: number }[]>('select count(*)::int as total, count(*) filter (where is_active)::int as active from sku_mapping');
    return { total: row!.total, active: row!.active, inactive: row!.total - row!.active };
  }

  /** The mappings of the given SKUs, active or not; SKUs without a mapping are absent from the map. */
  async getMappings(skus: string[]): Promise<Map<string, SkuMappingRecord>> {
    if (skus.length === 0) return new Map();
    const found = await this.db.em().find(SkuMapping, { amazonSku: { $in: [...new Set(skus)] } });
    return new Map(found.map((m) => [m.amazonSku, toRecord(m)]));
  }

  /** All mappings in amazon_sku order, `first` at a time, starting after the `after` cursor. */
  async listMappings(opts: { first: number; after?: string | null }): Promise<MappingPage> {
    if (!Number.isInteger(opts.first) || opts.first < 1 || opts.first > MAX_PAGE_SIZE) {
      throw new InvalidInputError('first', `first must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${opts.first}`);
    }
    const found = await this.db
      .em()
      .find(SkuMapping, opts.after ? { amazonSku: { $gt: opts.after } } : {}, { orderBy: { amazonSku: 'asc' }, limit: opts.first + 1 });
    const rows = found.slice(0, opts.first).map(toRecord);
    return { rows, endCursor: rows.at(-1)?.amazonSku ?? null, hasNextPage: found.length > opts.first };
  }
}

/** The rules the database relies on, for callers that bypass the Excel parser (e.g. sandbox seeding). */
function checkMapping(row: SkuMappingInput): void {
  const codes = [row.amazonSku, row.yahooItemCode, row.rakutenItemNumber];
  if (!row.amazonSku) throw new Error('a mapping needs an amazon_sku');
  if (row.yahooItemCode === null && row.rakutenItemNumber === null) throw new Error(`mapping ${row.amazonSku} has neither a Yahoo! nor a Rakuten code`);
  if (codes.some((c) => c !== null && c.length > MAX_CODE_LENGTH)) throw new Error(`mapping ${row.amazonSku} has a code longer than ${MAX_CODE_LENGTH} characters`);
}

function toRecord(m: InferEntity<typeof SkuMapping>): SkuMappingRecord {
  return {
    amazonSku: m.amazonSku,
    yahooItemCode: m.yahooItemCode ?? null,
    rakutenItemNumber: m.rakutenItemNumber ?? null,
    isActive: m.isActive,
    importedAt: m.importedAt,
  };
}
