// A whole Tsunagi on a fresh database of the real PostgreSQL server and in-memory simulators over real HTTP.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type AppContext } from '../../app/context.js';
import { openSandbox, type Sandbox } from '../../connectors/sandbox/index.js';
import { loadConfig } from '../../app/config.js';
import type { Config } from '../../platform/config/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  ctx: AppContext;
  /** Another Tsunagi on the same database and simulators, as a second process would be (closed with the app). */
  openAnother(): Promise<AppContext>;
  sandbox: Sandbox;
  sims: NonNullable<Sandbox['simulators']>;
  t: TestDatabase;
  close(): Promise<void>;
}

/** Fast HTTP policy for tests: retries stay real, waits are short. */
export const TEST_HTTP = { timeoutMs: 5000, retries: 2, backoffBaseMs: 10, backoffMaxMs: 50 };

// The simulators run without rate limits here, so the clients need not pace themselves either (the contract
// tests in connectors/ cover rate limiting; test/cli runs with the real limits).
const RELAXED = { perSecond: 1000, burst: 100 };
const relax = (limit: unknown): unknown =>
  limit && typeof limit === 'object'
    ? 'perSecond' in limit ? RELAXED : Object.fromEntries(Object.entries(limit).map(([k, v]) => [k, relax(v)]))
    : limit;

/** Every system with the fast test HTTP policy and without client-side rate limits. */
export function withTestPolicy(config: Config): Config {
  const integrations = Object.fromEntries(
    Object.entries(config.integrations).map(([name, block]) => [name, { ...block, retry_config: TEST_HTTP, rate_limit: relax(block.rate_limit) }]),
  );
  return { ...config, integrations };
}

export interface TestAppOptions {
  /** The run lease (config sync.lease); tests shorten it. */
  lease?: { seconds: number; heartbeatSeconds: number };
  /** Another config.yaml (with its integrations.yaml beside it); default: the shipped one. */
  configPath?: string;
  /** Environment variables the config's placeholders read, besides the process's own. */
  env?: NodeJS.ProcessEnv;
}

export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestDatabase();
  const sandbox = await openSandbox({ rateLimits: false });
  const dataDir = join(tmpdir(), `tsunagi-test-${t.name}`);
  const base = loadConfig(opts.configPath ?? 'config/config.yaml', { ...process.env, ...opts.env, DATABASE_URL: t.url, TSUNAGI_DATA_DIR: dataDir });
  const config = { ...withTestPolicy(base), sync: { ...base.sync, lease: opts.lease ?? base.sync.lease } };
  const ctx = await createContext({ config, databaseUrl: t.url, sandbox });
  const others: AppContext[] = [];
  return {
    ctx,
    async openAnother() {
      const other = await createContext({ config, databaseUrl: t.url, sandbox });
      others.push(other);
      return other;
    },
    sandbox,
    sims: sandbox.simulators!,
    t,
    async close() {
      for (const other of others) await other.close();
      await ctx.close();
      await sandbox.close();
      await t.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Seeds Amazon quantities, SKU-master rows and channel listings (all at `listed`) for the given SKUs. */
export async function seed(app: TestApp, items: { sku: string; quantity: number; active?: boolean; yahoo?: boolean; rakuten?: boolean }[], listed = 0) {
  for (const i of items) app.sims.amazon.setQuantity(i.sku, i.quantity);
  const rows = items.map((i) => ({
    sku: i.sku,
    listings: {
      ...(i.yahoo === false ? {} : { yahoo: `Y-${i.sku}` }),
      ...(i.rakuten === false ? {} : { rakuten: `r-${i.sku.toLowerCase()}` }),
    } as Record<string, string>,
    isActive: i.active !== false,
  }));
  app.sims.yahoo.seed(rows.flatMap((r) => (r.listings.yahoo ? [r.listings.yahoo] : [])), listed);
  app.sims.rakuten.seed(rows.flatMap((r) => (r.listings.rakuten ? [r.listings.rakuten] : [])), listed);
  await app.ctx.catalog.upsertMappings(rows);
  return rows;
}
