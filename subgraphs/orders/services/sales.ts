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

/** A position in the (updatedAt, orderId) order of changes. */
export interface SalesCursor {
  updatedAt: Date;
  orderId: number;
}

export interface SalesQuery {
  after?: SalesCursor | null;
  /** Only orders placed in [placedFrom, placedTo). */
  placedFrom?: Date;
  placedTo?: Date;
  limit: number;
}

export const MAX_SALES_PAGE = 10_000;

type Row = Record<string, unknown>;

export class SalesFeed {
  constructor(private readonly db: Database) {}

  /** The next `limit` orders after the cursor, oldest change first, each with its lines. */
  async page(q: SalesQuery): Promise<SalesOrder[]> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_SALES_PAGE) throw new InvalidInputError('limit', `limit must be 1..${MAX_SALES_PAGE}`);
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.after) where.push('(updated_at, id) > (?, ?)'), params.push(q.after.updatedAt, q.after.orderId);
    if (q.placedFrom) where.push('placed_at >= ?'), params.push(q.placedFrom);
    if (q.placedTo) where.push('placed_at < ?'), params.push(q.placedTo);
    const em = this.db.em();
    const orders = await em.execute<Row[]>(
      `select id, channel, country, order_sn, status, placed_at, updated_at, currency, buyer_ref from orders
       ${where.length ? `where ${where.join(' and ')}` : ''} order by updated_at, id limit ${q.limit}`,
      params,
    );
    if (orders.length === 0) return [];
    const ids = orders.map((o) => Number(o.id));
    const lines = await em.execute<Row[]>(
      `select order_id, line_no, sku, quantity, unit_price_minor from order_line where order_id in (${ids.map(() => '?').join(', ')}) order by order_id, line_no`,
      ids,
    );
    const byOrder = new Map<number, SalesLine[]>(ids.map((id) => [id, []]));
    for (const l of lines) {
      byOrder.get(Number(l.order_id))!.push({ lineNo: Number(l.line_no), sku: String(l.sku), quantity: Number(l.quantity), unitPriceMinor: Number(l.unit_price_minor) });
    }
    return orders.map((o) => ({
      id: Number(o.id), channel: String(o.channel), country: String(o.country), orderSn: String(o.order_sn), status: String(o.status),
      placedAt: new Date(o.placed_at as string), updatedAt: new Date(o.updated_at as string), currency: String(o.currency),
      buyerRef: (o.buyer_ref as string | null) ?? null, lines: byOrder.get(Number(o.id))!,
    }));
  }
}
