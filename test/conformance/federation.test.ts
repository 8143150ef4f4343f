// Apollo's federation subgraph compatibility checks (@apollo/federation-subgraph-compatibility-tests), run as they
// ship — the harness's own compiled jest modules — against our products fixture behind our gateway stand-in.
// The harness reaches the router and the products subgraph at fixed addresses (localhost:4000, :4001); its HTTP
// client is routed to the servers started here on free loopback ports instead.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { printSubgraphSchema } from '@apollo/subgraph';
import { buildProductsSubgraph } from './products.js';
import { HARNESS_DIR, serveSubgraph, startReferenceSubgraph, startStandInGateway } from './supergraph.js';

/** utils/client.ts: ROUTER_URL is fixed; PRODUCTS_URL comes from the environment, this being its default. */
const HARNESS_ROUTER_URL = 'http://localhost:4000/';
const HARNESS_PRODUCTS_URL = 'http://localhost:4001/';

type Fetch = (url: string, init: { headers?: Record<string, string> }) => Promise<unknown>;

let routes: { router: string; products: string; token: string } | undefined;
const running: { close(): Promise<void> }[] = [];

const fetchModule = createRequire(join(HARNESS_DIR, 'dist', 'utils', 'client.js')).resolve('make-fetch-happen');
import.meta.jest.mock(fetchModule, () => {
  const fetch = import.meta.jest.requireActual<Fetch>(fetchModule);
  return (url: string, init: Parameters<Fetch>[1]) => {
    if (!routes) throw new Error('the conformance servers are not running');
    if (url === HARNESS_ROUTER_URL) return fetch(routes.router, { ...init, headers: { ...init.headers, authorization: `Bearer ${routes.token}` } });
    if (url === HARNESS_PRODUCTS_URL) return fetch(routes.products, init);
    throw new Error(`the harness asked for ${url}, which this run does not serve`);
  };
});
process.env.PRODUCTS_URL = HARNESS_PRODUCTS_URL;

/** Keeps a started server for afterAll, so a failed start leaves nothing running. */
async function track<T extends { close(): Promise<void> }>(starting: Promise<T>): Promise<T> {
  const server = await starting;
  running.push(server);
  return server;
}

beforeAll(async () => {
  const schema = await buildProductsSubgraph();
  const starting = [track(serveSubgraph(schema)), track(startReferenceSubgraph('users')), track(startReferenceSubgraph('inventory'))] as const;
  await Promise.allSettled(starting);
  const [products, users, inventory] = await Promise.all(starting);
  const gateway = await track(startStandInGateway(
    [
      { name: 'products', url: products.url, sdl: printSubgraphSchema(schema) },
      { name: 'users', url: users.url, sdl: users.sdl },
      { name: 'inventory', url: inventory.url, sdl: inventory.sdl },
    ],
    randomBytes(32),
  ));
  routes = { router: gateway.url, products: products.url, token: gateway.token };
}, 60_000);

afterAll(async () => {
  for (const r of running.reverse()) await r.close();
});

// Every check module the harness ships, so none is skipped; each registers its check under the harness's name.
const checksDir = join(HARNESS_DIR, 'dist', 'tests');
for (const file of readdirSync(checksDir).filter((f) => f.endsWith('.test.js')).sort()) await import(join(checksDir, file));
