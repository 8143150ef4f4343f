// An app context on a fresh database with the in-memory simulators, a gateway on 127.0.0.1, and clients for it.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createContext, type AppContext } from '../../app/context.js';
import { openSandbox } from '../../connectors/sandbox/index.js';
import { issueToken } from '../../gateway/auth.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/index.js';
import { loadConfig } from '../../platform/config/index.js';
import type { Role } from '../../subgraphs/federation.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

export const JWT_SECRET = new TextEncoder().encode('test-secret-test-secret-test-secret-0123');

export interface Harness {
  app: AppContext;
  gateway: RunningGateway;
  database: TestDatabase;
  close(): Promise<void>;
}

export async function startHarness(opts: GatewayOptions = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const sandbox = await openSandbox();
  const config = loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: database.url });
  const app = await createContext({ config, databaseUrl: database.url, sandbox });
  const gateway = await startGateway(app, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET, ...opts });
  return {
    app, gateway, database,
    async close() {
      await gateway.close();
      await app.close();
      await sandbox.close();
      await database.drop();
    },
  };
}

/** Three SKUs in the source, the catalog and both malls (every mall starts at 0). */
export async function seedDemo(app: AppContext): Promise<void> {
  const sims = app.sandbox!.simulators!;
  sims.amazon.seed(3, { quantities: [20, 10, 4] });
  await app.catalog.upsertMappings(
    [1, 2, 3].map((n) => ({ amazonSku: `AMZ-00000${n}`, yahooItemCode: `y-${n}`, rakutenItemNumber: `r-${n}`, isActive: true })),
  );
  sims.yahoo.seed(['y-1', 'y-2', 'y-3'], 0);
  sims.rakuten.seed(['r-1', 'r-2', 'r-3'], 0);
}

export const token = (role: Role, name = `${role}-1`) => issueToken(JWT_SECRET, { name, role });

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

export async function gql<T = Record<string, any>>(
  url: string, query: string, variables: Record<string, unknown> = {}, bearer?: string,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T>['body'] };
}

export function wsClient(url: string, bearer: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${bearer}` }, retryAttempts: 0 });
}
