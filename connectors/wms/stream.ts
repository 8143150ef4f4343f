// The WMS's WebSocket stream of stock changes, consumed in sequence order. The last sequence number handed to the
// consumer and acknowledged is kept in the database, and every connection resumes after it (the WMS replays what
// it still holds). A sequence number that skips ahead, or a WMS that cannot replay far enough, is a gap: the
// changes since the last processed frame are read over REST before the stream goes on. Reconnects back off with
// jitter; a ping that gets no pong drops a dead peer. The stream's state is reported to the database for health
// and /metrics, whichever process asks.
import WebSocket from 'ws';
import type { CallOutcome } from '../../platform/http/index.js';
import type { IntegrationState } from '../../platform/integrations/state.js';
import type { Logger } from '../../platform/log/index.js';
import type { Mapping } from '../../platform/transform/index.js';
import { API_KEY_HEADER, instant, mapStock, type WmsStockRecord } from './client.js';

export const STREAM_STATE_KEY = 'stream.state';
export const STREAM_POSITION_KEY = 'stream.position';

/** A change as the consumer gets it: a stream frame (with its seq) or a record read over REST to fill a gap. */
export type StockChange = WmsStockRecord & { seq?: number };

export type ChangeHandler = (changes: StockChange[], origin: 'stream' | 'catch-up') => Promise<void>;

export interface StreamTiming {
  /** Ping interval; a pong missing for as long again drops the connection. */
  pingMs: number;
  /** First reconnect wait, doubled per failed attempt up to backoffMaxMs, each with jitter (half to all of it). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Frames held while the consumer is busy; past this the connection is dropped and later resumed. */
  maxQueued: number;
  /** How often the state is written for health and /metrics while the stream runs. */
  reportMs: number;
}

const DEFAULT_TIMING: StreamTiming = { pingMs: 15_000, backoffBaseMs: 500, backoffMaxMs: 30_000, maxQueued: 50_000, reportMs: 5_000 };
/**
 * Frames handed on at most in one batch: a backlog (a replay after a takeover) is applied and its position saved
 * a batch at a time, so a process that dies during it leaves little to redo and progress shows as it goes.
 */
const MAX_BATCH = 500;

/** The stream's state as health and /metrics read it. */
export interface StreamReport {
  connected: boolean;
  lastSeq: number | null;
  /** The WMS time of the last change handed on. */
  lastTs: string | null;
  /** From that change's WMS time to the consumer having processed it. */
  lagMs: number | null;
  reconnects: number;
  gaps: number;
  lastError: string | null;
  /** How long the stream had been down when reported; null while connected. */
  disconnectedMs: number | null;
  reportedAt: string;
  pid: number;
}

interface Position {
  seq: number | null;
  ts: string | null;
}

interface Frame {
  seq: number;
  raw: Record<string, unknown>;
}

/** Read the changes since the last processed frame over REST; `covers` = the seq the read makes good up to. */
interface CatchUp {
  catchUp: true;
  covers: number | null;
}

export interface WmsStreamOptions {
  system: string;
  url: string;
  apiKey: string;
  frames: Mapping;
  state: IntegrationState;
  catchUp: (since: string | null) => AsyncIterable<WmsStockRecord[]>;
  overlapSeconds: number;
  timing: Partial<StreamTiming>;
  handler: ChangeHandler;
  logger: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}


export class WmsStream {
  private readonly timing: StreamTiming;
  private ws: WebSocket | undefined;
  private readonly queue: (Frame | CatchUp)[] = [];
  private position: Position = { seq: null, ts: null };
  /** The highest seq queued or processed: where a new connection resumes. */
  private received: number | null = null;
  /** Per SKU, the WMS time of a record read over REST: older frames for it are stale and skipped. */
  private readonly versions = new Map<string, number>();
  private pumping: Promise<void> | undefined;
  private stopped = true;
  /** Aborted by stop(): ends the waits between retries at once. */
  private halt = new AbortController();
  private attempts = 0;
  private timers: { reconnect?: NodeJS.Timeout; ping?: NodeJS.Timeout; pong?: NodeJS.Timeout; report?: NodeJS.Timeout } = {};
  private readonly stats = { connected: false, lagMs: null as number | null, reconnects: 0, gaps: 0, lastError: null as string | null, downSince: Date.now() };
  private readonly stopCallbacks: (() => void)[] = [];

  constructor(private readonly opts: WmsStreamOptions) {
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
  }

  /** Loads the position kept in the database and connects. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.position = (await this.opts.state.get<Position>(STREAM_POSITION_KEY)) ?? { seq: null, ts: null };
    this.received = this.position.seq;
    this.stopped = false;
    this.halt = new AbortController();
    this.timers.report = setInterval(() => void this.report(), this.timing.reportMs);
    this.timers.report.unref();
    this.connect();
  }

  /** Disconnects; the batch being processed finishes and its position is kept. Queued frames are resumed later. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.halt.abort();
    for (const t of Object.values(this.timers)) clearTimeout(t);
    this.timers = {};
    this.ws?.terminate();
    this.ws = undefined;
    this.queue.length = 0;
    await this.pumping;
    this.stats.connected = false;
    await this.report();
    for (const fn of this.stopCallbacks.splice(0)) fn();
  }

  onStop(fn: () => void): void {
    this.stopCallbacks.push(fn);
  }

  status(): StreamReport {
    return {
      connected: this.stats.connected,
      lastSeq: this.position.seq,
      lastTs: this.position.ts,
      lagMs: this.stats.lagMs,
      reconnects: this.stats.reconnects,
      gaps: this.stats.gaps,
      lastError: this.stats.lastError,
      disconnectedMs: this.stats.connected ? null : Date.now() - this.stats.downSince,
      reportedAt: new Date().toISOString(),
      pid: process.pid,
    };
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(this.opts.url);
    if (this.received !== null) url.searchParams.set('since_seq', String(this.received));
    const started = Date.now();
    const ws = new WebSocket(url, { headers: { [API_KEY_HEADER]: this.opts.apiKey }, handshakeTimeout: 10_000 });
    this.ws = ws;
    const outcome = (status: number | null, ok: boolean, error?: string) =>
      this.opts.onOutcome?.({
        system: this.opts.system, operation: 'stream', method: 'WS', url: `${url.origin}${url.pathname}`, status, ok, attempts: 1,
        durationMs: Date.now() - started, error, at: new Date(),
      });
    ws.on('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 200);
        const hint = res.statusCode === 401 || res.statusCode === 403 ? ': check auth.key of the wms block (WMS_API_KEY)' : '';
        this.stats.lastError = `stream refused: HTTP ${res.statusCode}: ${body}${hint}`;
        outcome(res.statusCode ?? null, false, this.stats.lastError);
        req.destroy();
        this.closed(ws);
      });
    });
    ws.on('open', () => {
      outcome(101, true);
      this.stats.connected = true;
      this.stats.lastError = null;
      this.timers.ping = setInterval(() => this.ping(ws), this.timing.pingMs);
      void this.report();
    });
    ws.on('message', (data) => this.frame(data.toString()));
    ws.on('pong', () => clearTimeout(this.timers.pong));
    ws.on('error', (err) => {
      this.stats.lastError = err.message;
      if (ws.readyState !== WebSocket.OPEN) outcome(null, false, err.message);
    });
    ws.on('close', () => this.closed(ws));
  }

  private ping(ws: WebSocket): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.ping();
    clearTimeout(this.timers.pong);
    this.timers.pong = setTimeout(() => {
      this.stats.lastError = `no pong within ${this.timing.pingMs} ms: dropping the connection`;
      this.opts.logger.warn({ system: this.opts.system }, `${this.opts.system} stream: ${this.stats.lastError}`);
      ws.terminate();
    }, this.timing.pingMs);
  }

  private closed(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.pong);
    if (this.stats.connected) this.stats.downSince = Date.now();
    this.stats.connected = false;
    if (this.stopped) return;
    void this.report();
    const wait = Math.min(this.timing.backoffMaxMs, this.timing.backoffBaseMs * 2 ** this.attempts);
    this.attempts++;
    this.stats.reconnects++;
    this.timers.reconnect = setTimeout(() => this.connect(), Math.round(wait / 2 + (Math.random() * wait) / 2));
  }

  private frame(text: string): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.opts.logger.warn({ system: this.opts.system, frame: text.slice(0, 200) }, 'stream frame is not JSON: ignored');
      return;
    }
    if (frame.type === 'hello') return this.hello(frame);
    if (frame.type !== 'stock.changed') return;
    const seq = frame.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
      this.opts.logger.warn({ system: this.opts.system, frame: text.slice(0, 200) }, 'stream frame without a valid seq: ignored');
      return;
    }
    if (this.received !== null && seq <= this.received) return;
    if (this.queue.length >= this.timing.maxQueued) {
      // The consumer is far behind: stop taking frames; the next connection resumes after the last processed one.
      this.stats.lastError = `consumer behind by ${this.queue.length} frames: dropping the connection to resume later`;
      this.queue.length = 0;
      this.received = this.position.seq;
      this.ws?.terminate();
      return;
    }
    this.received = seq;
    this.queue.push({ seq, raw: frame });
    this.kick();
  }

  /** The WMS's greeting: how far it is, and whether it could replay from where this stream resumes. */
  private hello(frame: Record<string, unknown>): void {
    this.attempts = 0;
    const latest = typeof frame.latest_seq === 'number' && Number.isSafeInteger(frame.latest_seq) ? frame.latest_seq : null;
    if (latest !== null && this.received !== null && latest < this.received) {
      // The WMS numbers from scratch again (restored, replaced): nothing queued can be placed; read what changed.
      this.opts.logger.warn({ system: this.opts.system, latest, received: this.received }, `${this.opts.system} stream: the WMS's seq went back: catching up over REST`);
      this.queue.length = 0;
      this.position = { ...this.position, seq: latest };
      this.received = latest;
      this.queue.push({ catchUp: true, covers: latest });
      this.kick();
      return;
    }
    // Never consumed: the current stock is read whole first. Not replayable: what was missed is read over REST.
    if (this.position.seq === null && this.received === null) this.queue.push({ catchUp: true, covers: latest });
    else if (frame.resumed === false && latest !== null && latest > (this.received ?? 0)) this.queue.push({ catchUp: true, covers: latest });
    else return;
    if (latest !== null) this.received = Math.max(this.received ?? 0, latest);
    this.kick();
  }

  private kick(): void {
    this.pumping ??= this.pump()
      .catch((err: unknown) => {
        this.stats.lastError = `stream consumer loop failed: ${(err as Error).message}`;
        this.opts.logger.error({ err, system: this.opts.system }, this.stats.lastError);
      })
      .finally(() => (this.pumping = undefined));
  }

  /** Waits `ms`, or less when the stream stops. */
  private pause(ms: number): Promise<void> {
    const signal = this.halt.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const head = this.queue[0]!;
      if ('catchUp' in head) {
        this.queue.shift();
        await this.catchUp(head.covers);
        continue;
      }
      const last = this.position.seq;
      if (last !== null && head.seq > last + 1) {
        this.stats.gaps++;
        this.opts.logger.warn({ system: this.opts.system, after: last, next: head.seq }, `${this.opts.system} stream: seq ${last + 1}..${head.seq - 1} missing: catching up over REST`);
        await this.catchUp(head.seq - 1);
        continue;
      }
      // A run of consecutive frames, taken together: the consumer coalesces what arrived while it was busy.
      const batch: Frame[] = [];
      while (this.queue.length > 0 && batch.length < MAX_BATCH && !('catchUp' in this.queue[0]!)) {
        const next = this.queue[0] as Frame;
        const prev = batch.length > 0 ? batch[batch.length - 1]!.seq : this.position.seq;
        if (prev !== null && next.seq !== prev + 1) break;
        batch.push(this.queue.shift() as Frame);
      }
      await this.deliver(batch);
    }
  }

  private async deliver(batch: Frame[]): Promise<void> {
    const changes: StockChange[] = [];
    let bad = false;
    for (const { seq, raw } of batch) {
      const { stock, problems } = mapStock(this.opts.frames, raw);
      const ts = instant(raw.ts);
      if (!stock || !ts || problems.length > 0) {
        bad = true;
        this.opts.logger.error({ system: this.opts.system, seq, problems: ts ? problems : [...problems, 'ts: not an RFC 3339 date-time'] }, 'stream frame broke the contract: its change is read over REST');
        continue;
      }
      const version = this.versions.get(stock.sku);
      if (version !== undefined) {
        if (Date.parse(ts) < version) continue;
        this.versions.delete(stock.sku);
      }
      changes.push({ ...stock, updatedAt: ts, seq });
    }
    if (changes.length > 0 && !(await this.hand(changes, 'stream'))) return;
    const last = batch[batch.length - 1]!;
    const ts = instant(last.raw.ts);
    this.position = { seq: last.seq, ts: ts ?? this.position.ts };
    if (ts) this.stats.lagMs = Math.max(0, Date.now() - Date.parse(ts));
    await this.savePosition();
    if (bad) await this.catchUp(null);
  }

  /** Hands the changes on, retrying with backoff while the consumer fails; false when stopped first. */
  private async hand(changes: StockChange[], origin: 'stream' | 'catch-up'): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.handler(changes, origin);
        return true;
      } catch (err) {
        if (this.stopped) return false;
        this.stats.lastError = `consumer failed: ${(err as Error).message}`;
        this.opts.logger.error({ err, system: this.opts.system, origin }, `${this.opts.system} stream: the consumer failed; retrying`);
        await this.pause(Math.min(this.timing.backoffMaxMs, this.timing.backoffBaseMs * 2 ** attempt));
      }
    }
  }

  /** Reads what changed since the last processed change (less the overlap) over REST and hands it on. */
  private async catchUp(covers: number | null): Promise<void> {
    const since = this.position.ts ? new Date(Date.parse(this.position.ts) - this.opts.overlapSeconds * 1000).toISOString() : null;
    let newest = this.position.ts;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        for await (const page of this.opts.catchUp(since)) {
          for (const r of page) {
            this.versions.set(r.sku, Date.parse(r.updatedAt));
            if (!newest || r.updatedAt > newest) newest = r.updatedAt;
          }
          if (page.length > 0 && !(await this.hand(page, 'catch-up'))) return;
        }
        break;
      } catch (err) {
        this.stats.lastError = `catch-up over REST failed: ${(err as Error).message}`;
        this.opts.logger.error({ err, system: this.opts.system }, `${this.opts.system} stream: ${this.stats.lastError}; retrying`);
        await this.pause(Math.min(this.timing.backoffMaxMs, this.timing.backoffBaseMs * 2 ** attempt));
      }
    }
    if (this.stopped) return;
    const seq = covers === null ? this.position.seq : Math.max(this.position.seq ?? 0, covers);
    this.position = { seq, ts: newest };
    await this.savePosition();
  }

  /** A position that could not be written stays in memory and goes with the next save; at worst a restart replays. */
  private async savePosition(): Promise<void> {
    await this.opts.state.put(STREAM_POSITION_KEY, this.position).catch((err: unknown) => {
      this.stats.lastError = `could not record the stream position: ${(err as Error).message}`;
      this.opts.logger.error({ err, system: this.opts.system }, this.stats.lastError);
    });
  }

  private async report(): Promise<void> {
    await this.opts.state.put(STREAM_STATE_KEY, this.status()).catch((err: unknown) =>
      this.opts.logger.warn({ err, system: this.opts.system }, 'could not record the stream state'),
    );
  }
}
