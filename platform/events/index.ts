// The one event bus for cross-process events (stock changed, run progress). On a PostgreSQL server it is
// LISTEN/NOTIFY on a dedicated connection, so every process sees every event; on the embedded PGlite, where
// NOTIFY only reaches the same connection, it is an in-process emitter.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import { silentLogger } from '../log/index.js';

export type EventHandler<T = unknown> = (payload: T) => void;

export interface EventBus {
  publish<T>(topic: string, payload: T): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<T>(topic: string, handler: EventHandler<T>): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish<T>(topic: string, payload: T): Promise<void> {
    // Deliver after the publisher's current work, as NOTIFY does after commit.
    queueMicrotask(() => this.emitter.emit(topic, payload));
  }

  async subscribe<T>(topic: string, handler: EventHandler<T>) {
    this.emitter.on(topic, handler as EventHandler);
    return async () => void this.emitter.off(topic, handler as EventHandler);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** NOTIFY payloads must stay under 8000 bytes; larger events are refused rather than cut. */
const MAX_PAYLOAD_BYTES = 7900;
const channelName = (topic: string) => `tsunagi_${topic.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;

export class PostgresEventBus implements EventBus {
  private listener: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly publisher: pg.Pool;
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** LISTEN per channel, kept as a promise so a second subscriber waits for the first one's LISTEN. */
  private readonly listening = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly logger: Logger = silentLogger,
  ) {
    this.publisher = new pg.Pool({ connectionString: url, max: 2 });
    // An idle connection dropped by the server (restart, failover) must not take the process down with it.
    this.publisher.on('error', (err) => this.logger.warn({ err }, 'event publisher connection lost'));
  }

  async publish<T>(topic: string, payload: T): Promise<void> {
    const text = JSON.stringify(payload);
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw new Error(`event ${topic} is ${Buffer.byteLength(text)} bytes; NOTIFY carries at most ${MAX_PAYLOAD_BYTES}`);
    }
    await this.publisher.query('select pg_notify($1, $2)', [channelName(topic), text]);
  }

  async subscribe<T>(topic: string, handler: EventHandler<T>) {
    const channel = channelName(topic);
    this.emitter.on(channel, handler as EventHandler);
    if (!this.listening.has(channel)) {
      this.listening.set(channel, this.connect().then((client) => client.query(`listen ${channel}`)).then(() => undefined));
    }
    try {
      await this.listening.get(channel);
    } catch (err) {
      this.listening.delete(channel);
      this.emitter.off(channel, handler as EventHandler);
      throw err;
    }
    return async () => void this.emitter.off(channel, handler as EventHandler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.emitter.removeAllListeners();
    await this.listener?.end().catch(() => {});
    await this.publisher.end();
  }

  private connect(): Promise<pg.Client> {
    if (this.listener) return Promise.resolve(this.listener);
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (msg) => {
        if (!msg.payload) return;
        try {
          this.emitter.emit(msg.channel, JSON.parse(msg.payload));
        } catch (err) {
          this.logger.warn({ channel: msg.channel, err }, 'unreadable event payload');
        }
      });
      // A lost listener connection reconnects and re-listens, so subscribers do not silently stall.
      client.on('error', (err) => this.logger.warn({ err }, 'event listener connection error'));
      client.on('end', () => {
        this.listener = undefined;
        if (!this.closed) void this.reconnect();
      });
      await client.connect();
      this.listener = client;
      this.connecting = undefined;
      return client;
    })();
    return this.connecting;
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        const client = await this.connect();
        for (const channel of this.listening.keys()) await client.query(`listen ${channel}`);
        this.logger.info({ attempt }, 'event listener reconnected');
        return;
      } catch {
        this.connecting = undefined;
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
      }
    }
  }
}

export function createEventBus(opts: { url: string; embedded: boolean; logger?: Logger }): EventBus {
  return opts.embedded ? new InProcessEventBus() : new PostgresEventBus(opts.url, opts.logger);
}

export const TOPICS = {
  stockChanged: 'stock_changed',
  runProgress: 'run_progress',
} as const;
