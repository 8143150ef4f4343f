// Writing to the channels: changes go out in batches within each channel's limits, each batch written to the ledger
// as PENDING before the call (after the database has just confirmed the run still holds its lease) and settled
// APPLIED/FAILED after it, with its snapshots and its stockChanged event in the same transaction. Also what a
// channel holds now (read in batches), and the settling of PENDING entries a stopped run left.
import type { Logger } from 'pino';
import type { Database, EntityManager } from '../../../platform/db/index.js';
import type { Emit, EventBus } from '../../../platform/events/index.js';
import { LedgerEntry, type LedgerResult } from '../entities/ledger-entry.js';
import { TOPICS } from '../events.js';
import { LeaseLostError, type HeldLease } from '../run-lock.js';
import type { ChannelLink } from '../sources.js';
import type { StockTarget } from '../ports.js';
import type { ItemFailure, StockChange } from './report.js';

/** Rows per bulk statement: keeps each statement well under PostgreSQL's parameter and size limits. */
const SQL_CHUNK = 2000;

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * A signal aborted with `parent`, for one write batch. Calls compose their timeouts with it (AbortSignal.any) rather
 * than with the lease's long-lived signal: Node walks a signal's whole list of dependants each time one of them is
 * collected, which over a long run or a stream's session grows quadratic.
 */
function batchSignal(parent: AbortSignal): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  return { signal: controller.signal, done: () => parent.removeEventListener('abort', abort) };
}

export interface StockChangedEvent {
  sku: string;
  channel: string;
  before: number | null;
  after: number;
  runId: number | null;
  at: string;
}

export interface LedgerCounts {
  total: number;
  applied: number;
  failed: number;
}

export class Sender {
  constructor(private readonly deps: { db: Database; events: EventBus; logger: Logger }) {}

  /** What the channel holds for these codes (null: no such listing), read at most maxReadBatch at a time. */
  async readChannel(target: StockTarget, codes: readonly string[], onBatch?: (read: number) => Promise<void>): Promise<Map<string, number | null>> {
    const result = new Map<string, number | null>();
    for (const batch of chunk([...new Set(codes)], target.maxReadBatch)) {
      for (const [code, qty] of await target.getStock(batch)) result.set(code, qty);
      await onBatch?.(batch.length);
    }
    return result;
  }

  /**
   * Sends changes batch by batch; `onBatch` hears each batch's size and the items the channel refused, once the
   * batch is settled. Each batch is written to the ledger as PENDING first and settled after the channel answers,
   * so a crash at any point leaves a ledger that says which items may have been sent.
   */
  async send(
    runId: number, { channel, target }: ChannelLink, changes: readonly StockChange[], lease: HeldLease,
    onBatch: (sent: number, failures: ItemFailure[]) => Promise<void>,
  ): Promise<void> {
    for (const batch of chunk(changes, target.maxWriteBatch)) {
      const failures: ItemFailure[] = [];
      // No write goes out unless the database has just confirmed this run still holds the lease.
      await lease.check();
      const ids = await this.insertLedger(runId, batch);
      let results: Map<string, { ok: boolean; error?: string }>;
      const abandon = batchSignal(lease.signal);
      try {
        const answer = await target.setStock(batch.map((c) => ({ code: c.code, quantity: c.after })), { signal: abandon.signal });
        results = new Map(answer.map((r) => [r.code, r]));
      } catch (err) {
        // Abandoned because the lease was lost: whether the channel applied the batch is unknown, so its entries
        // stay PENDING and are settled by reading the channel back.
        if (lease.signal.aborted) throw new LeaseLostError(lease.lost ?? 'the run lease was lost');
        const error = (err as Error).message;
        results = new Map(batch.map((c) => [c.code, { ok: false, error }]));
      } finally {
        abandon.done();
      }
      const settled = batch.map((c, i) => {
        const r = results.get(c.code) ?? { ok: false, error: 'the channel did not answer for this item' };
        if (!r.ok) failures.push({ ...c, error: r.error ?? 'rejected by the channel' });
        return { id: ids[i]!, result: (r.ok ? 'APPLIED' : 'FAILED') as LedgerResult, error: r.ok ? null : (r.error ?? 'rejected') };
      });
      const applied = batch.filter((_c, i) => settled[i]!.result === 'APPLIED');
      await this.settle(runId, channel, settled, applied);
      await onBatch(batch.length, failures);
    }
  }

  /**
   * Sends several channels' changes at once, for the real-time feed where a batch is small and latency counts: one
   * ledger insert (PENDING) before any call, the channels side by side (each channel's write batches in turn, each
   * after the lease is proven again), and one settling (ledger, snapshots, one stockChanged event) once every call
   * answered. A lost lease stops the calls not yet made; what was answered is settled first, the rest stays PENDING
   * for the next holder to settle. Resolves with the items the channels refused.
   */
  async sendTogether(runId: number, work: readonly { link: ChannelLink; changes: readonly StockChange[] }[], lease: HeldLease): Promise<ItemFailure[]> {
    const all = work.flatMap((w) => w.changes);
    if (all.length === 0) return [];
    await lease.check();
    const ids = await this.insertLedger(runId, all);
    const idOf = new Map(all.map((c, i) => [c, ids[i]!]));
    const settled: { id: number; result: LedgerResult; error: string | null }[] = [];
    const applied: StockChange[] = [];
    const failures: ItemFailure[] = [];
    const calls = await Promise.allSettled(
      work.map(async ({ link, changes }) => {
        for (const batch of chunk(changes, link.target.maxWriteBatch)) {
          await lease.check();
          let results: Map<string, { ok: boolean; error?: string }>;
          const abandon = batchSignal(lease.signal);
          try {
            const answer = await link.target.setStock(batch.map((c) => ({ code: c.code, quantity: c.after })), { signal: abandon.signal });
            results = new Map(answer.map((r) => [r.code, r]));
          } catch (err) {
            if (lease.signal.aborted) throw new LeaseLostError(lease.lost ?? 'the lease was lost');
            results = new Map(batch.map((c) => [c.code, { ok: false, error: (err as Error).message }]));
          } finally {
            abandon.done();
          }
          for (const c of batch) {
            const r = results.get(c.code) ?? { ok: false, error: 'the channel did not answer for this item' };
            settled.push({ id: idOf.get(c)!, result: r.ok ? 'APPLIED' : 'FAILED', error: r.ok ? null : (r.error ?? 'rejected') });
            if (r.ok) applied.push(c);
            else failures.push({ ...c, error: r.error ?? 'rejected by the channel' });
          }
        }
      }),
    );
    await this.deps.events.transactional(async (em, emit) => {
      await this.settleLedger(settled, em);
      const byChannel = new Map<string, StockChange[]>();
      for (const c of applied) byChannel.set(c.channel, [...(byChannel.get(c.channel) ?? []), c]);
      for (const [channel, changes] of byChannel) await this.saveSnapshots(channel, changes.map((c) => ({ sku: c.sku, code: c.code, quantity: c.after })), em);
      await publishChanges(runId, applied, emit);
    });
    const stopped = calls.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (stopped) throw stopped.reason;
    return failures;
  }

  /** Settles a run's PENDING entries from what each channel holds now: APPLIED where it shows the target quantity. */
  async settlePending(runId: number, links: readonly ChannelLink[]): Promise<void> {
    const pending = await this.deps.db.em().find(LedgerEntry, { runId, result: 'PENDING' });
    for (const { channel, target } of links) {
      const mine = pending.filter((p) => p.channel === channel);
      if (mine.length === 0) continue;
      let current: Map<string, number | null> | undefined;
      try {
        current = await this.readChannel(target, mine.map((p) => p.code));
      } catch (err) {
        this.deps.logger.warn({ runId, channel, err }, 'cannot read channel to settle interrupted run');
      }
      const settled = mine.map((p) => {
        const now = current?.get(p.code);
        if (current && now === p.after) return { id: p.id, result: 'APPLIED' as LedgerResult, error: null };
        const error = current ? `interrupted before the channel confirmed; it holds ${now ?? 'nothing'}` : 'interrupted; channel state unknown';
        return { id: p.id, result: 'FAILED' as LedgerResult, error };
      });
      const applied = mine
        .filter((_p, i) => settled[i]!.result === 'APPLIED')
        .map((p) => ({ channel, sku: p.sku, code: p.code, before: p.before ?? null, after: p.after }));
      await this.settle(runId, channel, settled, applied);
    }
  }

  async ledgerCounts(runId: number): Promise<LedgerCounts> {
    const [row] = await this.deps.db.em().execute<LedgerCounts[]>(
      `select count(*)::int as total, count(*) filter (where result = 'APPLIED')::int as applied,
              count(*) filter (where result = 'FAILED')::int as failed from sync_ledger where run_id = ?`,
      [runId],
    );
    return row!;
  }

  /** What Tsunagi last read from or wrote to a channel (a source system's name: that source's own figures). */
  async saveSnapshots(channel: string, rows: readonly { sku: string; code: string; quantity: number }[], em?: EntityManager): Promise<void> {
    const conn = em ?? this.deps.db.em();
    for (const part of chunk(rows, SQL_CHUNK)) {
      await conn.execute(
        `insert into stock_snapshot (channel, sku, code, quantity, updated_at)
         select ?, sku, code, quantity, now() from json_to_recordset(?::json) as x(sku text, code text, quantity int)
         on conflict (channel, sku) do update set code = excluded.code, quantity = excluded.quantity, updated_at = excluded.updated_at`,
        [channel, JSON.stringify(part)],
      );
    }
  }

  /** The ledger, the snapshots and the stockChanged event of settled entries commit together (the event outbox). */
  private async settle(
    runId: number, channel: string, settled: readonly { id: number; result: LedgerResult; error: string | null }[], applied: readonly StockChange[],
  ): Promise<void> {
    await this.deps.events.transactional(async (em, emit) => {
      await this.settleLedger(settled, em);
      await this.saveSnapshots(channel, applied.map((c) => ({ sku: c.sku, code: c.code, quantity: c.after })), em);
      await publishChanges(runId, applied, emit);
    });
  }

  private async insertLedger(runId: number, batch: readonly StockChange[]): Promise<number[]> {
    const conn = this.deps.db.em().getConnection();
    const ids: number[] = [];
    for (const part of chunk(batch, SQL_CHUNK)) {
      const rows = await conn.execute<{ id: string }[]>(
        `insert into sync_ledger (run_id, channel, sku, code, before, after, result, at)
         select ?, channel, sku, code, before, after, 'PENDING', now()
         from json_to_recordset(?::json) as x(channel text, sku text, code text, before int, after int)
         returning id`,
        [runId, JSON.stringify(part)],
      );
      ids.push(...rows.map((r) => Number(r.id)));
    }
    return ids;
  }

  private async settleLedger(rows: readonly { id: number; result: LedgerResult; error: string | null }[], em: EntityManager): Promise<void> {
    for (const part of chunk(rows, SQL_CHUNK)) {
      await em.execute(
        `update sync_ledger l set result = x.result, error = x.error, at = now()
         from json_to_recordset(?::json) as x(id bigint, result text, error text) where l.id = x.id`,
        [JSON.stringify(part)],
      );
    }
  }
}

/**
 * A channel's changes on their way out: pushed a page at a time, sent as soon as they fill whole write batches,
 * the rest at flush(). Sending goes on in the background while the run plans its next page, one send at a time per
 * channel: push() waits while the previous send is still going, so at most one page's changes wait here.
 */
export class ChannelOutbox {
  private buffer: StockChange[] = [];
  private sending: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly sender: Sender,
    private readonly runId: number,
    private readonly link: ChannelLink,
    private readonly lease: HeldLease,
    /** Hears each sent batch: how many changes, which failed. */
    private readonly onSent: (sent: number, failures: ItemFailure[]) => Promise<void>,
  ) {}

  /** Queues changes; sends whole batches once the previous send is done. Throws what a previous send threw. */
  async push(changes: readonly StockChange[]): Promise<void> {
    this.buffer.push(...changes);
    const max = this.link.target.maxWriteBatch;
    const whole = this.buffer.length - (this.buffer.length % max);
    if (whole === 0) return;
    await this.idle();
    const batch = this.buffer.splice(0, whole);
    this.sending = this.sender.send(this.runId, this.link, batch, this.lease, this.onSent).catch((error: unknown) => {
      this.failure = { error };
    });
  }

  /** Sends what is left and waits for every send; throws what a send threw. */
  async flush(): Promise<void> {
    await this.idle();
    if (this.buffer.length > 0) await this.sender.send(this.runId, this.link, this.buffer.splice(0), this.lease, this.onSent);
  }

  /** Waits for the send in progress without throwing: a run that stops must not leave one going behind it. */
  async settled(): Promise<void> {
    await this.sending;
  }

  private async idle(): Promise<void> {
    await this.sending;
    if (this.failure) throw this.failure.error;
  }
}

/** One outbox event per sent batch, in the batch's transaction. */
async function publishChanges(runId: number, applied: readonly StockChange[], emit: Emit): Promise<void> {
  if (applied.length === 0) return;
  const at = new Date().toISOString();
  const events: StockChangedEvent[] = applied.map((c) => ({ sku: c.sku, channel: c.channel, before: c.before, after: c.after, runId, at }));
  await emit(TOPICS.stockChanged, events);
}
