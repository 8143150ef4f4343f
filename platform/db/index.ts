// The database: MikroORM on PostgreSQL, either a server (DATABASE_URL) or the embedded PGlite.
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from 'pino';
import { openEmbeddedDatabase } from './embedded.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

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
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; undefined = embedded PGlite in dataDir. */
  url?: string;
  dataDir: string;
  logger?: Logger;
  poolMax?: number;
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
}

export function ormConfig(url: string, poolMax = 10) {
  return {
    clientUrl: url,
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 0, max: poolMax },
    migrations: { migrationsList: MIGRATIONS, snapshot: false, silent: true },
    schemaGenerator: { skipTables: FOREIGN_TABLES },
    allowGlobalContext: false,
    debug: false,
  };
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const embedded = opts.url ? undefined : await openEmbeddedDatabase(opts.dataDir);
  const url = opts.url ?? embedded!.url;
  let orm: MikroORM;
  try {
    orm = await MikroORM.init(ormConfig(url, opts.poolMax));
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
    async close() {
      await orm.close(true);
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
