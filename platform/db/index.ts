// The database: MikroORM on PostgreSQL, either a server (DATABASE_URL) or the embedded PGlite.
import { MikroORM, type EntityManager, type EntitySchema } from '@mikro-orm/postgresql';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import type { Logger } from 'pino';
import { openEmbeddedDatabase } from './embedded.js';

export type { EntityManager } from '@mikro-orm/postgresql';

/** Tables that belong to Agenda's own PostgreSQL backend (jobs and job log), kept out of MikroORM's schema diff. */
export const FOREIGN_TABLES = ['agenda_jobs', 'agenda_logs'];

export interface Database {
  orm: MikroORM;
  /** A fresh EntityManager fork: one per unit of work. */
  em(): EntityManager;
  url: string;
  embedded: boolean;
  /** Embedded only: the process serving the data directory (another one when this process joined it). */
  ownerPid?: number;
  /** One round trip to the server; rejects with the reason when it cannot be reached (health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the app registers: every module's entities and migrations (platform knows no module). */
export interface DatabaseSchema {
  entities: EntitySchema<any, any>[];
  migrations: { name: string; class: new (...args: any[]) => Migration }[];
}

export interface DatabaseOptions {
  schema: DatabaseSchema;
  /** PostgreSQL URL; undefined = embedded PGlite in dataDir. */
  url?: string;
  dataDir: string;
  logger?: Logger;
  poolMax?: number;
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
}

export function ormConfig(url: string, schema: DatabaseSchema, poolMax = 10) {
  return {
    clientUrl: url,
    entities: schema.entities,
    extensions: [Migrator],
    pool: { min: 0, max: poolMax },
    migrations: { migrationsList: schema.migrations, snapshot: false, silent: true },
    schemaGenerator: { skipTables: FOREIGN_TABLES },
    allowGlobalContext: false,
    debug: false,
  };
}

/** How long closing waits for the pool to give back its connections. */
const CLOSE_WAIT_MS = 5000;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const embedded = opts.url ? undefined : await openEmbeddedDatabase(opts.dataDir);
  const url = opts.url ?? embedded!.url;
  let orm: MikroORM;
  try {
    orm = await MikroORM.init(ormConfig(url, opts.schema, opts.poolMax));
    if (opts.migrate !== false) await orm.migrator.up();
  } catch (err) {
    await embedded?.close();
    throw new Error(`database ${redactUrl(url)}: ${(err as Error).message}`);
  }
  opts.logger?.debug({ url: redactUrl(url), embedded: Boolean(embedded) }, 'database open');
  return {
    orm,
    em: () => orm.em.fork(),
    url,
    embedded: Boolean(embedded),
    ownerPid: embedded?.ownerPid,
    async ping() {
      await orm.em.getConnection().execute('select 1');
    },
    async close() {
      // A transaction whose connection the server dropped can leave that dead connection checked out of the pool
      // for good (kysely 0.29 releases it only after a successful ROLLBACK), and the pool's end waits for it:
      // closing gives up waiting after a while instead of hanging the process's shutdown.
      const closing = orm.close(true).then(() => true, (err: unknown) => {
        opts.logger?.warn({ err }, 'error while closing the database');
        return true;
      });
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([closing, new Promise<false>((r) => (timer = setTimeout(() => r(false), CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      if (!closed) opts.logger?.warn({ waitedMs: CLOSE_WAIT_MS }, 'database pool did not close: a connection the server dropped is still checked out');
      await embedded?.close();
    },
  };
}

/** A URL fit for logs and error messages: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid database URL)';
  }
}

const CONNECTION_LOSS_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/**
 * Whether an error means the database could not be reached (connection refused, terminated by the server,
 * dropped) rather than that a statement was wrong: SQLSTATE class 08, admin/crash shutdown, socket errors, and
 * the driver's own messages for a connection that ended.
 */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('08') || CONNECTION_LOSS_CODES.has(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /connection terminated|terminating connection due to administrator command|not queryable|timeout exceeded when trying to connect|connection (?:is )?(?:closed|ended)/i.test(message);
}
