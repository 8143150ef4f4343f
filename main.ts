// `npm start`: the whole hub in one process — database (embedded PGlite unless DATABASE_URL), migrations,
// sandbox simulators when no credentials are configured, six subgraphs behind the gateway, and the job worker.
import { createContext } from './app/context.js';
import { ensureDemoData } from './app/sandbox-seed.js';
import { issueToken, signingKey, startGateway } from './gateway/index.js';
import { startWorker } from './jobs/worker.js';
import { loadConfig } from './platform/config/index.js';
import { createLogger } from './platform/log/index.js';

const config = loadConfig(process.env.TSUNAGI_CONFIG ?? 'config/config.yaml');
const logger = createLogger({
  dir: config.logging.dir,
  file: 'inventory_sync.log',
  level: config.logging.level,
  maxSize: config.logging.maxSize,
  keepFiles: config.logging.keepFiles,
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
say('Try, in another terminal: npx tsunagi sync --dry-run   |   npx tsunagi sync   |   npx tsunagi rollback   |   npx tsunagi status');

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
