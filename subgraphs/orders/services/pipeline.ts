// The loops that work the inbox and the outbox: each takes due messages, handles them, and goes again at once
// while there is work, else waits for a wake-up (a webhook received in this process, a decision made here) or
// the poll interval (messages written by other processes, retries falling due). Several workers may run them;
// claims keep each message with one of them.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { correlated } from '../../../platform/log/correlation.js';
import type { OrderInbox } from './inbox.js';
import type { OrderOutbox } from './outbox.js';

export interface PipelineOptions {
  concurrency: number;
  /** How often an idle loop looks for due messages. */
  pollMs?: number;
}

class Loop {
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly turn: () => Promise<{ taken: number; pauseMs: number }>,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let wait = this.pollMs;
      try {
        const { taken, pauseMs } = await this.turn();
        failures = 0;
        wait = pauseMs > 0 ? pauseMs : taken > 0 ? 0 : this.pollMs;
      } catch (err) {
        // The database itself failing (a restart): wait longer each time, never spin.
        failures++;
        wait = Math.min(30_000, this.pollMs * 2 ** failures);
        this.logger.warn({ err, loop: this.name }, `order ${this.name} loop failed; trying again in ${wait} ms`);
      }
      if (wait > 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }
}

export class OrderPipeline {
  private readonly loops: Loop[];
  private started = false;

  constructor(
    private readonly inbox: OrderInbox,
    private readonly outbox: OrderOutbox,
    private readonly opts: PipelineOptions,
    logger: Logger,
  ) {
    const pollMs = opts.pollMs ?? 250;
    // After calls failed for want of the other side, the next claim waits (outbox.pauseMs grows while they do).
    // Each claim is one unit of work in the log: its lines and calls share a correlation id.
    const outboxLoop = new Loop('outbox', async () => ({ taken: await correlated(() => outbox.sendDue(opts.concurrency), randomUUID()), pauseMs: outbox.pauseMs }), pollMs, logger);
    const inboxLoop = new Loop('inbox', async () => {
      const taken = await correlated(() => inbox.processDue(opts.concurrency * 4), randomUUID());
      // Recorded orders have decided their calls out: the outbox need not wait for its poll.
      if (taken > 0) outboxLoop.wake();
      return { taken, pauseMs: 0 };
    }, pollMs, logger);
    this.loops = [inboxLoop, outboxLoop];
  }

  get isRunning(): boolean {
    return this.started;
  }

  start(): void {
    this.started = true;
    for (const loop of this.loops) loop.start();
  }

  /** Something new to do in this process: the loops look at once instead of at their next poll. */
  wake(): void {
    for (const loop of this.loops) loop.wake();
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
  }

  /** One pass of each, in order (tests and one-off commands): the inbox, then the outbox. Returns what was taken. */
  async runOnce(): Promise<{ inbox: number; outbox: number }> {
    const inbox = await this.inbox.processDue(this.opts.concurrency * 4);
    const outbox = await this.outbox.sendDue(this.opts.concurrency);
    return { inbox, outbox };
  }
}
