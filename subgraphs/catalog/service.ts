// Catalog owns the SKU master and its listings: which listing on which channel each source SKU feeds. Other
// modules reach it only through this file.
import { Readable } from 'node:stream';
import type { CellValue, Row } from 'exceljs';
import type { Database, EntityManager } from '../../platform/db/index.js';
import type { ReportingService } from '../reporting/service.js';
import { AppError, InvalidInputError } from '../../platform/errors.js';

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
  amazonSku: string;
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
export async function parseSkuMaster(
  input: Buffer, layout: SkuMasterColumns, limits: SkuMasterLimits = DEFAULT_SKU_MASTER_LIMITS,
): Promise<SkuMasterRow[]> {
  await checkInflatedSize(input, limits.maxUncompressedBytes);
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

  for await (const row of firstWorksheetRows(input)) {
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
    const amazonSku = read(layout.sku, () => readCode(layout.sku, cells.get(layout.sku)));
    const codes = codeColumns.map((c) => read(c, () => readCode(c, cells.get(c))));
    const isActive = read(layout.active, () => readFlag(layout.active, cells.get(layout.active)));

    if (amazonSku === null) errors.push({ row: n, column: layout.sku, message: `${layout.sku} is empty` });
    if (codes.every((c) => c === null)) {
      const which = codeColumns.length === 2 ? 'both are' : codeColumns.length === 1 ? 'it is' : 'all are';
      errors.push({ row: n, column: codeColumns[0]!, message: `needs a ${codeColumns.join(' or a ')}; ${which} empty` });
    }
    if (amazonSku) {
      const first = firstRowOf.get(amazonSku);
      if (first === undefined) firstRowOf.set(amazonSku, n);
      else errors.push({ row: n, column: layout.sku, message: `duplicate ${layout.sku} "${amazonSku}" on rows ${first} and ${n}` });
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
      rows.push({ row: n, amazonSku: amazonSku!, listings, isActive: isActive! });
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
  // exceljs 4.4 reads `model.sheets` when a worksheet arrives, and only sets `model` on reaching xl/workbook.xml;
  // a valid zip may hold that entry after the worksheets (exceljs's own writer does, now and then). The sheet's
  // name is all the model would add, and nothing here uses it.
  Object.assign(reader, { model: { sheets: [] } });
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

/** Rows per statement: keeps each well under PostgreSQL's parameter and size limits. */
const UPSERT_CHUNK = 2000;

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

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
    private readonly columns: SkuMasterColumns,
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
      return await this.importParsed(await parseSkuMaster(file, this.columns, this.limits), opts);
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
   * Inserts or updates mappings by amazon_sku (the last of duplicate SKUs wins), each SKU's listings replaced by
   * the given ones; with `replace`, every existing mapping is deleted first. Atomic; joins the caller's
   * transaction when given its EntityManager.
   */
  async upsertMappings(rows: SkuMappingInput[], opts: { replace?: boolean } = {}, em?: EntityManager): Promise<{ upserted: number; replaced: number }> {
    const bySku = new Map<string, SkuMappingInput>();
    for (const row of rows) {
      checkMapping(row);
      bySku.set(row.amazonSku, row);
    }
    const unique = [...bySku.values()];
    return (em ?? this.db.em()).transactional(async (tx) => {
      let replaced = 0;
      if (opts.replace) {
        await tx.execute('delete from listing', [], 'run');
        replaced = (await tx.execute<{ affectedRows: number }>('delete from sku_mapping', [], 'run')).affectedRows;
      }
      // Every old listing of these SKUs goes before any new one is written, so a code may move between them.
      for (const part of chunks(unique, UPSERT_CHUNK)) {
        const json = JSON.stringify(part.map((r) => ({ sku: r.amazonSku, active: r.isActive })));
        // now() is the transaction's start time, so one import shares one imported_at.
        await tx.execute(
          `insert into sku_mapping (amazon_sku, is_active, imported_at)
           select sku, active, now() from json_to_recordset(?::json) as x(sku text, active boolean)
           on conflict (amazon_sku) do update set is_active = excluded.is_active, imported_at = excluded.imported_at`,
          [json], 'run',
        );
        await tx.execute('delete from listing where sku in (select sku from json_to_recordset(?::json) as x(sku text))', [json], 'run');
      }
      const listings = unique.flatMap((r) => Object.entries(r.listings).map(([channel, code]) => ({ sku: r.amazonSku, channel, code })));
      for (const part of chunks(listings, UPSERT_CHUNK)) {
        const json = JSON.stringify(part);
        const [taken] = await tx.execute<{ channel: string; code: string; sku: string; owner: string }[]>(
          `select x.channel, x.code, x.sku, l.sku as owner from json_to_recordset(?::json) as x(sku text, channel text, code text)
           join listing l on l.channel = x.channel and l.code = x.code limit 1`,
          [json],
        );
        if (taken) {
          throw new SkuMasterInvalidError([{
            row: 0, column: 'file',
            message: `${taken.channel} listing "${taken.code}" for ${taken.sku} already belongs to ${taken.owner}, which this import does not change; a listing feeds one SKU`,
          }]);
        }
        await tx.execute(
          'insert into listing (sku, channel, code) select sku, channel, code from json_to_recordset(?::json) as x(sku text, channel text, code text)',
          [json], 'run',
        );
      }
      return { upserted: unique.length, replaced };
    });
  }

  /** Every mapping with its flag and listings, so the sync engine can tell an unmapped SKU from an inactive one. */
  async allMappings(): Promise<Map<string, { isActive: boolean; listings: ListingCodes }>> {
    const rows = await this.mappings('', [], '', false);
    return new Map(rows.map((r) => [r.amazon_sku, { isActive: r.is_active, listings: r.listings }]));
  }

  /**
   * The flag and listings of the given SKUs, as the sync engine looks them up page by page (no import times, no
   * ordering); SKUs without a mapping are absent.
   */
  async syncMappings(skus: readonly string[]): Promise<Map<string, { isActive: boolean; listings: ListingCodes }>> {
    if (skus.length === 0) return new Map();
    const rows = await this.mappings('where m.amazon_sku in (select json_array_elements_text(?::json))', [JSON.stringify(skus)], '', false);
    return new Map(rows.map((r) => [r.amazon_sku, { isActive: r.is_active, listings: r.listings }]));
  }

  /** How many active SKUs have a listing on any of the channels. */
  async countActiveListed(channels: readonly string[]): Promise<number> {
    const [row] = await this.db.em().execute<{ n: number }[]>(
      `select count(*)::int as n from sku_mapping m
       where m.is_active and exists (select 1 from listing l where l.sku = m.amazon_sku and l.channel in (select json_array_elements_text(?::json)))`,
      [JSON.stringify(channels)],
    );
    return row!.n;
  }

  /** The listings of every active SKU. */
  async activeMappings(): Promise<Map<string, ListingCodes>> {
    const rows = await this.mappings('where m.is_active', [], '', false);
    return new Map(rows.map((r) => [r.amazon_sku, r.listings]));
  }

  // Raw rows, one per SKU with its listings as one JSON object: hydrating 100,000 entities would cost more than the query.
  // The sync engine's reads leave imported_at out: 100,000 Date objects it never looks at.
  private mappings(where: string, params: unknown[], tail = '', importedAt = true) {
    return this.db.em().execute<{ amazon_sku: string; is_active: boolean; imported_at: Date; listings: ListingCodes }[]>(
      `select m.amazon_sku, m.is_active${importedAt ? ', m.imported_at' : ''},
              coalesce((select json_object_agg(l.channel, l.code order by l.channel) from listing l where l.sku = m.amazon_sku), '{}'::json) as listings
       from sku_mapping m ${where} ${tail}`,
      params,
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
    const rows = await this.mappings('where m.amazon_sku in (select json_array_elements_text(?::json))', [JSON.stringify([...new Set(skus)])]);
    return new Map(rows.map((r) => [r.amazon_sku, this.toRecord(r)]));
  }

  /** All mappings in amazon_sku order, `first` at a time, starting after the `after` cursor. */
  async listMappings(opts: { first: number; after?: string | null }): Promise<MappingPage> {
    if (!Number.isInteger(opts.first) || opts.first < 1 || opts.first > MAX_PAGE_SIZE) {
      throw new InvalidInputError('first', `first must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${opts.first}`);
    }
    const found = await this.mappings(
      opts.after ? 'where m.amazon_sku > ?' : '', opts.after ? [opts.after] : [], `order by m.amazon_sku limit ${opts.first + 1}`,
    );
    const rows = found.slice(0, opts.first).map((r) => this.toRecord(r));
    return { rows, endCursor: rows.at(-1)?.amazonSku ?? null, hasNextPage: found.length > opts.first };
  }

  /** Listings in the master's column order, then any other channel's by id: what readers are shown. */
  private toRecord(r: { amazon_sku: string; is_active: boolean; imported_at: Date; listings: ListingCodes }): SkuMappingRecord {
    const order = Object.values(this.columns.listings);
    const rank = (channel: string) => (order.includes(channel) ? order.indexOf(channel) : order.length);
    const listings = Object.fromEntries(Object.entries(r.listings).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
    return { amazonSku: r.amazon_sku, isActive: r.is_active, listings, importedAt: new Date(r.imported_at) };
  }
}

/** The rules the database relies on, for callers that bypass the Excel parser (e.g. sandbox seeding). */
function checkMapping(row: SkuMappingInput): void {
  if (!row.amazonSku) throw new Error('a mapping needs an amazon_sku');
  const codes = Object.values(row.listings);
  if (codes.length === 0) throw new Error(`mapping ${row.amazonSku} has no listing on any channel`);
  if ([row.amazonSku, ...codes].some((c) => c.length > MAX_CODE_LENGTH)) throw new Error(`mapping ${row.amazonSku} has a code longer than ${MAX_CODE_LENGTH} characters`);
}

