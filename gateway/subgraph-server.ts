// One subgraph as its own HTTP + WebSocket server (distributed mode). It answers only the gateway: every request
// must carry the shared gateway secret, and the caller's identity comes from the gateway, which authenticated it.
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { subscribe } from 'graphql';
import { CORRELATION_HEADER, correlated } from '../platform/log/correlation.js';
import { useServer } from 'graphql-ws/use/ws';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import type { AppContext } from '../app/context.js';
import { resolverServices, ROLES, type Actor, type SubgraphContext } from '../subgraphs/federation.js';
import { executeHttp, readBody, sendGraphQLError, sendJson } from './http.js';
import { countOpen } from './metrics.js';
import { buildSubgraphs, type SubgraphName } from './supergraph.js';

export const GATEWAY_SECRET_HEADER = 'x-tsunagi-gateway-secret';
export const ACTOR_HEADER = 'x-tsunagi-actor';

function sameSecret(given: unknown, expected: string): boolean {
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

class BadActorError extends Error {}

/** The caller the gateway names: none (anonymous), or a name with one of the known roles. */
function actorFrom(value: unknown): Actor | null {
  if (value === undefined || value === '') return null;
  let parsed: Partial<Actor> | null = null;
  try {
    parsed = typeof value === 'string' ? (JSON.parse(value) as Partial<Actor>) : null;
  } catch {
    // refused below
  }
  if (!parsed || typeof parsed.name !== 'string' || !ROLES.includes(parsed.role!)) {
    throw new BadActorError(`${ACTOR_HEADER} must name a caller with one of the roles ${ROLES.join(', ')}`);
  }
  return { name: parsed.name, role: parsed.role! };
}

export interface SubgraphServerOptions {
  port?: number;
  host?: string;
  /** The secret the gateway sends (TSUNAGI_SUBGRAPH_SECRET); 32+ characters. */
  secret: string;
  maxBodyBytes?: number;
}

export async function startSubgraphServer(app: AppContext, name: SubgraphName, opts: SubgraphServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const services = resolverServices(app);
  if (opts.secret.length < 32) throw new Error('the subgraph secret must be 32+ characters');
  const subgraph = (await buildSubgraphs()).find((s) => s.name === name)!;
  const server = new ApolloServer<SubgraphContext>({
    schema: subgraph.schema, csrfPrevention: true, introspection: false, plugins: [ApolloServerPluginInlineTraceDisabled()],
    // Whatever NODE_ENV says: the gateway passes errors on, and clients never see stack traces.
    includeStacktraceInErrorResponses: false,
  });
  await server.start();
  const maxBodyBytes = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The gateway holds one upstream subscription here per client subscription: this gauge shows they end together.
  const subscriptions = new Gauge({
    name: 'tsunagi_subgraph_subscriptions_active', help: 'Open subscriptions on this subgraph server',
    labelNames: ['subgraph'], registers: [registry],
  }).labels({ subgraph: name });
  subscriptions.set(0);

  const httpServer = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // Health stays open for orchestrators; everything else answers the gateway only.
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok', subgraph: name });
    if (path !== '/metrics' && path !== '/graphql') return sendJson(res, 404, { error: `no route ${path}` });
    if (!sameSecret(req.headers[GATEWAY_SECRET_HEADER], opts.secret)) {
      return sendGraphQLError(res, 401, 'UNAUTHENTICATED', 'subgraphs answer the gateway only');
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => sendJson(res, 500, { error: err.message }),
      );
      return;
    }
    let user: Actor | null;
    try {
      user = actorFrom(req.headers[ACTOR_HEADER]);
    } catch (err) {
      if (!(err instanceof BadActorError)) throw err;
      return sendGraphQLError(res, 400, 'BAD_REQUEST', err.message);
    }
    // The gateway's request id: one id across the gateway's and the subgraphs' logs.
    const caller = req.headers[CORRELATION_HEADER];
    void correlated(async () => {
      const body = await readBody(req, maxBodyBytes);
      await executeHttp(server, req, res, body, async () => ({ services, user, loaders: new Map() }));
    }, typeof caller === 'string' ? caller : undefined).catch((err) => {
      app.logger.error({ err, subgraph: name }, 'subgraph request failed');
      if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'internal error');
      else res.end();
    });
  });

  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: maxBodyBytes });
  const ws = useServer<Record<string, unknown> | undefined>(
    {
      schema: subgraph.schema,
      onConnect: (ctx) => {
        if (!sameSecret(ctx.connectionParams?.[GATEWAY_SECRET_HEADER], opts.secret)) return false;
        try {
          actorFrom(ctx.connectionParams?.[ACTOR_HEADER]);
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx): SubgraphContext => ({ services, user: actorFrom(ctx.connectionParams?.[ACTOR_HEADER]), loaders: new Map() }),
      async subscribe(args) {
        const result = await subscribe(args);
        return Symbol.asyncIterator in result ? countOpen(subscriptions, result) : result;
      },
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = httpServer.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    async close() {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await server.stop();
    },
  };
}
