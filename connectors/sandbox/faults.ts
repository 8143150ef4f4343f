// Fault injection for simulators: tests and `tsunagi sandbox` make a simulator fail the way production can.
import type { SimRequest, SimResponse } from './server.js';

export interface Fault {
  /** Matches when the request path contains this text. */
  path: string;
  /** Let this many matching requests through first. */
  after?: number;
  /** Fail this many matching requests (default: all following). */
  times?: number;
  /** The response to send instead; simulators pass their own error shape. */
  response: SimResponse;
}

/** A slow endpoint: matching requests are held this long, then handled as usual. */
export interface Delay {
  /** Matches when the request path contains this text. */
  path: string;
  ms: number;
}

export class FaultPlan {
  private faults: (Fault & { seen: number; failed: number })[] = [];
  private delays: Delay[] = [];

  add(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, failed: 0 });
  }

  slow(delay: Delay): void {
    this.delays.push(delay);
  }

  clear(): void {
    this.faults = [];
    this.delays = [];
  }

  /** Holds a request as long as the matching delays say (a marketplace answering slowly). */
  async wait(req: SimRequest): Promise<void> {
    const ms = this.delays.filter((d) => req.path.includes(d.path)).reduce((sum, d) => sum + d.ms, 0);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  /** The injected response for this request, if a fault applies. */
  match(req: SimRequest): SimResponse | undefined {
    for (const f of this.faults) {
      if (!req.path.includes(f.path)) continue;
      f.seen++;
      if (f.seen <= (f.after ?? 0)) continue;
      if (f.times !== undefined && f.failed >= f.times) continue;
      f.failed++;
      return f.response;
    }
    return undefined;
  }
}

/** Resolves with the first `count` items of a simulator's record once they are there; rejects after `timeoutMs`. */
export async function waitForCount<T>(items: T[], count: number, what: string, timeoutMs = 10_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (items.length < count) {
    if (Date.now() > deadline) throw new Error(`${what}: ${items.length} of ${count} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return items.slice(0, count);
}
