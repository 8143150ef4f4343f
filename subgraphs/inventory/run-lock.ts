// One sync run at a time across every process and host: a lease row in the database (the same on a PostgreSQL
// server and on the embedded PGlite). The holder renews it on a heartbeat and proves it still holds it before
// every external write; another process may take it over only once it has expired, by the database's clock.
// Nothing here depends on a connection staying open, so a dropped connection neither frees the lease nor
// leaves two holders.
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/index.js';
import { newHolder, releaseLease, tryAcquireLease } from '../../platform/db/lease.js';

export interface LeaseSettings {
  /** How long a lease lasts without renewal. */
  leaseMs: number;
  /** How often the holder renews it. */
  heartbeatMs: number;
}

/** The run can no longer prove it holds the lease: it must stop sending. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseHolder {
  holder: string;
  runId: number | null;
  heartbeatAt: Date;
  expiresAt: Date;
}

/** One lease per stock source: a run from one source never blocks another source's run. */
export const leaseName = (source: string) => `stock-sync:${source}`;

export class RunLease {
  private readonly name: string;

  constructor(
    private readonly db: Database,
    /** The stock source whose runs this lease serialises. */
    readonly source: string,
    readonly settings: LeaseSettings,
    private readonly logger?: Logger,
  ) {
    this.name = leaseName(source);
  }

  /** Takes the lease when it is free or expired; null when a live holder has it. */
  async acquire(): Promise<HeldLease | null> {
    const holder = newHolder();
    const sentAt = performance.now();
    if (!(await tryAcquireLease(this.db, this.name, holder, this.settings.leaseMs))) return null;
    return new HeldLease(this.db, this.name, holder, this.settings, sentAt, this.logger);
  }

  /** The live holder, if any (an expired lease has none). */
  async holder(): Promise<LeaseHolder | null> {
    const rows = await this.db.em().getConnection().execute<{ holder: string; run_id: number | null; heartbeat_at: Date; expires_at: Date }[]>(
      'select holder, run_id, heartbeat_at, expires_at from run_lease where name = ? and expires_at > clock_timestamp()',
      [this.name],
    );
    const r = rows[0];
    return r ? { holder: r.holder, runId: r.run_id, heartbeatAt: new Date(r.heartbeat_at), expiresAt: new Date(r.expires_at) } : null;
  }
}

export class HeldLease {
  private lostReason: string | null = null;
  private runId: number | null = null;
  private readonly timer: NodeJS.Timeout;
  private deadline: NodeJS.Timeout | undefined;
  private readonly aborter = new AbortController();
  private released = false;

  constructor(
    private readonly db: Database,
    private readonly name: string,
    readonly holder: string,
    private readonly settings: LeaseSettings,
    acquiredAt: number,
    private readonly logger?: Logger,
  ) {
    this.timer = setInterval(() => void this.renew().catch(() => {}), settings.heartbeatMs);
    this.timer.unref();
    this.armDeadline(acquiredAt);
  }

  get lost(): string | null {
    return this.lostReason;
  }

  /**
   * Aborted when the lease is lost, or when it runs out by this process's clock before a renewal succeeded (a
   * renewal can hang as well as fail): write calls in flight are abandoned then, before another process may
   * take the lease over.
   */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** Records which run holds the lease (shown to whoever is refused) and renews it. */
  async attachRun(runId: number): Promise<void> {
    this.runId = runId;
    await this.renew();
  }

  /**
   * Proves in the database that the lease is still ours and extends it; throws LeaseLostError otherwise. Called
   * before every external write batch.
   */
  async check(): Promise<void> {
    if (this.lostReason) throw new LeaseLostError(this.lostReason);
    await this.renew();
    if (this.lostReason) throw new LeaseLostError(this.lostReason);
  }

  /** Gives the lease back (only if still ours). */
  async release(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    if (this.released) return;
    this.released = true;
    await releaseLease(this.db, this.name, this.holder).catch((err: unknown) => this.logger?.warn({ err }, 'could not release the run lease; it expires by itself'));
  }

  /** One renewal; a failed or refused renewal loses the lease for good (the run cannot prove it any more). */
  private async renew(): Promise<void> {
    if (this.lostReason || this.released) return;
    const sentAt = performance.now();
    try {
      const rows = await this.db.em().getConnection().execute<{ holder: string }[]>(
        `update run_lease set run_id = ?, heartbeat_at = clock_timestamp(), expires_at = clock_timestamp() + ? * interval '1 millisecond'
         where name = ? and holder = ? and expires_at > clock_timestamp() returning holder`,
        [this.runId, this.settings.leaseMs, this.name, this.holder],
      );
      if (rows.length === 0) return this.lose('the run lease expired or was taken over by another process');
      this.armDeadline(sentAt);
      if (this.runId !== null) {
        await this.db.em().getConnection().execute('update sync_run set heartbeat_at = clock_timestamp() where id = ?', [this.runId]);
      }
    } catch (err) {
      this.lose(`the run lease could not be renewed: ${(err as Error).message}`);
    }
  }

  /** The lease lasts leaseMs from when the statement that renewed it was sent, at the earliest, by any clock. */
  private armDeadline(sentAt: number): void {
    if (this.released || this.lostReason) return;
    clearTimeout(this.deadline);
    // One heartbeat short of the lease: calls in flight are abandoned before another process may take it over.
    const at = sentAt + this.settings.leaseMs - this.settings.heartbeatMs;
    this.deadline = setTimeout(() => this.lose('the run lease ran out before it could be renewed'), Math.max(0, at - performance.now()));
    this.deadline.unref();
  }

  private lose(reason: string): void {
    if (this.lostReason) return;
    this.lostReason = reason;
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    this.aborter.abort(new LeaseLostError(reason));
    this.logger?.error({ runId: this.runId, holder: this.holder, reason }, 'run lease lost: the run stops sending');
  }
}
