// One process of the distributed mode (docker-compose.yml), by role:
//   node dist/app/serve.js gateway             the gateway, calling the subgraphs by URL (gateway.subgraphs.urls)
//   node dist/app/serve.js subgraph <name>     one subgraph server (port: PORT, else 4001.. in SUBGRAPH_NAMES order)
//   node dist/app/serve.js worker              the job worker (jobs/worker.ts)
// The role may come from TSUNAGI_ROLE (and TSUNAGI_SUBGRAPH) instead of argv. `npm start` (main.ts) runs all in one.
import { createContext, type AppContext } from './context.js';
import { startWorker } from '../jobs/worker.js';
import { ConfigError, type Config } from '../platform/config/index.js';
import { loadConfig } from './config.js';
import { createLogger } from '../platform/log/index.js';
import { keepHeapCompact } from '../platform/heap.js';
import { startGateway } from '../gateway/index.js';
import { startSubgraphServer } from '../gateway/subgraph-server.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../gateway/supergraph.js';

const USAGE = `usage: serve.js gateway | subgraph <${SUBGRAPH_NAMES.join('|')}> | worker`;

function fail(message: string, usage = true): never {
  process.stderr.write(`tsunagi: ${message}\n${usage ? `${USAGE}\n` : ''}`);
  process.exit(2);
}

const [roleArg, nameArg] = process.argv.slice(2);
const role = roleArg ?? process.env.TSUNAGI_ROLE;
const subgraph = (nameArg ?? process.env.TSUNAGI_SUBGRAPH) as SubgraphName | undefined;
if (role !== 'gateway' && role !== 'subgraph' && role !== 'worker') fail(`unknown role ${role ?? '(none)'}`);
if (role === 'subgraph' && !SUBGRAPH_NAMES.includes(subgraph!)) fail(`unknown subgraph ${subgraph ?? '(none)'}`);

keepHeapCompact();
let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  fail(err.message, false);
}
// Each process would otherwise open its own embedded database: the distributed mode shares one server.
if (!config.database.url) fail('the distributed mode needs DATABASE_URL (a PostgreSQL server shared by every process)', false);
const name = role === 'subgraph' ? `subgraph-${subgraph}` : role;
const logger = createLogger({
  dir: config.logging.dir, file: `${name}.log`, level: config.logging.level, maxSize: config.logging.maxSize, keepFiles: config.logging.keepFiles,
  timezone: config.timezone,
}).child({ process: name });

const ctx = await createContext({ config, logger });
if (config.sandbox) logger.warn('sandbox mode: this process runs its own marketplace simulators, which other processes do not share');

async function start(app: AppContext): Promise<() => Promise<unknown>> {
  if (role === 'gateway') {
    const gateway = await startGateway(app);
    return () => gateway.close();
  }
  if (role === 'worker') {
    const worker = await startWorker(app);
    return () => worker.stop();
  }
  const secret = config.gateway.subgraphs.secret;
  if (!secret) throw new Error('a subgraph server needs TSUNAGI_SUBGRAPH_SECRET (32+ characters), the secret the gateway sends');
  const port = process.env.PORT ? config.gateway.port : 4001 + SUBGRAPH_NAMES.indexOf(subgraph!);
  const server = await startSubgraphServer(app, subgraph!, { port, host: config.gateway.host, secret, maxBodyBytes: config.gateway.limits.maxBodyBytes });
  logger.info({ url: `${server.url}/graphql` }, `${subgraph} subgraph listening`);
  return () => server.close();
}

let stop: () => Promise<unknown>;
try {
  stop = await start(ctx);
} catch (err) {
  // To stderr as well: the log transport may not flush before exit.
  process.stderr.write(`tsunagi: ${name} failed to start: ${(err as Error).message}\n`);
  logger.error({ err }, `${name} failed to start`);
  await ctx.close();
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await stop().catch((err) => logger.error({ err }, 'error while stopping'));
  await ctx.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
