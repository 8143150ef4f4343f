// Orders as the module keeps them: recording what a channel says (mapped, checked, sealed, older news ignored),
// deciding in the same transaction what must go out (outbox) and announcing it (orderChanged), and reading them
// back for the API and the CLI.
import type { FieldSealer } from '../../../platform/auth/credential-store.js';
import type { Database, EntityManager } from '../../../platform/db/index.js';
import { InvalidInputError } from '../../../platform/errors.js';
import type { Emit, EventBus } from '../../../platform/events/index.js';
import { currentCorrelation } from '../../../platform/log/correlation.js';
import { MappingError, type MappingSet } from '../../../platform/transform/index.js';
import { ORDER_STATUSES, type OrderStatus } from '../entities/order.js';
import { TOPICS } from '../events.js';
import { RejectedError, type Shipment, type SourceOrder } from '../ports.js';
import { describeIssues, documentSchema, lineSchema, type Buyer } from './documents.js';

/** Statuses the OMS learns from us (update_status); shipped and delivered it reports itself. */
export const STATUSES_SENT_TO_OMS: ReadonlySet<string> = new Set<OrderStatus>(['confirmed', 'cancelling', 'cancelled', 'returning']);
/** Final statuses: the buyer's retention counts from the moment an order reaches one. */
const FINAL_STATUSES: ReadonlySet<string> = new Set<OrderStatus>(['delivered', 'cancelled']);
/** The fulfilment chain, in order; cancellations and returns branch off it. */
const FORWARD: OrderStatus[] = ['pending_payment', 'confirmed', 'shipped', 'delivered'];

export interface OrderView {
  id: number;
  system: string;
  channel: string;
  country: string;
  accountRef: string | null;
  orderSn: string;
  status: OrderStatus;
  channelStatus: string;
  placedAt: Date;
  updatedAt: Date;
  totalMinor: number;
  currency: string;
  omsOrderId: string | null;
  trackingNumber: string | null;
  carrier: string | null;
  shippedAt: Date | null;
  trackingSentAt: Date | null;
  completedAt: Date | null;
  buyerDeleted: boolean;
}

export interface OrderLineView {
  orderId: number;
  lineNo: number;
  sku: string;
  name: string | null;
  quantity: number;
  unitPriceMinor: number;
}

export interface StatusEntryView {
  status: string;
  channelStatus: string | null;
  at: Date;
  source: string;
}

export type OrderChange = 'created' | 'status' | 'oms' | 'shipped' | 'tracking';

/** The orderChanged event: which order changed, and how. */
export interface OrderChangedEvent {
  orderId: number;
  channel: string;
  orderSn: string;
  status: string;
  change: OrderChange;
}

export type IngestOutcome = 'created' | 'updated' | 'unchanged';

/** An order's outbox decision, in the transaction that made it. */
export async function enqueue(em: EntityManager, orderId: number, kind: string, ref = ''): Promise<void> {
  await em.execute(
    `insert into order_outbox (order_id, kind, ref, correlation_id, state, attempts, next_attempt_at, created_at)
     values (?, ?, ?, ?, 'pending', 0, now(), now()) on conflict (order_id, kind, ref) do nothing`,
    [orderId, kind, ref, currentCorrelation()?.id ?? null],
  );
}

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);
const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
const dateOrNull = (v: unknown) => (v == null ? null : date(v));

export function toView(r: Row): OrderView {
  return {
    id: num(r.id), system: String(r.system), channel: String(r.channel), country: String(r.country),
    accountRef: (r.account_ref as string | null) ?? null, orderSn: String(r.order_sn), status: r.status as OrderStatus,
    channelStatus: String(r.channel_status), placedAt: date(r.placed_at), updatedAt: date(r.updated_at),
    totalMinor: num(r.total_minor), currency: String(r.currency), omsOrderId: (r.oms_order_id as string | null) ?? null,
    trackingNumber: (r.tracking_number as string | null) ?? null, carrier: (r.carrier as string | null) ?? null,
    shippedAt: dateOrNull(r.shipped_at), trackingSentAt: dateOrNull(r.tracking_sent_at), completedAt: dateOrNull(r.completed_at),
    buyerDeleted: r.buyer_deleted_at != null,
  };
}

const ORDER_COLUMNS = `id, system, channel, country, account_ref, order_sn, status, channel_status, placed_at, updated_at, total_minor,
  currency, oms_order_id, tracking_number, carrier, shipped_at, tracking_sent_at, completed_at, buyer_deleted_at`;

export interface OrderFilter {
  first: number;
  after?: string | null;
  channels?: string[];
  statuses?: string[];
  placedFrom?: Date | null;
  placedTo?: Date | null;
}

export const MAX_PAGE = 200;

/** Cursor of an order in the newest-first list: its placement time and id. */
export const orderCursor = (o: OrderView) => Buffer.from(`${o.placedAt.getTime()}:${o.id}`).toString('base64url');
function decodeCursor(text: string): { placedAt: Date; id: number } {
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!m) throw new InvalidInputError('after', `after: "${text.slice(0, 40)}" is not a cursor from this list`);
  return { placedAt: new Date(Number(m[1])), id: Number(m[2]) };
}

export class OrderRecords {
  constructor(
    private readonly db: Database,
    private readonly events: EventBus,
    private readonly mappings: MappingSet,
    private readonly sealer: FieldSealer,
  ) {}

  private buyerName = (channel: string, orderSn: string) => `order-buyer:${channel}:${orderSn}`;

  /**
   * Records the order as its channel has it now. Mapped and checked first (a record the mapping or the OMS
   * contract refuses is a RejectedError: nothing is stored). Older than what is stored: nothing changes.
   */
  async ingest(order: SourceOrder, mapping: { order: string; line: string }): Promise<IngestOutcome> {
    const mapped = documentSchema.safeParse(this.map(mapping.order, order.record, `order ${order.orderSn}`));
    if (!mapped.success) throw new RejectedError(`order ${order.orderSn}: mapping ${mapping.order} gives no valid OMS order: ${describeIssues(mapped.error)}`);
    const lines = order.lines.map((raw, i) => {
      const line = lineSchema.safeParse(this.map(mapping.line, raw, `order ${order.orderSn}, line ${i + 1}`));
      if (!line.success) throw new RejectedError(`order ${order.orderSn}, line ${i + 1}: mapping ${mapping.line}: ${describeIssues(line.error)}`);
      return line.data;
    });
    if (lines.length === 0) throw new RejectedError(`order ${order.orderSn} has no lines`);
    const { shipping, ...document } = mapped.data;
    const buyer = shipping && Object.values(shipping).some((v) => v) ? this.sealer.seal(this.buyerName(order.channel, order.orderSn), JSON.stringify(shipping)) : null;
    const buyerRef = order.buyerId ? this.sealer.pseudonym('buyer', `${order.system}:${order.buyerId}`) : null;
    const status = document.status;
    const now = new Date();
    const final = FINAL_STATUSES.has(status) ? now : null;

    return this.events.transactional(async (em, emit) => {
      for (;;) {
        const [existing] = await em.execute<Row[]>(
          'select id, status, source_updated_at from orders where channel = ? and order_sn = ? for update',
          [order.channel, order.orderSn],
        );
        if (existing) return this.update(em, emit, order, num(existing.id), existing, { document, status, buyer, buyerRef, final, now });
        const [created] = await em.execute<Row[]>(
          `insert into orders (system, channel, country, account_ref, order_sn, status, channel_status, placed_at, source_updated_at,
             total_minor, currency, document, buyer_sealed, buyer_ref, completed_at, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)
           on conflict (channel, order_sn) do nothing returning id`,
          [order.system, order.channel, document.country, order.accountRef ?? null, order.orderSn, status, order.channelStatus,
            new Date(document.ordered_at), order.updatedAt, document.totals.amount_minor, document.currency, JSON.stringify(document),
            buyer, buyerRef, final, now, now],
        );
        // Another worker recorded it a moment ago (the insert waited for its commit): read it and update that.
        if (!created) continue;
        const id = num(created.id);
        // Its lines, its first status and the calls it decides, in one round trip. The order took its units on its
        // channel: the source's other channels give them up at once (stock.reserve), unless it came cancelled.
        const calls = status === 'cancelled' ? ['oms.create'] : ['stock.reserve', 'oms.create'];
        await em.execute(
          `with lines as (insert into order_line (order_id, line_no, sku, name, quantity, unit_price_minor) values ${lines.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}),
                history as (insert into order_status_history (order_id, status, channel_status, at, recorded_at, source) values (?, ?, ?, ?, now(), 'channel'))
           insert into order_outbox (order_id, kind, ref, correlation_id, state, attempts, next_attempt_at, created_at)
           values ${calls.map(() => "(?, ?, '', ?, 'pending', 0, now(), now())").join(', ')} on conflict (order_id, kind, ref) do nothing`,
          [
            ...lines.flatMap((l, i) => [id, i + 1, l.sku, l.name ?? null, l.quantity, l.unit_price_minor]),
            id, status, order.channelStatus, order.updatedAt, ...calls.flatMap((kind) => [id, kind, currentCorrelation()?.id ?? null]),
          ],
        );
        await this.announce(emit, { orderId: id, channel: order.channel, orderSn: order.orderSn, status, change: 'created' });
        return 'created';
      }
    });
  }

  /** One record through a mapping; a value it cannot map refuses the order for good (retrying maps it the same way). */
  private map(name: string, record: unknown, what: string): unknown {
    try {
      return this.mappings.get(name).apply(record);
    } catch (err) {
      if (err instanceof MappingError) throw new RejectedError(`${what}: ${err.message}`);
      throw err;
    }
  }

  private async update(
    em: EntityManager, emit: Emit, order: SourceOrder, id: number, existing: Row,
    next: { document: Record<string, unknown>; status: OrderStatus; buyer: string | null; buyerRef: string | null; final: Date | null; now: Date },
  ): Promise<IngestOutcome> {
    if (order.updatedAt.getTime() <= date(existing.source_updated_at).getTime()) return 'unchanged';
    const current = existing.status as OrderStatus;
    // Along the fulfilment chain an order only moves forward (the OMS may have shipped it before the channel says so).
    const status = FORWARD.indexOf(next.status) >= 0 && FORWARD.indexOf(next.status) < FORWARD.indexOf(current) ? current : next.status;
    await em.execute(
      `update orders set status = ?, channel_status = ?, source_updated_at = ?, document = ?::jsonb,
         buyer_sealed = case when buyer_deleted_at is null then coalesce(?, buyer_sealed) else null end,
         buyer_ref = coalesce(?, buyer_ref), completed_at = coalesce(completed_at, ?), updated_at = ? where id = ?`,
      [status, order.channelStatus, order.updatedAt, JSON.stringify(next.document), next.buyer, next.buyerRef,
        FINAL_STATUSES.has(status) ? next.now : null, next.now, id],
    );
    if (status === current) return 'updated';
    await this.addHistory(em, id, status, order.channelStatus, order.updatedAt, 'channel');
    if (STATUSES_SENT_TO_OMS.has(status)) await enqueue(em, id, 'oms.status', status);
    if (status === 'cancelled') await enqueue(em, id, 'stock.release', status);
    await this.announce(emit, { orderId: id, channel: order.channel, orderSn: order.orderSn, status, change: 'status' });
    return 'updated';
  }

  /**
   * The OMS shipped an order: its tracking number is recorded once (a repeated or older shipment changes
   * nothing), and sending it back to the channel is decided in the same transaction when the channel can take it.
   * Returns the order's id, or null when no order matches.
   */
  async recordShipment(shipment: Shipment, canSendBack: (system: string) => boolean): Promise<{ orderId: number; recorded: boolean } | null> {
    return this.events.transactional(async (em, emit) => {
      const find = (sql: string, params: unknown[]) => em.execute<Row[]>(`select ${ORDER_COLUMNS} from orders where ${sql} order by id limit 1 for update`, params);
      let [row] = shipment.omsOrderId ? await find('oms_order_id = ?', [shipment.omsOrderId]) : [];
      // The OMS knows the order by our number too, even when its create answer (with its id) never reached us.
      if (!row && shipment.orderSn) {
        [row] = shipment.channel ? await find('channel = ? and order_sn = ?', [shipment.channel, shipment.orderSn]) : await find('order_sn = ?', [shipment.orderSn]);
      }
      if (!row) return null;
      const order = toView(row);
      if (order.trackingNumber === shipment.trackingNumber) return { orderId: order.id, recorded: false };
      const now = new Date();
      const shippedAt = shipment.shippedAt ?? now;
      const status: OrderStatus = order.status === 'pending_payment' || order.status === 'confirmed' ? 'shipped' : order.status;
      await em.execute(
        `update orders set tracking_number = ?, carrier = ?, shipped_at = ?, oms_order_id = coalesce(oms_order_id, ?), status = ?,
           tracking_sent_at = null, updated_at = ? where id = ?`,
        [shipment.trackingNumber, shipment.carrier ?? null, shippedAt, shipment.omsOrderId ?? null, status, now, order.id],
      );
      await this.addHistory(em, order.id, 'shipped', null, shippedAt, 'oms');
      if (canSendBack(order.system)) await enqueue(em, order.id, 'channel.ship', shipment.trackingNumber);
      await this.announce(emit, { orderId: order.id, channel: order.channel, orderSn: order.orderSn, status, change: 'shipped' });
      return { orderId: order.id, recorded: true };
    });
  }

  /** Records what the OMS answered (its order id) or that the channel now shows the tracking number. */
  async recordOutcome(orderId: number, change: 'oms' | 'tracking', value: string): Promise<void> {
    await this.events.transactional(async (em, emit) => {
      const column = change === 'oms' ? 'oms_order_id = ?' : 'tracking_sent_at = now(), tracking_number = ?';
      const [row] = await em.execute<Row[]>(`update orders set ${column}, updated_at = ? where id = ? returning ${ORDER_COLUMNS}`, [value, new Date(), orderId]);
      if (!row) return;
      const o = toView(row);
      await this.announce(emit, { orderId: o.id, channel: o.channel, orderSn: o.orderSn, status: o.status, change });
    });
  }

  private async addHistory(em: EntityManager, orderId: number, status: string, channelStatus: string | null, at: Date, source: string): Promise<void> {
    await em.execute(
      'insert into order_status_history (order_id, status, channel_status, at, recorded_at, source) values (?, ?, ?, ?, now(), ?)',
      [orderId, status, channelStatus, at, source],
    );
  }

  private announce(emit: Emit, event: OrderChangedEvent): Promise<number> {
    return emit(TOPICS.orderChanged, event);
  }

  /** The OMS document for an order: the stored document, the buyer's shipping data (while kept) and the lines. */
  async omsDocument(orderId: number): Promise<{ order: OrderView; document: Record<string, unknown> } | null> {
    const em = this.db.em();
    const [row] = await em.execute<Row[]>(`select ${ORDER_COLUMNS}, document, buyer_sealed from orders where id = ?`, [orderId]);
    if (!row) return null;
    const order = toView(row);
    const lines = (await this.lines([orderId])).get(orderId) ?? [];
    const shipping = row.buyer_sealed ? (JSON.parse(this.sealer.open(this.buyerName(order.channel, order.orderSn), String(row.buyer_sealed))) as Buyer) : undefined;
    const document = {
      ...(row.document as Record<string, unknown>),
      channel: order.channel,
      ...(shipping ? { shipping } : {}),
      lines: lines.map((l) => ({ line_no: l.lineNo, sku: l.sku, ...(l.name ? { name: l.name } : {}), quantity: l.quantity, unit_price_minor: l.unitPriceMinor })),
    };
    return { order, document };
  }

  async get(ids: number[]): Promise<Map<number, OrderView>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.em().execute<Row[]>(`select ${ORDER_COLUMNS} from orders where id in (${ids.map(() => '?').join(', ')})`, ids);
    return new Map(rows.map((r) => [num(r.id), toView(r)]));
  }

  /** By channel order number, optionally on one channel; null when none or several match. */
  async findByOrderSn(orderSn: string, channel?: string): Promise<OrderView | null> {
    const rows = await this.db.em().execute<Row[]>(
      `select ${ORDER_COLUMNS} from orders where order_sn = ?${channel ? ' and channel = ?' : ''} limit 2`,
      channel ? [orderSn, channel] : [orderSn],
    );
    return rows.length === 1 ? toView(rows[0]!) : null;
  }

  async lines(orderIds: number[]): Promise<Map<number, OrderLineView[]>> {
    const out = new Map<number, OrderLineView[]>(orderIds.map((id) => [id, []]));
    if (orderIds.length === 0) return out;
    const rows = await this.db.em().execute<Row[]>(
      `select order_id, line_no, sku, name, quantity, unit_price_minor from order_line where order_id in (${orderIds.map(() => '?').join(', ')}) order by order_id, line_no`,
      orderIds,
    );
    for (const r of rows) {
      out.get(num(r.order_id))?.push({
        orderId: num(r.order_id), lineNo: num(r.line_no), sku: String(r.sku), name: (r.name as string | null) ?? null,
        quantity: num(r.quantity), unitPriceMinor: num(r.unit_price_minor),
      });
    }
    return out;
  }

  async history(orderId: number): Promise<StatusEntryView[]> {
    const rows = await this.db.em().execute<Row[]>(
      'select status, channel_status, at, source from order_status_history where order_id = ? order by at, id',
      [orderId],
    );
    return rows.map((r) => ({ status: String(r.status), channelStatus: (r.channel_status as string | null) ?? null, at: date(r.at), source: String(r.source) }));
  }

  /** The buyer's personal data, opened; null once deleted (or when the channel gave none). Callers check the role. */
  async buyer(orderId: number): Promise<Buyer | null> {
    const [row] = await this.db.em().execute<Row[]>('select channel, order_sn, buyer_sealed from orders where id = ?', [orderId]);
    if (!row?.buyer_sealed) return null;
    return JSON.parse(this.sealer.open(this.buyerName(String(row.channel), String(row.order_sn)), String(row.buyer_sealed))) as Buyer;
  }

  /** A page of orders, newest first. */
  async list(filter: OrderFilter): Promise<{ orders: OrderView[]; hasNextPage: boolean; endCursor: string | null }> {
    if (!Number.isInteger(filter.first) || filter.first < 1 || filter.first > MAX_PAGE) {
      throw new InvalidInputError('first', `first must be 1..${MAX_PAGE}; got ${filter.first}`);
    }
    const unknown = filter.statuses?.filter((s) => !(ORDER_STATUSES as readonly string[]).includes(s));
    if (unknown?.length) throw new InvalidInputError('status', `status: unknown ${unknown.join(', ')} (known: ${ORDER_STATUSES.join(', ')})`);
    if (filter.placedFrom && filter.placedTo && filter.placedFrom > filter.placedTo) throw new InvalidInputError('placedFrom', 'placedFrom is after placedTo');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.channels?.length) where.push(`channel in (${filter.channels.map(() => '?').join(', ')})`), params.push(...filter.channels);
    if (filter.statuses?.length) where.push(`status in (${filter.statuses.map(() => '?').join(', ')})`), params.push(...filter.statuses);
    if (filter.placedFrom) where.push('placed_at >= ?'), params.push(filter.placedFrom);
    if (filter.placedTo) where.push('placed_at < ?'), params.push(filter.placedTo);
    if (filter.after) {
      const c = decodeCursor(filter.after);
      where.push('(placed_at, id) < (?, ?)');
      params.push(c.placedAt, c.id);
    }
    const rows = await this.db.em().execute<Row[]>(
      `select ${ORDER_COLUMNS} from orders ${where.length ? `where ${where.join(' and ')}` : ''} order by placed_at desc, id desc limit ${filter.first + 1}`,
      params,
    );
    const orders = rows.slice(0, filter.first).map(toView);
    return { orders, hasNextPage: rows.length > filter.first, endCursor: orders.length ? orderCursor(orders.at(-1)!) : null };
  }

  /** Deletes the buyer data of orders that reached a final status before `cutoff`; returns how many (or would). */
  async deleteBuyersCompletedBefore(cutoff: Date, dryRun = false): Promise<number> {
    const em = this.db.em();
    if (dryRun) {
      const [r] = await em.execute<Row[]>('select count(*) as n from orders where completed_at < ? and buyer_deleted_at is null', [cutoff]);
      return num(r!.n);
    }
    const rows = await em.execute<Row[]>(
      'update orders set buyer_sealed = null, buyer_deleted_at = now() where completed_at < ? and buyer_deleted_at is null returning id',
      [cutoff],
    );
    return rows.length;
  }
}
