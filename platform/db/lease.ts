// Named leases in the database: a row per name that one holder owns until it expires by the database's clock
// (the same on a PostgreSQL server and on the embedded PGlite). The stock run's lease (subgraphs/inventory/
// run-lock.ts) and the token manager's refresh lock both take theirs here, so the rules are written once: take
// the row when it is free or expired, give it back only if still ours.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from './index.js';

/** A holder id unique to this process and this acquisition. */
export const newHolder = (): string => `${hostname()}:${process.pid}:${randomUUID()}`;

/** Takes the lease `name` for `holder` when it is free or expired; false when a live holder has it. */
export async function tryAcquireLease(db: Database, name: string, holder: string, leaseMs: number): Promise<boolean> {
  const rows = await db.em().getConnection().execute<{ holder: string }[]>(
    `insert into run_lease (name, holder, run_id, acquired_at, heartbeat_at, expires_at)
     values (?, ?, null, clock_timestamp(), clock_timestamp(), clock_timestamp() + ? * interval '1 millisecond')
     on conflict (name) do update set holder = excluded.holder, run_id = null, acquired_at = excluded.acquired_at,
       heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
     where run_lease.expires_at <= clock_timestamp()
     returning holder`,
    [name, holder, leaseMs],
  );
  return rows.length > 0;
}

/** Gives the lease back, only if `holder` still has it. */
export async function releaseLease(db: Database, name: string, holder: string): Promise<void> {
  await db.em().getConnection().execute('delete from run_lease where name = ? and holder = ?', [name, holder]);
}

export interface LeaseWait {
  /** How long the lease lasts: longer than the work done under it can take. */
  leaseMs: number;
  /** How long to wait for a live holder to give it back before failing. */
  waitMs: number;
  /** Pause between attempts. */
  pollMs?: number;
}

/** Runs `fn` holding the lease `name`, waiting (bounded) for another holder; always gives it back. */
export async function withLease<T>(db: Database, name: string, opts: LeaseWait, fn: () => Promise<T>): Promise<T> {
  const holder = newHolder();
  const giveUpAt = Date.now() + opts.waitMs;
  while (!(await tryAcquireLease(db, name, holder, opts.leaseMs))) {
    if (Date.now() >= giveUpAt) {
      throw new Error(`lease ${name}: still held by another process after ${Math.round(opts.waitMs / 1000)} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 50));
  }
  try {
    return await fn();
  } finally {
    await releaseLease(db, name, holder).catch(() => {
      // It expires by itself after leaseMs.
    });
  }
}

/** `withLease` as a lock other modules take by name (the token manager's cross-process refresh lock). */
export function databaseLock(db: Database, opts: LeaseWait): <T>(name: string, fn: () => Promise<T>) => Promise<T> {
  return (name, fn) => withLease(db, name, opts, fn);
}
