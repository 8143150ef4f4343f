// What the inbox and the outbox share: claiming due messages (several workers at once, each message by one), settling
// them (done, retried with backoff, or a dead letter), and the operator's view of dead letters. A claim moves the
// message's next attempt forward by the lease: a worker that dies leaves it to be taken again once that passes.
import type { Database } from '../../../platform/db/index.js';
import { InvalidInputError } from '../../../platform/errors.js';

export interface RetryPolicy {
  maxAttempts: number;
  backoffSeconds: number;
  maxBackoffSeconds: number;
}

export type Table = 'order_inbox' | 'order_outbox';

/** A dead letter as the operator sees it: `inbox:12` or `outbox:7`. */
export interface DeadLetter {
  id: string;
  /** What it was: the inbox message's kind or the outbox call's. */
  kind: string;
  channel: string | null;
  orderSn: string | null;
  attempts: number;
  lastError: string | null;
  /** When it arrived (inbox) or was decided (outbox). */
  createdAt: Date;
}

/** A queue as monitoring reads it. */
export interface QueueStats {
  pending: number;
  dead: number;
  /** Age of the oldest waiting message in seconds; null when none waits. */
  oldestPendingSeconds: number | null;
  /** Attempts after each kept message's first. */
  retries: number;
}

/** The wait before attempt `attempts + 1`: backoffSeconds doubling per attempt, at most maxBackoffSeconds, with jitter. */
export function backoffMs(policy: RetryPolicy, attempts: number): number {
  const base = Math.min(policy.maxBackoffSeconds, policy.backoffSeconds * 2 ** Math.max(0, attempts - 1)) * 1000;
  return Math.round(base * (0.75 + Math.random() / 2));
}

const TABLES: Record<string, Table> = { inbox: 'order_inbox', outbox: 'order_outbox' };

/** `inbox:12` → the table and the id; a clear error naming the id otherwise. */
export function parseMessageId(text: string): { table: Table; id: number } {
  const m = /^(inbox|outbox):(\d{1,15})$/.exec(text.trim());
  if (!m) throw new InvalidInputError('id', `"${text}" is not a dead letter id (inbox:<n> or outbox:<n>, as \`tsunagi orders failed\` lists them)`);
  return { table: TABLES[m[1]!]!, id: Number(m[2]) };
}

export class MessageTable {
  constructor(
    private readonly db: Database,
    readonly table: Table,
    private readonly policy: RetryPolicy,
    private readonly leaseMs: number,
    /** Extra condition on the claimable rows (alias m), e.g. the outbox's per-order order. */
    private readonly claimCondition = '',
  ) {}

  /** Takes up to `limit` due messages for this worker; each comes back with its attempt already counted. */
  async claim<T extends Record<string, unknown>>(limit: number): Promise<T[]> {
    return this.db.em().execute<T[]>(
      `update ${this.table} set attempts = attempts + 1, next_attempt_at = now() + ? * interval '1 millisecond'
       where id in (select m.id from ${this.table} m where m.state = 'pending' and m.next_attempt_at <= now() ${this.claimCondition}
                    order by m.next_attempt_at, m.id limit ? for update skip locked)
       returning *`,
      [this.leaseMs, limit],
    );
  }

  async done(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.em().execute(`update ${this.table} set state = 'done', last_error = null, ${this.doneColumn} = now() where id = any(?::bigint[])`, [`{${ids.join(',')}}`]);
  }

  /** A failed attempt: retried after its backoff, or a dead letter when it was the last or `permanent`. Returns true when dead. */
  async failed(id: number, attempts: number, error: string, permanent: boolean): Promise<boolean> {
    const dead = permanent || attempts >= this.policy.maxAttempts;
    await this.db.em().execute(
      `update ${this.table} set state = ?, last_error = ?, next_attempt_at = now() + ? * interval '1 millisecond' where id = ?`,
      [dead ? 'dead' : 'pending', error.slice(0, 2000), dead ? 0 : backoffMs(this.policy, attempts), id],
    );
    return dead;
  }

  /** Gives a message back without counting the attempt (it could not be tried yet). */
  async later(id: number, ms: number): Promise<void> {
    await this.db.em().execute(
      `update ${this.table} set attempts = greatest(attempts - 1, 0), next_attempt_at = now() + ? * interval '1 millisecond' where id = ?`,
      [ms, id],
    );
  }

  /** Dead letters back in the queue, due now, with a fresh retry budget. Returns how many. */
  async retry(ids: number[] | 'all'): Promise<number> {
    const where = ids === 'all' ? "state = 'dead'" : `state = 'dead' and id in (${ids.map(() => '?').join(', ') || 'null'})`;
    const rows = await this.db.em().execute<unknown[]>(
      `update ${this.table} set state = 'pending', attempts = 0, next_attempt_at = now() where ${where} returning id`,
      ids === 'all' ? [] : ids,
    );
    return rows.length;
  }

  /** How many messages are waiting (due or not), and how many are dead. */
  async counts(): Promise<{ pending: number; dead: number }> {
    const rows = await this.db.em().execute<{ state: string; n: string }[]>(
      `select state, count(*) as n from ${this.table} where state <> 'done' group by state`,
    );
    const n = (s: string) => Number(rows.find((r) => r.state === s)?.n ?? 0);
    return { pending: n('pending'), dead: n('dead') };
  }

  /**
   * The queue for monitoring: messages waiting and dead, how old the oldest waiting one is (seconds; null when none
   * waits), and the retries spent by the messages kept (each attempt after a message's first).
   */
  async stats(): Promise<QueueStats> {
    const created = this.table === 'order_inbox' ? 'received_at' : 'created_at';
    const [r] = await this.db.em().execute<{ pending: string; dead: string; oldest: number | null; retries: string }[]>(
      `select count(*) filter (where state = 'pending') as pending, count(*) filter (where state = 'dead') as dead,
              extract(epoch from now() - min(${created}) filter (where state = 'pending'))::float8 as oldest,
              coalesce(sum(greatest(attempts - 1, 0)), 0) as retries
         from ${this.table}`,
    );
    return { pending: Number(r!.pending), dead: Number(r!.dead), oldestPendingSeconds: r!.oldest === null ? null : Number(r!.oldest), retries: Number(r!.retries) };
  }

  /** Processed messages older than `cutoff` (retention). Returns how many (or would). */
  async deleteDoneBefore(cutoff: Date, dryRun: boolean): Promise<number> {
    const column = this.table === 'order_inbox' ? 'received_at' : 'created_at';
    const where = `state = 'done' and ${column} < ?`;
    if (dryRun) {
      const [r] = await this.db.em().execute<{ n: string }[]>(`select count(*) as n from ${this.table} where ${where}`, [cutoff]);
      return Number(r!.n);
    }
    return (await this.db.em().execute<unknown[]>(`delete from ${this.table} where ${where} returning id`, [cutoff])).length;
  }

  private get doneColumn() {
    return this.table === 'order_inbox' ? 'processed_at' : 'done_at';
  }
}
