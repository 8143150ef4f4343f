// A token bucket (rate per second, burst size): how marketplaces limit calls, so both our clients (waiting
// for a token) and our simulators (answering 429 without one) use it.
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes `n` tokens if available; false means the caller should wait (or, as a server, answer 429). */
  take(n = 1): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Waits until a token is available and takes it. */
  async acquire(): Promise<void> {
    while (!this.take()) {
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000))));
    }
  }

  /** Seconds until `n` tokens are available: the Retry-After a polite server sends. */
  retryAfterSeconds(n = 1): number {
    return Math.max(1, Math.ceil((n - this.tokens) / this.perSecond));
  }
}
