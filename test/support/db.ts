// Each test file gets its own database on the real PostgreSQL server (TEST_DATABASE_URL, DATABASE_URL or
// 127.0.0.1:5432), created fresh and dropped afterwards, so suites run in parallel without seeing each other's rows.
import { openDatabase, type Database } from '../../platform/db/index.js';
import { SCHEMA } from '../../app/schema.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from '../../platform/db/scratch.js';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  drop(): Promise<void>;
}

/** Creates an empty database, migrates it and opens it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const scratch = await createScratchDatabase('tsunagi_test', SERVER_URL);
  const db = await openDatabase({ url: scratch.url, dataDir: '/nonexistent', schema: SCHEMA });
  return {
    url: scratch.url,
    name: scratch.name,
    db,
    async drop() {
      await db.close();
      await scratch.drop();
    },
  };
}
