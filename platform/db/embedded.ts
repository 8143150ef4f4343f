// Embedded PostgreSQL for `npm start` and the CLI without DATABASE_URL: PGlite in the data directory, served
// over the Postgres wire protocol on loopback so the same MikroORM driver is used everywhere.
// Only one process may open a PGlite directory: the first takes a lock file with its pid and port, and any
// other process (the CLI beside a running hub) connects to that port instead of opening the files.
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { claimOrJoin } from '../process-lock.js';
import { ensurePrivateDir } from '../private-dir.js';

export interface EmbeddedDatabase {
  url: string;
  /** True when this process opened the data directory (false: it joined another process's server). */
  owner: boolean;
  /** The process serving the data directory (this one when owner). */
  ownerPid: number;
  close(): Promise<void>;
}

interface LockInfo {
  pid: number;
  port: number;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const urlFor = (port: number) => `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;

export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  ensurePrivateDir(dataDir);
  const lockFile = join(dataDir, 'pglite.lock');
  return claimOrJoin<LockInfo, EmbeddedDatabase>({
    file: lockFile,
    answers: (info) => (info.port > 0 ? portOpen(info.port) : Promise.resolve(false)),
    join: (info) => ({ url: urlFor(info.port), owner: false, ownerPid: info.pid, close: async () => {} }),
    start: async () => {
      const pgDir = join(dataDir, 'pglite');
      ensurePrivateDir(pgDir);
      const db = await PGlite.create(pgDir);
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
      await server.start();
      const port = Number(server.getServerConn().split(':').pop());
      const result: EmbeddedDatabase = {
        url: urlFor(port),
        owner: true,
        ownerPid: process.pid,
        async close() {
          await server.stop();
          await db.close();
          rmSync(lockFile, { force: true });
        },
      };
      return { result, publish: { pid: process.pid, port } };
    },
  });
}
