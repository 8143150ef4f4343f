// Each test file gets its own database on the real PostgreSQL server (DATABASE_URL or 127.0.0.1:5432),
// created fresh and dropped afterwards, so suites run in parallel without seeing each other's rows.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../platform/db/index.js';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(SERVER_URL, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  drop(): Promise<void>;
}

/** Creates an empty database, migrates it and opens it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tsunagi_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = withDatabase(SERVER_URL, name);
  const db = await openDatabase({ url, dataDir: '/nonexistent' });
  return {
    url,
    name,
    db,
    async drop() {
      await db.close();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
