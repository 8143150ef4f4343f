// Sales lines for reporting (the BI export): orders in the order of their last change, with their lines, the
// buyer only as a pseudonym. An export keeps its own watermark (a SalesCursor) and asks for what came after it.
import type { Database } from '../../../platform/db/index.js';
import { InvalidInputError } from '../../../platform/errors.js';

export interface SalesLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface SalesOrder {
  id: number;
  channel: string;
  country: string;
  orderSn: string;
  status: string;
  placedAt: Date;
  updatedAt: Date;
  currency: string;
  /** The keyed pseudonym of the channel's buyer id; never a name or an address. */
  buyerRef: string | null;
  lines: SalesLine[];
}

/** A position in one of the two orders a page can come in: (updatedAt, id) or (placedAt, id). */
export interface SalesCursor {
  at: Date;
  orderId: number;
}

export interface SalesQuery {
  /** change (default): oldest change first, for incremental exports; placement: by placement time, for a day's extract. */
  by?: 'change' | 'placement';
  after?: SalesCursor | null;
  /** Only orders placed in [placedFrom, placedTo). */
  placedFrom?: Date;
  placedTo?: Date;
  limit: number;
}

/** Where the next page of the same query starts. */
export const cursorAfter = (order: SalesOrder, by: SalesQuery['by'] = 'change'): SalesCursor => ({ at: by === 'placement' ? order.placedAt : order.updatedAt, orderId: order.id });

export const MAX_SALES_PAGE = 10_000;

type Row = Record<string, unknown>;

export class SalesFeed {
  constructor(private readonly db: Database) {}

  /** The next `limit` orders after the cursor, in the query's order, each with its lines. */
  async page(q: SalesQuery): Promise<SalesOrder[]> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_SALES_PAGE) throw new InvalidInputError('limit', `limit must be 1..${MAX_SALES_PAGE}`);
    const column = q.by === 'placement' ? 'placed_at' : 'updated_at';
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.after) where.push(`(${column}, id) > (?, ?)`), params.push(q.after.at, q.after.orderId);
    if (q.placedFrom) where.push('placed_at >= ?'), params.push(q.placedFrom);
    if (q.placedTo) where.push('placed_at < ?'), params.push(q.placedTo);
    const em = this.db.em();
    const rows = await em.execute<Row[]>(
      `select id, channel, country, order_sn, status, placed_at, updated_at, currency, buyer_ref from orders
       ${where.length ? `where ${where.join(' and ')}` : ''} order by ${column}, id limit ${q.limit}`,
      params,
    );
    if (rows.length === 0) return [];
    const orders = rows.map((o): SalesOrder => ({
      id: Number(o.id), channel: String(o.channel), country: String(o.country), orderSn: String(o.order_sn), status: String(o.status),
      placedAt: new Date(o.placed_at as string), updatedAt: new Date(o.updated_at as string), currency: String(o.currency),
      buyerRef: (o.buyer_ref as string | null) ?? null, lines: [],
    }));
    const byId = new Map(orders.map((o) => [o.id, o]));
    // The ids as one array literal: a list of thousands of bound parameters costs far more to send and plan.
    const lines = await em.execute<Row[]>(
      'select order_id, line_no, sku, quantity, unit_price_minor from order_line where order_id = any(?::bigint[]) order by order_id, line_no',
      [`{${orders.map((o) => o.id).join(',')}}`],
    );
    for (const l of lines) {
      byId.get(Number(l.order_id))!.lines.push({ lineNo: Number(l.line_no), sku: String(l.sku), quantity: Number(l.quantity), unitPriceMinor: Number(l.unit_price_minor) });
    }
    return orders;
  }
}
