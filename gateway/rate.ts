// The gateway's allowances: a token bucket per key (client address, or token subject charged by query cost), and
// counts of open WebSockets per key.
import { TokenBucket } from '../platform/http/token-bucket.js';

/** A token bucket per key: bursts up to a minute's allowance, refilled evenly, so no window edge to game. */
export function rateLimiter(perMinute: number) {
  const buckets = new Map<string, { bucket: TokenBucket; seen: number }>();
  // A bucket idle for a minute is full again, the same as a new one: drop it so the map stays small.
  const sweep = setInterval(() => {
    const idle = Date.now() - 60_000;
    for (const [key, b] of buckets) if (b.seen < idle) buckets.delete(key);
  }, 60_000);
  sweep.unref();
  return {
    /** Charges `amount` (a request: 1; an operation: its cost). 0 when allowed, else the seconds to wait. */
    take(key: string, amount = 1): number {
      let entry = buckets.get(key);
      if (!entry) buckets.set(key, (entry = { bucket: new TokenBucket(perMinute / 60, perMinute), seen: 0 }));
      entry.seen = Date.now();
      const n = Math.min(Math.max(1, amount), perMinute);
      return entry.bucket.take(n) ? 0 : entry.bucket.retryAfterSeconds(n);
    },
    stop: () => clearInterval(sweep),
  };
}

/** Open connections per key, at most `max` each. */
export function connectionCounter(max: number) {
  const open = new Map<string, number>();
  return {
    /** Counts one more for `key`; false (nothing counted) when it has `max` open already. */
    acquire(key: string): boolean {
      const n = open.get(key) ?? 0;
      if (n >= max) return false;
      open.set(key, n + 1);
      return true;
    },
    release(key: string): void {
      const n = (open.get(key) ?? 1) - 1;
      if (n > 0) open.set(key, n);
      else open.delete(key);
    },
  };
}
