import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { PostgresEventBus } from './index.js';

describe('PostgresEventBus', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const waitFor = async (check: () => boolean, ms = 5000) => {
    for (const end = Date.now() + ms; !check(); ) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('carries events between two buses and survives the server dropping its connections', async () => {
    const publisher = new PostgresEventBus(t.url);
    const listener = new PostgresEventBus(t.url);
    const received: number[] = [];
    await listener.subscribe<{ n: number }>('test_topic', (e) => received.push(e.n));
    await publisher.publish('test_topic', { n: 1 });
    await waitFor(() => received.length === 1);

    // What a PostgreSQL restart or failover does to every open connection.
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    await admin.end();

    await waitFor(() => {
      void publisher.publish('test_topic', { n: 2 }).catch(() => {});
      return received.includes(2);
    }, 10_000);
    expect(received[0]).toBe(1);
    await publisher.close();
    await listener.close();
  });
});
