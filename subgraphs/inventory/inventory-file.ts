// The FBA inventory report as a file (`sync --file`): Amazon's "Manage FBA Inventory" or "FBA Amazon Fulfilled
// Inventory" report, tab- or comma-separated, columns found by header name.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { SourceItem, StockSource } from './ports.js';

export class InventoryFileError extends Error {
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
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (err) {
    throw new InventoryFileError(file, [{ line: 0, message: `cannot read the file: ${(err as Error).message}` }]);
  }
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  const delimiter = firstLine.includes('\t') ? '\t' : ',';
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, relax_quotes: true });
  } catch (err) {
    throw new InventoryFileError(file, [{ line: 0, message: `not a TSV/CSV inventory report: ${(err as Error).message}` }]);
  }
  if (records.length === 0) throw new InventoryFileError(file, [{ line: 1, message: 'the file is empty' }]);
  const header = records[0].map((h) => h.trim().toLowerCase());
  const find = (names: string[]) => header.findIndex((h) => names.includes(h));
  const skuAt = find(SKU_COLUMNS);
  const qtyAt = find(QUANTITY_COLUMNS);
  const nameAt = find(NAME_COLUMNS);
  const missing = [skuAt < 0 && `a SKU column (${SKU_COLUMNS.join(' / ')})`, qtyAt < 0 && `a fulfillable quantity column (${QUANTITY_COLUMNS.join(' / ')})`].filter(Boolean);
  if (missing.length) throw new InventoryFileError(file, [{ line: 1, message: `header has no ${missing.join(' and no ')}` }]);

  const errors: { line: number; message: string }[] = [];
  const seen = new Map<string, number>();
  const items: SourceItem[] = [];
  records.slice(1).forEach((r, i) => {
    const line = i + 2;
    const sku = (r[skuAt] ?? '').trim();
    const raw = (r[qtyAt] ?? '').trim();
    if (!sku) return void errors.push({ line, message: 'SKU is empty' });
    const quantity = Number(raw);
    if (raw === '' || !Number.isInteger(quantity) || quantity < 0) {
      return void errors.push({ line, message: `fulfillable quantity "${raw}" of ${sku} is not a whole number >= 0` });
    }
    if (seen.has(sku)) return void errors.push({ line, message: `SKU ${sku} already appears on line ${seen.get(sku)}` });
    seen.set(sku, line);
    items.push({ sku, quantity, productName: nameAt >= 0 ? r[nameAt]?.trim() || undefined : undefined });
  });
  if (errors.length) throw new InventoryFileError(file, errors);
  return items;
}

/** A file as a StockSource, so the sync engine reads it like the API. */
export class InventoryFileSource implements StockSource {
  readonly name: string;
  constructor(private readonly file: string) {
    this.name = `file:${file}`;
  }
  async *pages(): AsyncIterable<SourceItem[]> {
    yield await readInventoryFile(this.file);
  }
}
