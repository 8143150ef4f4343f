// Sales to the BI system (integration-contracts §4.4 leaves BI to us): each order line becomes one row
// {date, country, order_id, sku, quantity, unit_price, total_amount, currency, buyer_key} keyed by the line, so a
// run sent twice changes nothing; the buyer is only a keyed pseudonym (HMAC with the block's secret), never a
// name or an address. Rows go to the BI import API in batches (`POST /api/v1/sales/import`, X-API-Key), and every
// day touched is written again as a CSV extract in the data directory for tools that read files.
import { createHmac } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { once } from 'node:events';
import { DateTime } from 'luxon';
import { HttpClient, type CallOutcome, type HttpPolicy } from '../../platform/http/index.js';
import type { ConnectorHealth } from '../../platform/integrations/index.js';
import type { IntegrationState } from '../../platform/integrations/state.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import { minorToDecimal } from '../../platform/money.js';
import { dayInZone } from '../../platform/time.js';
import type { OrderOperations } from '../../subgraphs/orders/ports.js';
import { cursorAfter, type SalesCursor, type SalesOrder } from '../../subgraphs/orders/services/sales.js';
import { MAX_BATCH, type BiConfig } from './config.js';

export type { BiConfig } from './config.js';

export const PATHS = { import: '/api/v1/sales/import', stats: '/api/v1/sales/stats' } as const;
/** The BI row's columns, in the extract's order. */
export const COLUMNS = ['date', 'country', 'order_id', 'sku', 'quantity', 'unit_price', 'total_amount', 'currency', 'buyer_key'] as const;
/** Orders read per page from the orders module. */
const PAGE = 5000;
/** Daily extracts written at once. */
const EXTRACTS_AT_ONCE = 4;
/** The integration state key of the incremental export's watermark. */
const WATERMARK = 'sales-export.watermark';
/** Orders that are not (or no longer) sales: their lines are removed from BI. */
const NOT_SALES = new Set(['pending_payment', 'cancelled']);

export interface SalesRow {
  /** The order line: `<channel>:<order_id>:<line>`; BI keeps one row per key. */
  key: string;
  date: string;
  country: string;
  order_id: string;
  sku: string;
  quantity: number;
  /** Decimal text in the currency's units ("12.50"), from integer minor units. */
  unit_price: string;
  total_amount: string;
  currency: string;
  /** hex HMAC-SHA256 of the buyer's pseudonym; null when the channel gave no buyer. */
  buyer_key: string | null;
}

export interface ExportReport {
  mode: 'incremental' | 'range';
  dryRun: boolean;
  orders: number;
  rows: number;
  /** Line keys removed from BI (unpaid or cancelled orders). */
  deleted: number;
  batches: number;
  /** The days (in the configured zone) the run touched; their extracts were written again. */
  days: string[];
  files: string[];
  /** Where the next incremental run starts (ISO time of the last order change delivered); null for a range. */
  watermark: string | null;
}

export interface BiClientOptions {
  config: BiConfig;
  dataDir: string;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

const csvField = (v: string | number | null) => {
  const text = v === null ? '' : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
export const csvLine = (row: SalesRow) => `${COLUMNS.map((c) => csvField(row[c])).join(',')}\n`;

export class BiClient {
  readonly system: string;
  private readonly http: HttpClient;
  private readonly logger: Logger;
  private readonly extractDir: string;
  private readonly days = new Map<number, string>();

  constructor(private readonly opts: BiClientOptions) {
    this.system = opts.config.system;
    this.logger = opts.logger ?? silentLogger;
    this.http = new HttpClient({
      system: this.system, baseUrl: opts.config.endpoint, policy: opts.policy, rateLimits: { default: opts.config.rateLimit },
      logger: this.logger, onOutcome: opts.onOutcome,
    });
    this.extractDir = isAbsolute(opts.config.extractDir) ? opts.config.extractDir : join(opts.dataDir, opts.config.extractDir);
  }

  /** The order's lines as BI rows (an order that is no sale gives its keys to delete instead). */
  toRows(order: SalesOrder): { rows: SalesRow[]; deletes: string[] } {
    const keys = order.lines.map((l) => `${order.channel}:${order.orderSn}:${l.lineNo}`);
    if (NOT_SALES.has(order.status)) return { rows: [], deletes: keys };
    const date = this.dayOf(order.placedAt);
    const buyer = order.buyerRef && this.buyerKey(order.buyerRef);
    return {
      rows: order.lines.map((l, i) => ({
        key: keys[i]!, date, country: order.country, order_id: order.orderSn, sku: l.sku, quantity: l.quantity,
        unit_price: minorToDecimal(l.unitPriceMinor, order.currency), total_amount: minorToDecimal(l.unitPriceMinor * l.quantity, order.currency),
        currency: order.currency, buyer_key: buyer || null,
      })),
      deletes: [],
    };
  }

  /** One import call: rows upserted by key, keys deleted (at most the batch limit together). */
  async importBatch(rows: SalesRow[], deletes: string[]): Promise<{ upserted: number; deleted: number }> {
    if (rows.length + deletes.length > MAX_BATCH) throw new Error(`${this.system}: at most ${MAX_BATCH} rows and deletions per import call`);
    const res = await this.http.request({ method: 'POST', url: PATHS.import, operation: 'importSales', body: { rows, delete: deletes }, headers: this.headers() });
    return res.json<{ upserted: number; deleted: number }>();
  }

  /**
   * Sends the sales lines and writes the daily extracts. Without a window: the orders changed since the watermark
   * (with the configured overlap), the watermark moved after each delivered page. With `from`..`to` (days in the
   * configured zone, inclusive): every order placed then, the watermark left alone. A dry run reads and counts only.
   */
  async exportSales(sales: Pick<OrderOperations, 'salesPage'>, state: IntegrationState, req: { from?: string; to?: string; dryRun: boolean }): Promise<ExportReport> {
    const ranged = req.from !== undefined && req.to !== undefined;
    const window = ranged ? { placedFrom: this.dayStart(req.from!), placedTo: this.dayStart(req.to!, 1) } : {};
    const stored = ranged ? undefined : await state.get<{ updatedAt: string; orderId: number }>(WATERMARK);
    let cursor: SalesCursor | null = stored ? { at: new Date(Date.parse(stored.updatedAt) - this.opts.config.overlapMs), orderId: 0 } : null;
    const report: ExportReport = { mode: ranged ? 'range' : 'incremental', dryRun: req.dryRun, orders: 0, rows: 0, deleted: 0, batches: 0, days: [], files: [], watermark: stored?.updatedAt ?? null };
    const days = new Set<string>(ranged ? this.daysBetween(req.from!, req.to!) : []);
    // The next page is read while this one is sent: the run waits on the database or on BI, rarely on both.
    let next = sales.salesPage({ after: cursor, ...window, limit: PAGE });
    for (;;) {
      const page = await next;
      if (page.length === 0) break;
      const last = page.at(-1)!;
      cursor = cursorAfter(last);
      next = page.length < PAGE ? Promise.resolve([]) : sales.salesPage({ after: cursor, ...window, limit: PAGE });
      const rows: SalesRow[] = [];
      const deletes: string[] = [];
      for (const order of page) {
        const r = this.toRows(order);
        rows.push(...r.rows);
        deletes.push(...r.deletes);
        days.add(this.dayOf(order.placedAt));
      }
      report.orders += page.length;
      report.rows += rows.length;
      report.deleted += deletes.length;
      if (req.dryRun) continue;
      try {
        report.batches += await this.sendAll(rows, deletes);
      } catch (err) {
        // The page read ahead is not wanted any more; its failure (if any) must not go unheard.
        next.catch(() => {});
        throw err;
      }
      if (!ranged) {
        await state.put(WATERMARK, { updatedAt: last.updatedAt.toISOString(), orderId: last.id });
        report.watermark = last.updatedAt.toISOString();
      }
    }
    report.days = [...days].sort();
    if (!req.dryRun) report.files = await this.writeExtracts(sales, report.days);
    this.logger.info({ system: this.system, ...report, days: report.days.length, files: report.files.length }, `${this.system}: sales export ${report.mode}${req.dryRun ? ' (dry run)' : ''}: ${report.rows} rows, ${report.deleted} removed, ${report.days.length} day(s)`);
    return report;
  }

  async health(): Promise<ConnectorHealth> {
    try {
      const res = await this.http.request({ url: PATHS.stats, operation: 'stats', headers: this.headers() });
      const { rows } = res.json<{ rows: number }>();
      return { name: this.system, ok: true, detail: `sales import API OK (${rows} rows held)`, expiresInDays: null };
    } catch (err) {
      return { name: this.system, ok: false, detail: (err as Error).message, expiresInDays: null };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private buyerKey(buyerRef: string): string | undefined {
    const secret = this.opts.config.buyerKeySecret;
    return secret ? createHmac('sha256', secret).update(buyerRef).digest('hex') : undefined;
  }

  private headers(): Record<string, string> {
    if (!this.opts.config.apiKey) throw new Error(`${this.system}: auth.api_key is required`);
    return { 'x-api-key': this.opts.config.apiKey };
  }

  private async sendAll(rows: SalesRow[], deletes: string[]): Promise<number> {
    const size = this.opts.config.batchSize;
    let batches = 0;
    for (let i = 0; i < deletes.length; i += size, batches++) await this.importBatch([], deletes.slice(i, i + size));
    for (let i = 0; i < rows.length; i += size, batches++) await this.importBatch(rows.slice(i, i + size), []);
    return batches;
  }

  /** The days' extracts, a few at a time (each is mostly waiting for its pages). */
  private async writeExtracts(sales: Pick<OrderOperations, 'salesPage'>, days: string[]): Promise<string[]> {
    const files: string[] = [];
    let i = 0;
    const worker = async () => {
      while (i < days.length) {
        const day = days[i++]!;
        files.push(await this.writeExtract(sales, day));
      }
    };
    await Promise.all(Array.from({ length: Math.min(EXTRACTS_AT_ONCE, days.length) }, worker));
    return files.sort();
  }

  /** One day's extract, from every order placed that day, written beside and then renamed over the last one. */
  private async writeExtract(sales: Pick<OrderOperations, 'salesPage'>, day: string): Promise<string> {
    mkdirSync(this.extractDir, { recursive: true });
    const file = join(this.extractDir, `sales-${day}.csv`);
    const tmp = `${file}.${process.pid}.tmp`;
    const out = createWriteStream(tmp);
    try {
      const write = async (text: string) => {
        if (!out.write(text)) await once(out, 'drain');
      };
      await write(`${COLUMNS.join(',')}\n`);
      let cursor: SalesCursor | null = null;
      for (;;) {
        const page = await sales.salesPage({ by: 'placement', after: cursor, placedFrom: this.dayStart(day), placedTo: this.dayStart(day, 1), limit: PAGE });
        if (page.length === 0) break;
        let chunk = '';
        for (const order of page) for (const row of this.toRows(order).rows) chunk += csvLine(row);
        await write(chunk);
        cursor = cursorAfter(page.at(-1)!, 'placement');
        if (page.length < PAGE) break;
      }
      out.end();
      await once(out, 'finish');
      renameSync(tmp, file);
      return file;
    } catch (err) {
      out.destroy();
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /**
   * The sale's day in the configured zone. Formatting a date costs microseconds and a million lines have a few
   * thousand distinct quarter hours (every zone's offset is a multiple of 15 minutes): each is formatted once.
   */
  private dayOf(at: Date): string {
    const quarter = Math.floor(at.getTime() / 900_000);
    let day = this.days.get(quarter);
    if (day === undefined) {
      if (this.days.size >= 100_000) this.days.clear();
      this.days.set(quarter, (day = dayInZone(at, this.opts.config.timezone)));
    }
    return day;
  }

  private dayStart(day: string, plusDays = 0): Date {
    return DateTime.fromISO(day, { zone: this.opts.config.timezone }).startOf('day').plus({ days: plusDays }).toJSDate();
  }

  private daysBetween(from: string, to: string): string[] {
    const days: string[] = [];
    for (let d = DateTime.fromISO(from); d <= DateTime.fromISO(to); d = d.plus({ days: 1 })) days.push(d.toISODate()!);
    return days;
  }
}
