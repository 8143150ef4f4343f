// `npm start`: the whole hub in one process — database (embedded PGlite unless DATABASE_URL), migrations,
// sandbox simulators when no credentials are configured, six subgraphs behind the gateway, and the job worker.
import { createContext } from './app/context.js';
import { ensureDemoData } from './app/sandbox-seed.js';
import { startGateway } from './gateway/index.js';
import { issueToken, signingKey } from './platform/auth/tokens.js';
import { startWorker } from './jobs/worker.js';
import { ConfigError, type Config } from './platform/config/index.js';
import { loadConfig } from './app/config.js';
import { createLogger } from './platform/log/index.js';
import { keepHeapCompact } from './platform/heap.js';

keepHeapCompact();
let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // A bad setting is the operator's input: a message naming it and exit 2, as in the CLI, not a stack trace.
  process.stderr.write(`tsunagi: ${err.message}\n`);
  process.exit(2);
}
const logger = createLogger({
  dir: config.logging.dir,
  file: 'inventory_sync.log',
  level: config.logging.level,
  maxSize: config.logging.maxSize,
  keepFiles: config.logging.keepFiles,
  timezone: config.timezone,
});
const ctx = await createContext({ config, logger });
const seeded = await ensureDemoData(ctx);
const worker = await startWorker(ctx);
const gateway = await startGateway(ctx);

const say = (line: string) => process.stdout.write(`${line}\n`);
say(`Tsunagi is up: GraphQL ${gateway.url} (subscriptions ${gateway.wsUrl}), database ${ctx.db.embedded ? `embedded in ${config.dataDir}` : 'PostgreSQL server'}`);
say(`Dashboard: ${gateway.url.replace(/\/graphql$/, '/')}`);
if (config.sandbox) {
  say('[SANDBOX] No marketplace credentials are configured: the bundled simulators stand in for Amazon, Yahoo! and Rakuten.');
  if (seeded) say('[SANDBOX] Seeded demo marketplaces and SKU master.');
  const key = signingKey(config);
  if (key) say(`[SANDBOX] Operator token for the API (12 h): ${await issueToken(key, { name: 'sandbox-operator', role: 'operator' })}`);
}
say('Try, in another terminal: ./tsunagi sync --dry-run   |   ./tsunagi sync   |   ./tsunagi rollback   |   ./tsunagi status   (tail -f logs/inventory_sync.log for the log)');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await gateway.close();
  logger.info('gateway closed');
  await worker.stop();
  logger.info('worker stopped');
  await ctx.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
