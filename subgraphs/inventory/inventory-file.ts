// The FBA inventory report as a file (`sync --file`, runStockSync's inventoryFileBase64): Amazon's "Manage FBA
// Inventory" or "FBA Amazon Fulfilled Inventory" report, tab- or comma-separated, columns found by header name.
// The whole file is validated before a run starts: a bad file is the caller's error and writes no run.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { SourceItem, StockSource } from './ports.js';
import { MAX_QUANTITY, wholeNumber } from './quantity.js';
import { AppError } from '../../platform/errors.js';

export class InventoryFileError extends AppError {
  readonly code = 'USER_INPUT';
  /** `file` is the name the caller knows the file by (never a server path it did not give). */
  constructor(
    readonly file: string,
    readonly errors: { line: number; message: string }[],
  ) {
    super(`${file}: ${errors.length} error(s):\n${errors.slice(0, 20).map((e) => `  line ${e.line}: ${e.message}`).join('\n')}${errors.length > 20 ? `\n  ... and ${errors.length - 20} more` : ''}`);
    this.name = 'InventoryFileError';
  }
}

const SKU_COLUMNS = ['sku', 'seller-sku', 'sellersku', 'seller_sku'];
const QUANTITY_COLUMNS = ['afn-fulfillable-quantity', 'fulfillable-quantity', 'fulfillablequantity', 'fulfillable_quantity', 'quantity available'];
const NAME_COLUMNS = ['product-name', 'productname', 'product_name'];

export async function readInventoryFile(file: string): Promise<SourceItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new InventoryFileError(file, [{ line: 0, message: `cannot read the file (${reason})` }]);
  }
  return parseInventoryReport(text, file);
}

/** Parses and validates a report's text; `name` is how errors refer to the file. */
export function parseInventoryReport(content: string, name: string): SourceItem[] {
  const text = content.replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  const delimiter = firstLine.includes('\t') ? '\t' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, relax_quotes: true, info: true }) as unknown as typeof records;
  } catch (err) {
    const at = (err as { lines?: number }).lines;
    throw new InventoryFileError(name, [{ line: at ?? 0, message: `not a TSV/CSV inventory report: ${(err as Error).message}` }]);
  }
  if (records.length === 0) throw new InventoryFileError(name, [{ line: 1, message: 'the file is empty' }]);
  const header = records[0].record.map((h) => h.trim().toLowerCase());
  const find = (names: string[]) => header.findIndex((h) => names.includes(h));
  const skuAt = find(SKU_COLUMNS);
  const qtyAt = find(QUANTITY_COLUMNS);
  const nameAt = find(NAME_COLUMNS);
  const missing = [skuAt < 0 && `a SKU column (${SKU_COLUMNS.join(' / ')})`, qtyAt < 0 && `a fulfillable quantity column (${QUANTITY_COLUMNS.join(' / ')})`].filter(Boolean);
  if (missing.length) throw new InventoryFileError(name, [{ line: records[0].info.lines, message: `header has no ${missing.join(' and no ')}` }]);

  const errors: { line: number; message: string }[] = [];
  const seen = new Map<string, number>();
  const items: SourceItem[] = [];
  for (const { record: r, info } of records.slice(1)) {
    // The line the record ends on, as an editor numbers it (a quoted field may span lines).
    const line = info.lines;
    const sku = (r[skuAt] ?? '').trim();
    const raw = (r[qtyAt] ?? '').trim();
    if (!sku) {
      errors.push({ line, message: 'SKU is empty' });
      continue;
    }
    const quantity = wholeNumber(raw, MAX_QUANTITY);
    if (quantity === undefined) {
      errors.push({ line, message: `fulfillable quantity "${raw.slice(0, 40)}" of ${sku} is not a whole number from 0 to ${MAX_QUANTITY} in plain digits` });
      continue;
    }
    if (seen.has(sku)) {
      errors.push({ line, message: `SKU ${sku} already appears on line ${seen.get(sku)}` });
      continue;
    }
    seen.set(sku, line);
    items.push({ sku, quantity, productName: nameAt >= 0 ? r[nameAt]?.trim() || undefined : undefined });
  }
  if (errors.length) throw new InventoryFileError(name, errors);
  return items;
}

/** Items already read from a report, as a StockSource, so the sync engine reads them like the API. */
export class InventoryItemsSource implements StockSource {
  readonly name: string;
  constructor(
    private readonly items: SourceItem[],
    fileName: string,
  ) {
    // The run's source column is a short label: the file's own name, never a directory.
    this.name = `file:${fileName.split(/[\\/]/).pop()!.slice(0, 200)}`;
  }
  async *pages(): AsyncIterable<SourceItem[]> {
    yield this.items;
  }
}
