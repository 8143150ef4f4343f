// The real-time feed, run by the worker: for each stock source whose system streams its changes, one consumer
// across every process. A consumer holds a lease in the database (renewed, checked before every write); the other
// workers stand by and take over when it expires. Each batch of changes goes through the inventory's real-time
// sync; the stream resumes after the last batch handled, whichever process handled it.
import type { Logger } from 'pino';
import type { AppContext } from '../app/context.js';
import type { Database } from '../platform/db/index.js';
import { newHolder, tryAcquireLease } from '../platform/db/lease.js';
import type { SourceChange, StockStream } from '../subgraphs/inventory/ports.js';
import { HeldLease, LeaseLostError, type LeaseSettings } from '../subgraphs/inventory/run-lock.js';
import type { RealtimeOutcome, RealtimeSync } from '../subgraphs/inventory/services/realtime.js';

/** The lease of a source's stream: one consumer at a time. */
export const streamLeaseName = (source: string) => `stock-stream:${source}`;

export interface StreamConsumerOptions {
  lease: LeaseSettings;
  /** How often a standing-by worker tries to take the stream over. Default: the lease's heartbeat. */
  standbyMs?: number;
  /** Hears each batch once applied (benchmarks time it). */
  onApplied?: (source: string, changes: SourceChange[], outcome: RealtimeOutcome) => void;
}

export interface StreamConsumers {
  /** The sources whose stream this process may consume. */
  sources: string[];
  /** The sources whose stream this process consumes now. */
  active(): string[];
  stop(): Promise<void>;
}

export function startStreamConsumers(ctx: Pick<AppContext, 'db' | 'logger' | 'hub' | 'inventory'>, opts: StreamConsumerOptions): StreamConsumers {
  const streaming = new Set(ctx.hub.implementing('StockStream'));
  const consumers = ctx.inventory.sources.all
    .filter((s) => streaming.has(s.name))
    .map((s) => new StreamConsumer(ctx.db, ctx.logger, ctx.inventory.realtime, s.name, ctx.hub.connector<StockStream>(s.name, 'StockStream'), opts));
  for (const c of consumers) c.start();
  return {
    sources: consumers.map((c) => c.source),
    active: () => consumers.filter((c) => c.consuming).map((c) => c.source),
    stop: async () => void (await Promise.all(consumers.map((c) => c.stop()))),
  };
}

class StreamConsumer {
  consuming = false;
  private readonly halt = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly realtime: RealtimeSync,
    readonly source: string,
    private readonly stream: StockStream,
    private readonly opts: StreamConsumerOptions,
  ) {}

  start(): void {
    this.loop = this.run().catch((err: unknown) => this.logger.error({ err, source: this.source }, 'stream consumer ended'));
  }

  async stop(): Promise<void> {
    this.halt.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.halt.signal.aborted) {
      const lease = await this.acquire();
      if (!lease) return;
      try {
        await this.consume(lease);
      } catch (err) {
        this.logger.error({ err, source: this.source }, `${this.source} stream: consumer stopped; standing by`);
      } finally {
        this.consuming = false;
        await lease.release();
      }
    }
  }

  /** Waits, standing by, until this process holds the stream's lease; null when stopped first. */
  private async acquire(): Promise<HeldLease | null> {
    const { lease } = this.opts;
    while (!this.halt.signal.aborted) {
      const holder = newHolder();
      const sentAt = performance.now();
      try {
        if (await tryAcquireLease(this.db, streamLeaseName(this.source), holder, lease.leaseMs)) {
          return new HeldLease(this.db, streamLeaseName(this.source), holder, lease, sentAt, this.logger);
        }
      } catch (err) {
        this.logger.warn({ err, source: this.source }, `${this.source} stream: could not ask for the lease`);
      }
      await this.pause(this.opts.standbyMs ?? lease.heartbeatMs);
    }
    return null;
  }

  /** Consumes until stopped or the lease is lost (another process then resumes where this one left off). */
  private async consume(lease: HeldLease): Promise<void> {
    const settled = await this.realtime.recover(this.source);
    if (settled) this.logger.warn({ source: this.source, runs: settled }, `${this.source} stream: settled what a stopped consumer left pending`);
    const handle = this.stream.openChanges(async (changes) => {
      // Not handled means not acknowledged: the next holder of the stream gets this batch again.
      if (lease.lost) throw new LeaseLostError(lease.lost);
      const r = await this.realtime.apply(this.source, changes, lease);
      this.opts.onApplied?.(this.source, changes, r);
      if (r.updates > 0 || r.waitedMs > 0) {
        this.logger.debug({ source: this.source, changes: changes.length, skus: r.skus, updates: r.updates, failed: r.failures.length, runId: r.runId, waitedMs: r.waitedMs }, 'real-time batch');
      }
    });
    this.consuming = true;
    this.logger.info({ source: this.source, holder: lease.holder }, `${this.source} stream: consuming`);
    try {
      await handle.start();
      await new Promise<void>((resolve) => {
        if (lease.signal.aborted || this.halt.signal.aborted) return resolve();
        lease.signal.addEventListener('abort', () => resolve(), { once: true });
        this.halt.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await handle.stop();
    }
    if (lease.lost) this.logger.warn({ source: this.source, reason: lease.lost }, `${this.source} stream: lease lost; standing by`);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.halt.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
