// The orders module's public API: orders recorded from their channels, the inbox of webhooks and the outbox of
// calls that must happen once, the loops that work them, dead letters for the operator, and sales lines for
// reporting. Other modules and the front ends (GraphQL, CLI, jobs) use only this.
import type { Logger } from 'pino';
import type { FieldSealer } from '../../platform/auth/credential-store.js';
import type { Config } from '../../platform/config/index.js';
import type { Database } from '../../platform/db/index.js';
import type { EventBus } from '../../platform/events/index.js';
import type { MappingSet } from '../../platform/transform/index.js';
import type { InboxMessage } from '../../platform/webhooks/index.js';
import type { Alerts, OrderFulfilment, OrderSink, OrderSource, Shipment, StockReservations } from './ports.js';
import { OrderInbox } from './services/inbox.js';
import { parseMessageId, type DeadLetter, type QueueStats, type Table } from './services/messages.js';
import { OrderOutbox } from './services/outbox.js';
import { OrderPipeline } from './services/pipeline.js';
import { OrderRecords, type OrderFilter, type OrderLineView, type OrderView, type StatusEntryView } from './services/records.js';
import { SalesFeed } from './services/sales.js';
import type { Buyer } from './services/documents.js';

export type { OrderView, OrderLineView, StatusEntryView, OrderChangedEvent } from './services/records.js';
export type { DeadLetter } from './services/messages.js';
export type { Buyer } from './services/documents.js';
export type { SalesOrder, SalesCursor, SalesLine } from './services/sales.js';

export interface OrdersServiceOptions {
  db: Database;
  events: EventBus;
  mappings: MappingSet;
  sealer: FieldSealer;
  logger: Logger;
  alerts: Alerts;
  config: Config['orders'];
  /** The connectors, by what the module needs of them. */
  connectors: {
    source(system: string): OrderSource | undefined;
    sink(): OrderSink | undefined;
    fulfilment(system: string): OrderFulfilment | undefined;
  };
  /** The oversell guard (the inventory module's reservations). */
  reservations?: StockReservations;
}

const DAY_MS = 86_400_000;

export class OrdersService {
  readonly records: OrderRecords;
  readonly inbox: OrderInbox;
  readonly outbox: OrderOutbox;
  readonly sales: SalesFeed;
  readonly pipeline: OrderPipeline;

  constructor(private readonly opts: OrdersServiceOptions) {
    const { db, events, mappings, sealer, logger, alerts, config, connectors } = opts;
    const leaseMs = config.claimLeaseSeconds * 1000;
    this.records = new OrderRecords(db, events, mappings, sealer);
    const canSendBack = (system: string) => connectors.fulfilment(system) !== undefined;
    this.inbox = new OrderInbox({ db, records: this.records, logger, alerts, policy: config.inbox, leaseMs, source: connectors.source, canSendBack });
    this.outbox = new OrderOutbox({
      db, records: this.records, logger, alerts, policy: config.outbox, leaseMs, sink: connectors.sink, fulfilment: connectors.fulfilment, reservations: opts.reservations,
    });
    this.sales = new SalesFeed(db);
    this.pipeline = new OrderPipeline(this.inbox, this.outbox, { concurrency: config.concurrency }, logger);
  }

  /** Writes a webhook's messages to the inbox (durable when this resolves); returns how many were new. */
  async receive(receiver: string, system: string, body: string, messages: InboxMessage[]): Promise<number> {
    const added = await this.inbox.receive(receiver, system, body, messages);
    if (added > 0) this.pipeline.wake();
    return added;
  }

  list(filter: OrderFilter) {
    return this.records.list(filter);
  }

  get(ids: number[]): Promise<Map<number, OrderView>> {
    return this.records.get(ids);
  }

  findByOrderSn(orderSn: string, channel?: string): Promise<OrderView | null> {
    return this.records.findByOrderSn(orderSn, channel);
  }

  lines(orderIds: number[]): Promise<Map<number, OrderLineView[]>> {
    return this.records.lines(orderIds);
  }

  history(orderId: number): Promise<StatusEntryView[]> {
    return this.records.history(orderId);
  }

  /** The buyer's personal data; the caller has checked that its user may see it (admins only). */
  buyer(orderId: number): Promise<Buyer | null> {
    return this.records.buyer(orderId);
  }

  /** Shipments read back from the OMS (the safety net): each recorded once. Returns how many were new. */
  async recordShipments(shipments: Shipment[]): Promise<number> {
    let recorded = 0;
    for (const s of shipments) {
      const r = await this.records.recordShipment(s, (system) => this.opts.connectors.fulfilment(system) !== undefined);
      if (r?.recorded) recorded++;
    }
    if (recorded > 0) this.pipeline.wake();
    return recorded;
  }

  /** Dead letters of the inbox and the outbox, newest first. */
  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const rows = await this.opts.db.em().execute<Record<string, unknown>[]>(
      `select * from (
         select 'inbox:' || id as id, kind, null as channel, order_ref as order_sn, attempts, last_error, received_at as created_at
           from order_inbox where state = 'dead'
         union all
         select 'outbox:' || m.id, m.kind, o.channel, o.order_sn, m.attempts, m.last_error, m.created_at
           from order_outbox m left join orders o on o.id = m.order_id where m.state = 'dead'
       ) d order by created_at desc limit ?`,
      [limit],
    );
    return rows.map((r) => ({
      id: String(r.id), kind: String(r.kind), channel: (r.channel as string | null) ?? null, orderSn: (r.order_sn as string | null) ?? null,
      attempts: Number(r.attempts), lastError: (r.last_error as string | null) ?? null, createdAt: new Date(r.created_at as string),
    }));
  }

  /** Dead letters back in their queue with a fresh retry budget: the given ids (`inbox:12`, `outbox:7`) or all. */
  async retry(ids: string[] | 'all'): Promise<number> {
    let n = 0;
    if (ids === 'all') n = (await this.inbox.table.retry('all')) + (await this.outbox.table.retry('all'));
    else {
      const parsed = ids.map(parseMessageId);
      for (const table of ['order_inbox', 'order_outbox'] as Table[]) {
        const these = parsed.filter((p) => p.table === table).map((p) => p.id);
        if (these.length) n += await (table === 'order_inbox' ? this.inbox : this.outbox).table.retry(these);
      }
    }
    if (n > 0) this.pipeline.wake();
    return n;
  }

  /** Inbox messages received since `since` are processed again (idempotently). */
  async replay(opts: { since?: Date; receiver?: string }): Promise<number> {
    const n = await this.inbox.replay(opts);
    if (n > 0) this.pipeline.wake();
    return n;
  }

  /** Messages waiting and dead, per queue. */
  /** Both queues as monitoring reads them (depth, oldest waiting, retries, dead letters). */
  async queueStats(): Promise<{ inbox: QueueStats; outbox: QueueStats }> {
    const [inbox, outbox] = await Promise.all([this.inbox.table.stats(), this.outbox.table.stats()]);
    return { inbox, outbox };
  }

  async queues(): Promise<{ inbox: { pending: number; dead: number }; outbox: { pending: number; dead: number } }> {
    return { inbox: await this.inbox.table.counts(), outbox: await this.outbox.table.counts() };
  }

  /**
   * Retention: the buyer data of orders completed more than buyerRetentionDays ago, and processed inbox and
   * outbox messages older than `olderThanDays`. With dryRun, only counts.
   */
  async cleanup(olderThanDays: number, opts: { dryRun?: boolean; now?: Date } = {}): Promise<{ buyers: number; inbox: number; outbox: number }> {
    const now = (opts.now ?? new Date()).getTime();
    const dryRun = Boolean(opts.dryRun);
    const buyers = await this.records.deleteBuyersCompletedBefore(new Date(now - this.opts.config.buyerRetentionDays * DAY_MS), dryRun);
    const cutoff = new Date(now - olderThanDays * DAY_MS);
    return { buyers, inbox: await this.inbox.table.deleteDoneBefore(cutoff, dryRun), outbox: await this.outbox.table.deleteDoneBefore(cutoff, dryRun) };
  }
}
