// A whole Tsunagi (test/support/app.ts) with a gateway on 127.0.0.1, and HTTP and graphql-ws clients for it.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { issueToken } from '../../gateway/auth.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/index.js';
import type { Role } from '../../subgraphs/federation.js';
import { createTestApp, seed, type TestApp } from '../support/app.js';

export const JWT_SECRET = new TextEncoder().encode('test-secret-test-secret-test-secret-0123');

export interface Harness {
  app: TestApp;
  gateway: RunningGateway;
  close(): Promise<void>;
}

export async function startHarness(opts: GatewayOptions = {}): Promise<Harness> {
  const app = await createTestApp();
  try {
    const gateway = await startGateway(app.ctx, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET, ...opts });
    return {
      app, gateway,
      async close() {
        await gateway.close();
        await app.close();
      },
    };
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** Three SKUs in the source, the catalog and both malls, every listing at 0. */
export const seedDemo = (app: TestApp) =>
  seed(app, [{ sku: 'AMZ-000001', quantity: 20 }, { sku: 'AMZ-000002', quantity: 10 }, { sku: 'AMZ-000003', quantity: 4 }]);

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
