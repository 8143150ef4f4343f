// The stock-sync benchmark's Tsunagi: the shipped config on a given database, joined to the simulators' process
// through the sandbox registry in dataDir, with client-side rate limits relaxed (the simulators answer without
// 429s); batch sizes and pagination stay real. The benchmark and its seeding process both open it.
import { loadConfig } from '../app/config.js';
import { createContext, type AppContext } from '../app/context.js';
import { openSandbox, type Sandbox } from '../connectors/sandbox/index.js';
import type { Config } from '../platform/config/index.js';
import { keepHeapCompact } from '../platform/heap.js';
import type { Logger } from '../platform/log/index.js';

const RELAXED = { perSecond: 10_000, burst: 100 };

/** Every rate limit of a parsed block ({perSecond, burst}, or a map of them), relaxed. */
const relax = (limit: unknown): unknown =>
  limit && typeof limit === 'object'
    ? 'perSecond' in limit ? RELAXED : Object.fromEntries(Object.entries(limit).map(([k, v]) => [k, relax(v)]))
    : limit;

function relaxed(config: Config): Config {
  const integrations = Object.fromEntries(Object.entries(config.integrations).map(([name, block]) => [name, { ...block, rate_limit: relax(block.rate_limit) }]));
  return { ...config, integrations };
}

/** Opens Tsunagi as a process that runs syncs does (the hub, the worker, the CLI): with its heap kept compact. */
export async function openBenchContext(opts: { dataDir: string; databaseUrl: string; logger?: Logger }): Promise<{ ctx: AppContext; sandbox: Sandbox }> {
  keepHeapCompact();
  const sandbox = await openSandbox({ dataDir: opts.dataDir, rateLimits: false });
  const config = relaxed(loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: opts.databaseUrl, TSUNAGI_DATA_DIR: opts.dataDir }));
  const ctx = await createContext({ config, databaseUrl: opts.databaseUrl, sandbox, logger: opts.logger });
  return { ctx, sandbox };
}
