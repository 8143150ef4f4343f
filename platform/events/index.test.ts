// The outbox event bus on a real PostgreSQL server: events commit with the change they announce, reach every
// process's subscribers, survive dropped connections, resume by id, and are pruned by age.
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { openDatabase, type Database } from '../db/index.js';
import { SCHEMA } from '../../app/schema.js';
import { createEventBus, OutboxEventBus, type EventBus } from './index.js';

describe('the outbox event bus', () => {
  let t: TestDatabase;
  /** A second "process": its own pool and its own bus on the same database. */
  let other: Database;
  const buses: EventBus[] = [];
  const bus = (db: Database, pollMs?: number) => {
    const b = createEventBus({ db, pollMs });
    buses.push(b);
    return b;
  };
  beforeAll(async () => {
    t = await createTestDatabase();
    other = await openDatabase({ url: t.url, dataDir: '/nonexistent', migrate: false, schema: SCHEMA });
  });
  afterAll(async () => {
    for (const b of buses) await b.close();
    await other.close();
    await t.drop();
  });

  const waitFor = async (check: () => boolean, ms = 5000) => {
    for (const end = Date.now() + ms; !check(); ) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('delivers an event with its transaction, to another process, and never one whose transaction rolled back', async () => {
    const publisher = bus(t.db);
    const listener = bus(other);
    expect(listener).toBeInstanceOf(OutboxEventBus);
    const received: { n: number; id: number }[] = [];
    await listener.subscribe<{ n: number }>('t1', (e, meta) => received.push({ n: e.n, id: meta.id }));

    await expect(publisher.transactional(async (em, emit) => {
      await em.execute('create table if not exists t1_change (n int)');
      await em.execute('insert into t1_change values (1)');
      await emit('t1', { n: 1 });
      throw new Error('abandoned');
    })).rejects.toThrow('abandoned');
    await publisher.transactional(async (em, emit) => {
      await em.execute('create table if not exists t1_change (n int)');
      await em.execute('insert into t1_change values (2)');
      await emit('t1', { n: 2 });
    });
    await waitFor(() => received.length === 1);
    await sleep(300);
    expect(received.map((r) => r.n)).toEqual([2]);
    expect((await t.db.em().execute('select n from t1_change')).map((r) => r.n)).toEqual([2]);
  });

  it('hands out events in id order even when a later transaction commits first', async () => {
    const publisher = bus(t.db);
    // Long poll: only NOTIFY wakes this reader, at the moment the first commit lands.
    const listener = bus(other, 60_000);
    const ids: number[] = [];
    await listener.subscribe('t2', (_e, meta) => ids.push(meta.id));
    let firstEmitted!: () => void;
    const emitted = new Promise<void>((r) => (firstEmitted = r));
    const slow = publisher.transactional(async (_em, emit) => {
      await emit('t2', { n: 1 });
      firstEmitted();
      await sleep(500);
    });
    await emitted;
    const fast = publisher.publish('t2', { n: 2 });
    await Promise.all([slow, fast]);
    await waitFor(() => ids.length === 2);
    expect(ids[0]).toBeLessThan(ids[1]!);
  });

  it('keeps delivering after the server drops every connection', async () => {
    const publisher = bus(t.db);
    const listener = bus(other);
    const received: number[] = [];
    await listener.subscribe<{ n: number }>('t3', (e) => received.push(e.n));
    await publisher.publish('t3', { n: 1 });
    await waitFor(() => received.length === 1);

    // What a PostgreSQL restart or failover does to every open connection.
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    await admin.end();

    await waitFor(() => {
      void publisher.publish('t3', { n: 2 }).catch(() => {});
      return received.includes(2);
    }, 10_000);
    expect(received[0]).toBe(1);
  });

  it('resumes after a reconnect from the last id seen: nothing missed, nothing twice', async () => {
    const publisher = bus(t.db);
    const before: number[] = [];
    const first = bus(other);
    let last = 0;
    const stop = await first.subscribe<{ n: number }>('t4', (e, meta) => (before.push(e.n), (last = meta.id)));
    for (const n of [1, 2, 3]) await publisher.publish('t4', { n });
    await publisher.publish('unrelated', { n: 99 });
    await waitFor(() => before.length === 3);
    await stop();

    // Disconnected: three more changes happen.
    for (const n of [4, 5, 6]) await publisher.publish('t4', { n });
    const after: number[] = [];
    await bus(other).subscribe<{ n: number }>('t4', (e) => after.push(e.n), { after: last });
    expect(after).toEqual([4, 5, 6]);
    await publisher.publish('t4', { n: 7 });
    await waitFor(() => after.length === 4);
    expect(after).toEqual([4, 5, 6, 7]);
  });

  it('prunes events older than the retention', async () => {
    const publisher = bus(t.db);
    await publisher.publish('t5', { n: 1 });
    await t.db.em().execute(`update event_outbox set created_at = now() - interval '100 days' where topic = 't5'`);
    await publisher.publish('t5', { n: 2 });
    const cutoff = new Date(Date.now() - 90 * 86_400_000);
    expect(await publisher.prune(cutoff)).toBe(1);
    const left = await t.db.em().execute(`select payload from event_outbox where topic = 't5'`);
    expect(left.map((r) => r.payload)).toEqual([{ n: 2 }]);
  });
});
