// Embedded PostgreSQL for `npm start` and the CLI without DATABASE_URL: PGlite in the data directory, served
// over the Postgres wire protocol on loopback so the same MikroORM driver is used everywhere.
// Only one process may open a PGlite directory: the first takes a lock file with its pid and port, and any
// other process (the CLI beside a running hub) connects to that port instead of opening the files.
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  url: string;
  /** True when this process opened the data directory (false: it joined another process's server). */
  owner: boolean;
  close(): Promise<void>;
}

interface LockInfo {
  pid: number;
  port: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 50; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let info: LockInfo | undefined;
      try {
        info = JSON.parse(readFileSync(lockFile, 'utf8')) as LockInfo;
      } catch {
        // The owner has created the file but not written it yet.
      }
      if (info && info.port > 0 && pidAlive(info.pid) && (await portOpen(info.port))) {
        return { url: urlFor(info.port), owner: false, close: async () => {} };
      }
      if (info && !pidAlive(info.pid)) rmSync(lockFile, { force: true });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      return await startServer(dataDir, lockFile, fd);
    } catch (err) {
      closeSync(fd);
      rmSync(lockFile, { force: true });
      throw err;
    }
  }
  throw new Error(`${lockFile} is held by another process that does not answer; remove the file if no Tsunagi process runs`);
}

async function startServer(dataDir: string, lockFile: string, fd: number): Promise<EmbeddedDatabase> {
  writeFileSync(fd, JSON.stringify({ pid: process.pid, port: 0 }));
  const pgDir = join(dataDir, 'pglite');
  const db = await PGlite.create(existsSync(pgDir) ? pgDir : (mkdirSync(pgDir, { recursive: true }), pgDir));
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid, port } satisfies LockInfo));
  closeSync(fd);
  return {
    url: urlFor(port),
    owner: true,
    async close() {
      await server.stop();
      await db.close();
      rmSync(lockFile, { force: true });
    },
  };
}
