// The one event bus, durable and shared by every process: an event is a row in the outbox table
// (event_outbox), written in the same transaction as the change it announces, so it exists exactly when the
// change does. Each process that has subscribers reads the table in id order and hands every row to them.
//
// Wake-up: on a PostgreSQL server the writing transaction NOTIFYs and readers LISTEN (with a slow poll as a
// safety net for a listener that is reconnecting); on the embedded PGlite, where a NOTIFY reaches only the
// connection that sent it, readers poll. Ids are resume points: a subscriber passes the last id it saw.
//
// Writers take a transaction-scoped advisory lock before appending, so ids become visible in commit order and a
// reader that has seen id n has seen every event below n (a reader never skips a row that commits later).
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database, EntityManager } from '../db/index.js';
import { silentLogger } from '../log/index.js';
import { OutboxEvent } from './entities/outbox-event.js';

export interface EventMeta {
  /** The event's id in the outbox: increasing, the point to resume after. */
  id: number;
  at: Date;
}

export type EventHandler<T = unknown> = (payload: T, meta: EventMeta) => void;

/** Appends an event to the outbox inside the running transaction. */
export type Emit = <T>(topic: string, payload: T) => Promise<number>;

export interface SubscribeOptions {
  /** Deliver the events after this id first (those still in the outbox), then the live ones. Default: from now. */
  after?: number;
}

export interface EventBus {
  /** Publishes one event in a transaction of its own. Returns its id. */
  publish<T>(topic: string, payload: T): Promise<number>;
  /**
   * Runs `work` in one database transaction; the events it emits are written in that transaction and delivered
   * once it commits (never if it rolls back). Emit last: from the first emit to commit, other writers wait.
   */
  transactional<R>(work: (em: EntityManager, emit: Emit) => Promise<R>): Promise<R>;
  /** Returns the unsubscribe function. Resolves once the subscriber is live (and any replay delivered). */
  subscribe<T>(topic: string, handler: EventHandler<T>, opts?: SubscribeOptions): Promise<() => Promise<void>>;
  /** Deletes events older than the cutoff (retention). Returns how many. */
  prune(olderThan: Date): Promise<number>;
  /** How many events prune(olderThan) would delete (`cleanup --dry-run`). */
  countOlderThan(olderThan: Date): Promise<number>;
  close(): Promise<void>;
}

export interface OutboxBusOptions {
  db: Database;
  /** A PostgreSQL server to LISTEN on; unset (embedded PGlite): poll only. */
  listenUrl?: string;
  /** Poll interval while there are subscribers: the wake-up on PGlite, the safety net on a server. */
  pollMs?: number;
  logger?: Logger;
}

const CHANNEL = 'tsunagi_events';
/** Two-int advisory key (a key space apart from the single-bigint keys used elsewhere): "tSev", 1. */
const APPEND_LOCK = [0x7453_6576, 1] as const;
const PAGE = 500;

interface Subscriber {
  topic: string;
  handler: EventHandler;
  /** Rows up to this id are not for this subscriber. */
  after: number;
}

interface Row {
  id: string | number;
  topic: string;
  payload: unknown;
  created_at: Date | string;
}

export class OutboxEventBus implements EventBus {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly subscribers = new Set<Subscriber>();
  /** Highest id handed to subscribers; undefined until the reader starts. */
  private cursor: number | undefined;
  /** Reads, replays and (un)subscriptions run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private pumpQueued = false;
  private poll: NodeJS.Timeout | undefined;
  private listener: pg.Client | undefined;
  private started = false;
  private closed = false;

  constructor(private readonly opts: OutboxBusOptions) {
    this.db = opts.db;
    this.logger = opts.logger ?? silentLogger;
    this.pollMs = opts.pollMs ?? (opts.listenUrl ? 2000 : 100);
  }

  async publish<T>(topic: string, payload: T): Promise<number> {
    return this.transactional((_em, emit) => emit(topic, payload));
  }

  async transactional<R>(work: (em: EntityManager, emit: Emit) => Promise<R>): Promise<R> {
    let emitted = false;
    const result = await this.db.em().transactional(async (em) => {
      let locked = false;
      const emit: Emit = async (topic, payload) => {
        if (!locked) {
          await em.execute('select pg_advisory_xact_lock(?, ?)', [...APPEND_LOCK]);
          locked = true;
        }
        const [row] = await em.execute<{ id: string }[]>(
          'insert into event_outbox (topic, payload, created_at) values (?, ?::jsonb, now()) returning id',
          [topic, JSON.stringify(payload)],
        );
        emitted = true;
        return Number(row!.id);
      };
      const value = await work(em, emit);
      // Delivered with the commit, to every listening process (this one included).
      if (locked && this.opts.listenUrl) await em.execute('select pg_notify(?, ?)', [CHANNEL, '']);
      return value;
    });
    if (emitted) this.wake();
    return result;
  }

  async subscribe<T>(topic: string, handler: EventHandler<T>, opts: SubscribeOptions = {}): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('the event bus is closed');
    this.start();
    const sub: Subscriber = { topic, handler: handler as EventHandler, after: 0 };
    await this.serial(async () => {
      sub.after = opts.after ?? this.cursor!;
      // A resume point behind the reader: replay what this subscriber missed, then it joins the live stream.
      for (let from = sub.after; from < this.cursor!; ) {
        const rows = await this.read(from, this.cursor!, topic);
        for (const row of rows) this.deliver(sub, row);
        if (rows.length < PAGE) break;
        from = Number(rows.at(-1)!.id);
      }
      this.subscribers.add(sub);
    });
    return async () => void this.subscribers.delete(sub);
  }

  async prune(olderThan: Date): Promise<number> {
    return this.db.em().nativeDelete(OutboxEvent, { createdAt: { $lt: olderThan } });
  }

  async countOlderThan(olderThan: Date): Promise<number> {
    return this.db.em().count(OutboxEvent, { createdAt: { $lt: olderThan } });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    this.subscribers.clear();
    await this.listener?.end().catch(() => {});
    await this.chain;
  }

  /** Starts reading on the first subscription: processes without subscribers (the CLI) never poll. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    void this.serial(async () => {
      const [row] = await this.db.em().execute<{ id: string | null }[]>('select max(id) as id from event_outbox');
      this.cursor = Number(row?.id ?? 0);
    }).catch(() => {});
    this.poll = setInterval(() => this.wake(), this.pollMs);
    this.poll.unref();
    if (this.opts.listenUrl) void this.listen(this.opts.listenUrl);
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task);
    this.chain = run.catch((err) => this.logger.warn({ err }, 'event outbox read failed'));
    return run;
  }

  /** Queues one read of new rows (at most one waits behind the running one). */
  private wake(): void {
    if (!this.started || this.closed || this.pumpQueued) return;
    this.pumpQueued = true;
    void this.serial(async () => {
      this.pumpQueued = false;
      for (;;) {
        const rows = await this.read(this.cursor!);
        for (const row of rows) {
          const id = Number(row.id);
          for (const sub of this.subscribers) if (sub.topic === row.topic) this.deliver(sub, row);
          this.cursor = id;
        }
        if (rows.length < PAGE) return;
      }
    }).catch(() => {});
  }

  private read(after: number, upTo?: number, topic?: string): Promise<Row[]> {
    const where = ['id > ?'];
    const params: unknown[] = [after];
    if (upTo !== undefined) where.push('id <= ?'), params.push(upTo);
    if (topic !== undefined) where.push('topic = ?'), params.push(topic);
    return this.db.em().execute<Row[]>(
      `select id, topic, payload, created_at from event_outbox where ${where.join(' and ')} order by id limit ${PAGE}`,
      params,
    );
  }

  private deliver(sub: Subscriber, row: Row): void {
    const id = Number(row.id);
    if (id <= sub.after) return;
    try {
      sub.handler(row.payload, { id, at: new Date(row.created_at) });
    } catch (err) {
      this.logger.warn({ err, topic: row.topic, id }, 'event subscriber failed');
    }
  }

  /** LISTEN on a dedicated connection; a lost connection reconnects and reads what it may have missed. */
  private async listen(url: string): Promise<void> {
    for (let attempt = 1, lost = false; !this.closed; attempt++) {
      const client = new pg.Client({ connectionString: url });
      client.on('notification', () => this.wake());
      client.on('error', (err) => this.logger.warn({ err }, 'event listener connection error'));
      try {
        await client.connect();
        await client.query(`listen ${CHANNEL}`);
      } catch {
        await client.end().catch(() => {});
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
        continue;
      }
      if (this.closed) return void (await client.end().catch(() => {}));
      this.listener = client;
      if (lost) this.logger.info('event listener reconnected');
      this.wake();
      await new Promise<void>((resolve) => client.once('end', () => resolve()));
      this.listener = undefined;
      lost = true;
      attempt = 0;
    }
  }
}

/**
 * Where one delivered item stands in the stream, for GraphQL `eventId` / `after:` resume points: an outbox event
 * may carry several items (a batch of changes), so the cursor is "<outbox id>:<index in the event>".
 */
export interface EventCursor {
  id: number;
  index: number;
}

export const formatEventCursor = (c: EventCursor) => `${c.id}:${c.index}`;

export function parseEventCursor(text: string): EventCursor | undefined {
  const m = /^(\d{1,15}):(\d{1,6})$/.exec(text);
  return m ? { id: Number(m[1]), index: Number(m[2]) } : undefined;
}

/** True when cursor `a` comes after `b` in the stream. */
export const isAfter = (a: EventCursor, b: EventCursor) => a.id > b.id || (a.id === b.id && a.index > b.index);

export function createEventBus(opts: { db: Database; logger?: Logger; pollMs?: number }): EventBus {
  return new OutboxEventBus({ db: opts.db, listenUrl: opts.db.embedded ? undefined : opts.db.url, logger: opts.logger, pollMs: opts.pollMs });
}
