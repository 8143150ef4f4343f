// The six subgraph servers of the distributed mode in a process of their own, so that the gateways under test
// (ours and the peer) call them over loopback HTTP as they would in production.
// Usage: node dist/bench/subgraph-servers.js (env: DATABASE_URL, TSUNAGI_DATA_DIR, TSUNAGI_SUBGRAPH_SECRET);
// prints one JSON line {name: url} once all listen, stops on SIGTERM.
import { createContext } from '../app/context.js';
import { startSubgraphServer } from '../gateway/subgraph-server.js';
import { SUBGRAPH_NAMES } from '../gateway/supergraph.js';
import { loadConfig } from '../app/config.js';

const secret = process.env.TSUNAGI_SUBGRAPH_SECRET;
if (!secret) throw new Error('TSUNAGI_SUBGRAPH_SECRET is not set');
// Joins the bench's sandbox through the registry in TSUNAGI_DATA_DIR.
const ctx = await createContext({ config: loadConfig('config/config.yaml', process.env) });
const servers = await Promise.all(SUBGRAPH_NAMES.map((name) => startSubgraphServer(ctx, name, { secret, host: '127.0.0.1' })));
process.stdout.write(`${JSON.stringify(Object.fromEntries(SUBGRAPH_NAMES.map((n, i) => [n, servers[i]!.url])))}\n`);
process.once('SIGTERM', () => {
  void Promise.all(servers.map((s) => s.close()))
    .then(() => ctx.close())
    .finally(() => process.exit(0));
});
