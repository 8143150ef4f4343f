// A whole Tsunagi (test/support/app.ts) with a gateway on 127.0.0.1, and HTTP and graphql-ws clients for it.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createContext, type AppContext } from '../../app/context.js';
import { issueToken } from '../../platform/auth/tokens.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/index.js';
import type { Config } from '../../platform/config/index.js';
import type { Role } from '../../subgraphs/federation.js';
import { createTestApp, seed, type TestApp, type TestAppOptions } from '../support/app.js';

export const JWT_SECRET = new TextEncoder().encode('test-secret-test-secret-test-secret-0123');

export interface Harness {
  app: TestApp;
  gateway: RunningGateway;
  close(): Promise<void>;
}

export async function startHarness(opts: GatewayOptions = {}, appOpts: TestAppOptions = {}): Promise<Harness> {
  const app = await createTestApp(appOpts);
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

/** How test clients' WebSockets ended other than normally: named when a wait for a subscription times out. */
const wsTrouble: string[] = [];

export function wsClient(url: string, bearer: string): Client {
  return createClient({
    url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${bearer}` }, retryAttempts: 0,
    on: {
      closed: (e) => {
        const { code, reason } = e as { code?: number; reason?: string };
        if (code !== 1000) wsTrouble.push(`${new Date().toISOString()} ${url} closed ${code ?? '?'} ${reason ?? ''}`);
      },
      error: (err) => void wsTrouble.push(`${new Date().toISOString()} ${url} error ${(err as Error)?.message ?? String(err)}`),
    },
  });
}

/** The app as a process configured with this `gateway:` section would see it (startGateway reads it from config). */
export function withGatewayConfig(ctx: AppContext, gateway: Partial<Config['gateway']>): AppContext {
  return { ...ctx, config: { ...ctx.config, gateway: { ...ctx.config.gateway, ...gateway } } };
}

/**
 * Another Tsunagi process on the same database: its own context (own event bus connection, so events reach it
 * through PostgreSQL LISTEN/NOTIFY, own connectors) and its own gateway. The marketplaces are the same simulators.
 */
export async function startSecondInstance(app: TestApp, opts: GatewayOptions = {}): Promise<{ ctx: AppContext; gateway: RunningGateway; close(): Promise<void> }> {
  const ctx = await createContext({ config: app.ctx.config, databaseUrl: app.t.url, sandbox: app.sandbox });
  try {
    const gateway = await startGateway(ctx, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET, ...opts });
    return {
      ctx, gateway,
      async close() {
        await gateway.close();
        await ctx.close();
      },
    };
  } catch (err) {
    await ctx.close();
    throw err;
  }
}

/** `promise`, or a rejection naming `what` after `ms`: every wait in these tests is bounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `probe` until it returns something other than undefined, for at most `ms`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number, what: string | (() => string)): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A metric's value (summed over its label sets) from a server's Prometheus /metrics. */
export async function metric(baseUrl: string, name: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  if (!res.ok) throw new Error(`${baseUrl}/metrics answered ${res.status}`);
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Waits until a metric shows `value`. */
export async function metricReaches(baseUrl: string, name: string, value: number, ms = 15_000, headers: Record<string, string> = {}): Promise<void> {
  let last: number | undefined;
  const what = () => `${name} = ${value} at ${baseUrl} (last seen ${last})${wsTrouble.length ? `; WebSockets: ${wsTrouble.join('; ')}` : ''}`;
  await waitFor(async () => ((last = await metric(baseUrl, name, headers)) === value ? true : undefined), ms, what);
}

export const baseOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '');
