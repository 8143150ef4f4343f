// The inbox: webhooks written as they arrived, before they were acknowledged, and the work done from them
// afterwards. A channel's push only says that an order changed: the order is fetched from its channel (up to the
// source's batch size per call) and recorded; an OMS shipment carries what it says and is recorded as is.
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import { correlated, currentCorrelation } from '../../../platform/log/correlation.js';
import type { InboxMessage } from '../../../platform/webhooks/index.js';
import { RejectedError, type Alerts, type OrderSource, type Shipment } from '../ports.js';
import { MessageTable, type RetryPolicy } from './messages.js';
import type { OrderRecords } from './records.js';

/** Rows one write takes at most (PostgreSQL allows 65,535 parameters; a row has 9). */
const MAX_ROWS_PER_WRITE = 2000;

export interface InboxRow extends Record<string, unknown> {
  id: string | number;
  receiver: string;
  system: string;
  kind: string;
  account_ref: string | null;
  order_ref: string | null;
  payload: Record<string, unknown> | null;
  attempts: number;
  correlation_id: string | null;
}

export interface InboxDeps {
  db: Database;
  records: OrderRecords;
  logger: Logger;
  alerts: Alerts;
  policy: RetryPolicy;
  leaseMs: number;
  /** The connector that gives a system's orders, when it has one. */
  source(system: string): OrderSource | undefined;
  /** Whether tracking numbers can go back to a system's channels. */
  canSendBack(system: string): boolean;
}

export class OrderInbox {
  readonly table: MessageTable;

  constructor(private readonly deps: InboxDeps) {
    this.table = new MessageTable(deps.db, 'order_inbox', deps.policy, deps.leaseMs);
  }

  /**
   * Writes one delivery's messages to the inbox; a message already there (same receiver and key) is left as it is.
   * Resolves once they are durable; returns how many were new. Deliveries arriving together (many senders at once)
   * are written by one statement, one short transaction: each still waits for its own rows to be committed.
   * Each message keeps the delivery's correlation id: its processing runs under it.
   */
  receive(receiver: string, system: string, body: string, messages: InboxMessage[]): Promise<number> {
    if (messages.length === 0) return Promise.resolve(0);
    const correlationId = currentCorrelation()?.id ?? null;
    return new Promise<number>((resolve, reject) => {
      this.waiting.push({ receiver, system, body, messages, correlationId, resolve, reject });
      this.waitingRows += messages.length;
      if (this.waitingRows >= MAX_ROWS_PER_WRITE) void this.write();
      else this.writeSoon ??= setImmediate(() => void this.write());
    });
  }

  private readonly waiting: {
    receiver: string; system: string; body: string; messages: InboxMessage[]; correlationId: string | null; resolve(n: number): void; reject(err: unknown): void;
  }[] = [];
  private waitingRows = 0;
  private writeSoon: NodeJS.Immediate | undefined;

  private async write(): Promise<void> {
    clearImmediate(this.writeSoon);
    this.writeSoon = undefined;
    const batch = this.waiting.splice(0);
    this.waitingRows = 0;
    if (batch.length === 0) return;
    const rows = batch.flatMap((d) => d.messages.map((m) => ({ d, m })));
    try {
      const added = await this.deps.db.em().execute<{ receiver: string; dedup_key: string }[]>(
        `insert into order_inbox (receiver, system, kind, dedup_key, account_ref, order_ref, payload, body, correlation_id, received_at, state, attempts, next_attempt_at)
         values ${rows.map(() => "(?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, now(), 'pending', 0, now())").join(', ')}
         on conflict (receiver, dedup_key) do nothing returning receiver, dedup_key`,
        rows.flatMap(({ d, m }) => [d.receiver, d.system, m.kind, m.dedupKey, m.accountRef ?? null, m.orderRef ?? null, m.payload ? JSON.stringify(m.payload) : null, d.body, d.correlationId]),
      );
      const fresh = new Set(added.map((r) => `${r.receiver}\u0000${r.dedup_key}`));
      // A key twice in one batch is new once: the first delivery carrying it counts it.
      for (const d of batch) {
        let n = 0;
        for (const m of d.messages) if (fresh.delete(`${d.receiver}\u0000${m.dedupKey}`)) n++;
        d.resolve(n);
      }
    } catch (err) {
      for (const d of batch) d.reject(err);
    }
  }

  /** Processes up to `limit` due messages; returns how many it took. */
  async processDue(limit: number): Promise<number> {
    const rows = await this.table.claim<InboxRow>(limit);
    if (rows.length === 0) return 0;
    const orderNews = rows.filter((r) => r.kind === 'order.status' || r.kind === 'order.tracking');
    const shipments = rows.filter((r) => r.kind === 'shipment');
    const unknown = rows.filter((r) => !orderNews.includes(r) && !shipments.includes(r));
    const done: number[] = [];
    await Promise.all([
      ...this.groupBySource(orderNews).map(([key, group]) => this.fetchAndRecord(key, group, done)),
      ...shipments.map((r) => this.settle(r, done, () => this.recordShipment(r))),
      ...unknown.map((r) => this.settle(r, done, async () => { throw new RejectedError(`no processing is defined for inbox messages of kind ${r.kind}`); })),
    ]);
    // One statement for every message that went through (a worker that dies first leaves them to be redone: idempotent).
    await this.table.done(done);
    return rows.length;
  }

  /** Messages received since `since` (any state) go through processing again; processing is idempotent. */
  async replay(opts: { since?: Date; receiver?: string }): Promise<number> {
    const where = ['true'];
    const params: unknown[] = [];
    if (opts.since) where.push('received_at >= ?'), params.push(opts.since);
    if (opts.receiver) where.push('receiver = ?'), params.push(opts.receiver);
    const rows = await this.deps.db.em().execute<unknown[]>(
      `update order_inbox set state = 'pending', attempts = 0, next_attempt_at = now(), last_error = null where ${where.join(' and ')} returning id`,
      params,
    );
    return rows.length;
  }

  private groupBySource(rows: InboxRow[]): [string, InboxRow[]][] {
    const groups = new Map<string, InboxRow[]>();
    for (const r of rows) {
      const key = `${r.system}\u0000${r.account_ref ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return [...groups];
  }

  /** One fetch per batch of order numbers of one account, then each message settled by its own order. */
  private async fetchAndRecord(key: string, rows: InboxRow[], done: number[]): Promise<void> {
    const [system, accountRef] = key.split('\u0000') as [string, string];
    const source = this.deps.source(system);
    if (!source) {
      await Promise.all(rows.map((r) => this.settle(r, done, async () => {
        throw new Error(`no connector gives the orders of system ${system} (OrderSource); configure it in integrations.yaml`);
      })));
      return;
    }
    const sns = [...new Set(rows.map((r) => r.order_ref!))];
    for (let i = 0; i < sns.length; i += source.maxFetch) {
      const chunk = sns.slice(i, i + source.maxFetch);
      const waiting = rows.filter((r) => chunk.includes(r.order_ref!));
      // One call for messages of several deliveries runs under the claim's id, and says whose orders it fetched.
      const ids = [...new Set(waiting.map((r) => r.correlation_id))];
      if (ids.length > 1) this.deps.logger.info({ system, orders: chunk.length, correlationIds: ids.filter(Boolean) }, `fetching ${chunk.length} ${system} orders for ${ids.length} deliveries`);
      let fetched;
      try {
        fetched = await correlated(() => source.fetchOrders(accountRef || undefined, chunk), ids.length === 1 ? (ids[0] ?? undefined) : undefined);
      } catch (err) {
        await Promise.all(waiting.map((r) => this.settle(r, done, async () => { throw err; })));
        continue;
      }
      const bySn = new Map(fetched.map((o) => [o.orderSn, o]));
      // Several messages about one order need one recording; the others ride on its outcome.
      const recorded = new Map<string, Promise<unknown>>();
      await Promise.all(waiting.map((r) => this.settle(r, done, () => {
        const order = bySn.get(r.order_ref!);
        if (!order) return Promise.reject(new Error(`${system} does not (yet) know order ${r.order_ref}`));
        let once = recorded.get(order.orderSn);
        if (!once) recorded.set(order.orderSn, (once = this.deps.records.ingest(order, { order: source.orderMapping, line: source.lineMapping })));
        return once;
      })));
    }
  }

  private async recordShipment(r: InboxRow): Promise<void> {
    const p = r.payload ?? {};
    const shipment: Shipment = {
      omsOrderId: typeof p.omsOrderId === 'string' ? p.omsOrderId : undefined,
      orderSn: typeof p.orderSn === 'string' ? p.orderSn : undefined,
      channel: typeof p.channel === 'string' ? p.channel : undefined,
      trackingNumber: String(p.trackingNumber ?? ''),
      carrier: typeof p.carrier === 'string' ? p.carrier : undefined,
      shippedAt: typeof p.shippedAt === 'string' ? new Date(p.shippedAt) : undefined,
    };
    if (!shipment.trackingNumber) throw new RejectedError('the shipment carries no tracking number');
    const found = await this.deps.records.recordShipment(shipment, this.deps.canSendBack);
    if (!found) throw new Error(`no order matches the shipment (${shipment.omsOrderId ?? ''} ${shipment.orderSn ?? ''})`.trim());
  }

  /**
   * Runs one message's work under its delivery's correlation id (the claim's when it has none): done (its id joins
   * `done`), retried later, or a dead letter with an alert.
   */
  private settle(r: InboxRow, done: number[], work: () => Promise<unknown>): Promise<void> {
    return correlated(() => this.settleNow(r, done, work), r.correlation_id ?? undefined);
  }

  private async settleNow(r: InboxRow, done: number[], work: () => Promise<unknown>): Promise<void> {
    const id = Number(r.id);
    try {
      await work();
      done.push(id);
    } catch (err) {
      const message = (err as Error).message;
      const dead = await this.table.failed(id, r.attempts, message, err instanceof RejectedError);
      if (!dead) {
        this.deps.logger.warn({ inbox: id, kind: r.kind, attempt: r.attempts, err: message }, `inbox message ${id} failed; retrying later`);
        return;
      }
      this.deps.logger.error({ inbox: id, kind: r.kind, attempts: r.attempts, err: message }, `inbox message ${id} is a dead letter`);
      await this.deps.alerts.sendAlert({
        type: 'order_failed', severity: 'critical', message,
        vars: { id: `inbox:${id}`, kind: r.kind, order: r.order_ref ?? '-', system: r.system },
      });
    }
  }
}
