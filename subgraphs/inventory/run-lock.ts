// One sync run at a time across every process. On a PostgreSQL server: a session advisory lock held on a
// dedicated connection for the run (released by the server if the process dies). On the embedded PGlite all
// connections share one session, where advisory locks are re-entrant, so there the lock is a file in the data
// directory holding the owner's pid (single machine by definition).
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { pidAlive } from '../../platform/process-lock.js';

export interface RunLock {
  /** False when another process holds the lock. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
  /** Whether any process holds it now (used to tell a crashed RUNNING run from a live one). */
  heldByAnyone(): Promise<boolean>;
}

const LOCK_KEY = 0x7453_796e; // "tSyn"

export class AdvisoryRunLock implements RunLock {
  private client: pg.Client | undefined;

  constructor(private readonly url: string) {}

  async acquire(): Promise<boolean> {
    const client = this.connect();
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LOCK_KEY]);
    if (!rows[0].locked) {
      await client.end();
      return false;
    }
    this.client = client;
    return true;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }

  async heldByAnyone(): Promise<boolean> {
    if (this.client) return true;
    const client = this.connect();
    await client.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LOCK_KEY]);
      if (rows[0].locked) await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]);
      return !rows[0].locked;
    } finally {
      await client.end();
    }
  }

  private connect(): pg.Client {
    const client = new pg.Client({ connectionString: this.url });
    // A lost connection releases the lock on the server; the run's own statements report the outage, and an
    // unhandled 'error' event would otherwise end the process.
    client.on('error', () => {});
    return client;
  }
}

export class FileRunLock implements RunLock {
  private readonly file: string;
  private held = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'sync-run.lock');
  }

  async acquire(): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.file, 'wx');
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (this.ownerAlive()) return false;
        rmSync(this.file, { force: true });
      }
    }
    return false;
  }

  async release(): Promise<void> {
    if (this.held) rmSync(this.file, { force: true });
    this.held = false;
  }

  async heldByAnyone(): Promise<boolean> {
    return this.held || this.ownerAlive();
  }

  private ownerAlive(): boolean {
    try {
      const pid = Number(readFileSync(this.file, 'utf8'));
      return Number.isInteger(pid) && pid > 0 && pidAlive(pid);
    } catch {
      return false;
    }
  }
}
