// The outbox: calls that must happen once, decided in the transaction that recorded the order, sent afterwards
// with an idempotency key derived from the order (a retry, or a second worker after a crash, is the same call),
// retried with backoff, dead letters after the budget. An order's calls go out in the order they were decided:
// a status waits for the order's creation in the OMS.
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import { correlated } from '../../../platform/log/correlation.js';
import { RejectedError, type Alerts, type OrderFulfilment, type OrderSink, type StockReservations } from '../ports.js';
import { MessageTable, type RetryPolicy } from './messages.js';
import type { OrderRecords } from './records.js';

export interface OutboxRow extends Record<string, unknown> {
  id: string | number;
  order_id: string | number;
  kind: string;
  ref: string;
  attempts: number;
  correlation_id: string | null;
}

export interface OutboxDeps {
  db: Database;
  records: OrderRecords;
  logger: Logger;
  alerts: Alerts;
  policy: RetryPolicy;
  leaseMs: number;
  /** The OMS (the one OrderSink configured); undefined when none is. */
  sink(): OrderSink | undefined;
  fulfilment(system: string): OrderFulfilment | undefined;
  /** The oversell guard; none: orders hold no stock on other channels. */
  reservations?: StockReservations;
}

/** The key the OMS deduplicates an order's calls by: the same for every attempt, in every process. */
export const idempotencyKey = (channel: string, orderSn: string, call: string) => `tsunagi:${channel}:${orderSn}:${call}`;

// An order's calls to one system in the order they were decided: none of its earlier messages to the same system
// (the part of the kind before the dot) may still be waiting. Stock is held at once, whatever the OMS is doing.
const IN_ORDER = `and not exists (select 1 from order_outbox e where e.order_id = m.order_id and e.id < m.id and e.state <> 'done'
  and split_part(e.kind, '.', 1) = split_part(m.kind, '.', 1))`;

export class OrderOutbox {
  readonly table: MessageTable;
  /** Consecutive calls that failed for want of the other side: the dispatcher slows down instead of burning budgets. */
  private unavailable = 0;

  constructor(private readonly deps: OutboxDeps) {
    this.table = new MessageTable(deps.db, 'order_outbox', deps.policy, deps.leaseMs, IN_ORDER);
  }

  /** How long the dispatcher should wait before its next claim (0: go on). */
  get pauseMs(): number {
    return this.unavailable === 0 ? 0 : Math.min(30_000, 500 * 2 ** Math.min(this.unavailable - 1, 6));
  }

  async sendDue(limit: number): Promise<number> {
    const rows = await this.table.claim<OutboxRow>(limit);
    const done: number[] = [];
    // Each call runs under the id of the work that decided it (the webhook's, the command's), the claim's otherwise.
    await Promise.all(rows.map((r) => correlated(() => this.settle(r, done), r.correlation_id ?? undefined)));
    await this.table.done(done);
    return rows.length;
  }

  private async send(r: OutboxRow): Promise<void> {
    const orderId = Number(r.order_id);
    if (r.kind === 'oms.create' || r.kind === 'oms.status') {
      const sink = this.deps.sink();
      if (!sink) throw new Error('no OMS is configured (a connector implementing OrderSink in integrations.yaml)');
      const found = await this.deps.records.omsDocument(orderId);
      if (!found) throw new RejectedError(`order ${orderId} no longer exists`);
      const { order, document } = found;
      if (r.kind === 'oms.create') {
        const { omsOrderId } = await sink.createOrder(document, idempotencyKey(order.channel, order.orderSn, 'create'));
        await this.deps.records.recordOutcome(orderId, 'oms', omsOrderId);
        return;
      }
      if (!order.omsOrderId) throw new Error(`order ${order.orderSn} has no OMS id yet`);
      await sink.updateStatus(order.omsOrderId, r.ref, idempotencyKey(order.channel, order.orderSn, `status:${r.ref}`));
      return;
    }
    if (r.kind === 'stock.reserve' || r.kind === 'stock.release') {
      const reservations = this.deps.reservations;
      const order = (await this.deps.records.get([orderId])).get(orderId);
      if (!order || !reservations) return;
      const ref = `${order.channel}:${order.orderSn}`;
      if (r.kind === 'stock.release') {
        await reservations.release({ ref, reason: r.ref });
        return;
      }
      const lines = (await this.deps.records.lines([orderId])).get(orderId) ?? [];
      await reservations.reserve({ ref, channel: order.channel, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) });
      return;
    }
    if (r.kind === 'channel.ship') {
      const order = (await this.deps.records.get([orderId])).get(orderId);
      if (!order) throw new RejectedError(`order ${orderId} no longer exists`);
      const fulfilment = this.deps.fulfilment(order.system);
      if (!fulfilment) throw new Error(`no connector sends tracking numbers back to ${order.system} (OrderFulfilment)`);
      const shown = await fulfilment.shipOrder({
        channel: order.channel, accountRef: order.accountRef ?? undefined, orderSn: order.orderSn, trackingNumber: r.ref, carrier: order.carrier ?? undefined,
      });
      await this.deps.records.recordOutcome(orderId, 'tracking', shown.trackingNumber);
      return;
    }
    throw new RejectedError(`no sending is defined for outbox messages of kind ${r.kind}`);
  }

  private async settle(r: OutboxRow, done: number[]): Promise<void> {
    const id = Number(r.id);
    try {
      await this.send(r);
      this.unavailable = 0;
      done.push(id);
    } catch (err) {
      const message = (err as Error).message;
      const permanent = err instanceof RejectedError;
      if (!permanent) this.unavailable++;
      const dead = await this.table.failed(id, r.attempts, message, permanent);
      if (!dead) {
        this.deps.logger.warn({ outbox: id, kind: r.kind, orderId: Number(r.order_id), attempt: r.attempts, err: message }, `${r.kind} for order ${r.order_id} failed; retrying later`);
        return;
      }
      this.deps.logger.error({ outbox: id, kind: r.kind, orderId: Number(r.order_id), attempts: r.attempts, err: message }, `${r.kind} for order ${r.order_id} is a dead letter`);
      const order = (await this.deps.records.get([Number(r.order_id)])).get(Number(r.order_id));
      await this.deps.alerts.sendAlert({
        type: 'order_failed', severity: 'critical', message,
        vars: { id: `outbox:${id}`, kind: r.kind, order: order ? `${order.channel} ${order.orderSn}` : String(r.order_id), system: order?.system ?? '-' },
      });
    }
  }
}
