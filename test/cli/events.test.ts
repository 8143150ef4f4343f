// Events from every process reach every subscriber: the hub (gateway with a graphql-ws subscriber) in this
// process, the CLI as separate processes changing stock, on the embedded database (PGlite served over loopback,
// where NOTIFY does not cross connections) and on a PostgreSQL server. A subscriber that reconnects with the last
// eventId it saw gets what it missed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type AppContext } from '../../app/context.js';
import { ensureDemoData } from '../../app/sandbox-seed.js';
import { startGateway, type RunningGateway } from '../../gateway/index.js';
import { loadConfig } from '../../app/config.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { cliEnv, runCli } from '../support/cli.js';
import { baseOf, JWT_SECRET, metricReaches, token, within, wsClient } from '../graphql/support.js';

type Change = { sku: string; channel: string; before: number | null; after: number; runId: number; eventId: string };
const SUBSCRIPTION = 'subscription($after: ID) { stockChanged(after: $after) { sku channel before after runId eventId } }';

describe.each([['the embedded database', false], ['a PostgreSQL server', true]])('CLI changes reach the hub\'s subscribers on %s', (_name, server) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-events-'));
  let t: TestDatabase | undefined;
  let hub: AppContext;
  let gateway: RunningGateway;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (server) t = await createTestDatabase();
    const vars = { DATABASE_URL: t?.url ?? '', TSUNAGI_DATA_DIR: dataDir, TSUNAGI_LOG_DIR: join(dataDir, 'logs') };
    env = cliEnv({ ...vars, DATABASE_URL: t?.url, TSUNAGI_USER: 'events-e2e' });
    // The hub: it opens the data directory (embedded database, simulators) that the CLI processes then join.
    hub = await createContext({ config: loadConfig('config/config.yaml', { ...process.env, ...vars }) });
    expect(hub.db.embedded).toBe(!server);
    await ensureDemoData(hub);
    gateway = await startGateway(hub, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await hub?.close();
    await t?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('sync and rollback by the CLI stream every change; a reconnect resumes after the last eventId', async () => {
    const partner = await token('partner');
    const client = wsClient(gateway.wsUrl, partner);
    try {
      const events = client.iterate<{ stockChanged: Change }>({ query: SUBSCRIPTION });
      await metricReaches(baseOf(gateway.url), 'tsunagi_graphql_subscriptions_active', 1);
      const take = async (n: number, what: string) => {
        const got: Change[] = [];
        for (let i = 0; i < n; i++) got.push((await within(events.next(), 15_000, `${what}: event ${i + 1} of ${n}`)).value!.data!.stockChanged);
        return got;
      };

      const sync = await runCli(['--json', 'sync'], env);
      expect(sync.code).toBe(0);
      const report = JSON.parse(sync.stdout);
      expect(report.updates).toBeGreaterThan(0);
      const synced = await take(report.updates, 'sync');
      expect(new Set(synced.map((c) => c.runId))).toEqual(new Set([report.runId]));
      const { entries } = await hub.inventory.history.ledger(report.runId, { first: 1000 });
      expect(synced.map((c) => `${c.channel}:${c.sku}:${c.before}→${c.after}`).sort()).toEqual(
        entries.map((e) => `${e.channel}:${e.sku}:${e.before}→${e.after}`).sort(),
      );

      const rollback = await runCli(['--json', 'rollback'], env);
      expect(rollback.code).toBe(0);
      const undo = JSON.parse(rollback.stdout);
      expect(undo.changes).toHaveLength(report.updates);
      const undone = await take(undo.changes.length, 'rollback');
      expect(new Set(undone.map((c) => c.runId))).toEqual(new Set([undo.runId]));
      const last = undone.at(-1)!.eventId;
      await events.return!();
      await metricReaches(baseOf(gateway.url), 'tsunagi_graphql_subscriptions_active', 0);

      // Disconnected: a manual change happens meanwhile. Reconnecting after the last eventId delivers it.
      const set = await runCli(['--json', 'stock', 'set', 'yahoo', 'AMZ-000001', '7'], env);
      expect(set.code).toBe(0);
      const manual = JSON.parse(set.stdout);
      const resumed = client.iterate<{ stockChanged: Change }>({ query: SUBSCRIPTION, variables: { after: last } });
      const missed = (await within(resumed.next(), 15_000, 'the change made while disconnected')).value!.data!.stockChanged;
      expect(missed).toMatchObject({ sku: 'AMZ-000001', channel: 'yahoo', after: 7, runId: manual.runId });
      await resumed.return!();

      // The CLI joined this hub: health names it, with its start in the configured zone like every time in text.
      const health = await runCli(['health'], env);
      expect(health.stdout).toMatch(/\[OK\] +hub +running \(process \d+\) at http:\/\/127\.0\.0\.1:\d+\/graphql since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00\n/);
    } finally {
      await client.dispose();
    }
  }, 180_000);
});
