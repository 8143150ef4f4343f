// The gateway process: Apollo Gateway composing the six subgraphs behind one /graphql, JWT auth, limits,
// subscriptions over graphql-ws, health and metrics. In-process mode (the default, `npm start`) executes the
// subgraph schemas directly; distributed mode calls subgraph servers by URL.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, LocalGraphQLDataSource, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  getOperationAST, GraphQLError, parse, print, subscribe, validate,
  type DocumentNode, type ExecutionResult, type GraphQLSchema,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { AppContext } from '../app/context.js';
import type { Actor, SubgraphContext } from '../subgraphs/federation.js';
import { AuthError, authenticate, resolveJwtSecret } from './auth.js';
import { BodyTooLargeError, executeHttp, readBody, sendGraphQLError, sendJson } from './http.js';
import { checkLimits, DEFAULT_LIMITS, type Limits } from './limits.js';
import { createMetrics } from './metrics.js';
import { ACTOR_HEADER, GATEWAY_SECRET_HEADER } from './subgraph-server.js';
import { createSubscriptionRouter, type SubscriptionResult } from './subscriptions.js';
import { buildSubgraphs, composeSupergraph, SUBGRAPH_NAMES, type SubgraphName } from './supergraph.js';

export interface GatewayOptions {
  /** Default: PORT, else 4000. 0 picks a free port. */
  port?: number;
  /** Default: HOST, else 127.0.0.1. */
  host?: string;
  /** Distributed mode: each subgraph server's base URL (its GraphQL endpoint is <url>/graphql). */
  subgraphUrls?: Record<SubgraphName, string>;
  /** The secret subgraph servers require from the gateway (distributed mode). Default: TSUNAGI_SUBGRAPH_SECRET. */
  subgraphSecret?: string;
  /** HS256 key. Default: TSUNAGI_JWT_SECRET, else the key kept in dataDir (see resolveJwtSecret). */
  jwtSecret?: Uint8Array;
  /** Default: TSUNAGI_GRAPHQL_INTROSPECTION=true, else off. */
  introspection?: boolean;
  limits?: Partial<Limits>;
  /** Default 32 MiB: SKU masters and inventory reports arrive base64-encoded in mutations. */
  maxBodyBytes?: number;
  /** Per caller (token subject). Default 1200. */
  requestsPerMinute?: number;
}

export interface RunningGateway {
  /** http://host:port/graphql */
  url: string;
  /** ws://host:port/graphql */
  wsUrl: string;
  close(): Promise<void>;
}

type Caller = Actor;

/** Forwards the authenticated caller to a subgraph server, with the secret that proves the gateway sent it. */
class SubgraphDataSource extends RemoteGraphQLDataSource<SubgraphContext> {
  constructor(url: string, private readonly secret: string) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<SubgraphContext>): void {
    request.http?.headers.set(GATEWAY_SECRET_HEADER, this.secret);
    if ('user' in context && context.user) request.http?.headers.set(ACTOR_HEADER, JSON.stringify(context.user));
  }
}

/** A fixed one-minute window per caller: cheap, and enough to stop one partner starving the others. */
function rateLimiter(perMinute: number) {
  let window = 0;
  let counts = new Map<string, number>();
  return (caller: string): boolean => {
    const now = Math.floor(Date.now() / 60_000);
    if (now !== window) {
      window = now;
      counts = new Map();
    }
    const n = (counts.get(caller) ?? 0) + 1;
    counts.set(caller, n);
    return n <= perMinute;
  };
}

export async function startGateway(app: AppContext, opts: GatewayOptions = {}): Promise<RunningGateway> {
  const env = process.env;
  const jwtSecret = opts.jwtSecret ?? resolveJwtSecret(env, app.config.dataDir);
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const maxBodyBytes = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const allow = rateLimiter(opts.requestsPerMinute ?? 1200);
  const distributed = opts.subgraphUrls;
  const subgraphSecret = opts.subgraphSecret ?? env.TSUNAGI_SUBGRAPH_SECRET ?? '';
  if (distributed && subgraphSecret.length < 32) throw new Error('distributed mode needs a subgraph secret of 32+ characters (TSUNAGI_SUBGRAPH_SECRET)');

  const subgraphs = await buildSubgraphs();
  const schemaOf = (name: string) => subgraphs.find((s) => s.name === name)!.schema;
  const supergraphSdl = composeSupergraph(subgraphs, distributed ? Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `${distributed[n]}/graphql`])) : {});
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => (distributed ? new SubgraphDataSource(url!, subgraphSecret) : new LocalGraphQLDataSource(schemaOf(name))),
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => void (apiSchema = schema));

  const metrics = createMetrics();
  const limitsPlugin: ApolloServerPlugin<SubgraphContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          const [error] = checkLimits(document, operation!, request.variables ?? {}, limits);
          if (error) throw error;
        },
      };
    },
  };
  const server = new ApolloServer<SubgraphContext>({
    gateway,
    introspection: opts.introspection ?? env.TSUNAGI_GRAPHQL_INTROSPECTION === 'true',
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // The process owner (main.ts, serve.ts) handles signals and closes the gateway in order.
    stopOnTerminationSignals: false,
    plugins: [metrics.plugin, limitsPlugin],
  });
  await server.start();
  const schema = apiSchema!;
  const contextFor = (user: Caller): SubgraphContext => ({ app, user, loaders: new Map() });

  async function runOperation(document: DocumentNode, variables: Record<string, unknown> | undefined, user: Caller, operationName?: string | null) {
    const response = await server.executeOperation(
      { query: print(document), variables: variables ?? undefined, operationName: operationName ?? undefined },
      { contextValue: contextFor(user) },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported over WebSocket');
    return response.body.singleResult as ExecutionResult;
  }

  // Distributed subscriptions: one multiplexed graphql-ws connection per subgraph and caller identity.
  const upstreamClients = new Map<string, Client>();
  function upstreamClient(name: SubgraphName, user: Caller): Client {
    const id = `${name}:${user.role}:${user.name}`;
    let client = upstreamClients.get(id);
    if (!client) {
      client = createClient({
        url: `${distributed![name].replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { [GATEWAY_SECRET_HEADER]: subgraphSecret, [ACTOR_HEADER]: JSON.stringify(user) },
        lazy: true,
        retryAttempts: 3,
      });
      upstreamClients.set(id, client);
    }
    return client;
  }

  const router = createSubscriptionRouter<Caller>({
    supergraphSdl,
    apiSchema: schema,
    async upstream(name, document, variables, user): Promise<SubscriptionResult> {
      if (distributed) {
        // Errors arrive already formatted (plain objects); they are passed on to the client as they are.
        return upstreamClient(name as SubgraphName, user).iterate({ query: print(document), variables }) as AsyncIterableIterator<ExecutionResult>;
      }
      return subscribe({ schema: schemaOf(name), document, variableValues: variables, contextValue: contextFor(user) });
    },
    query: (document, variables, user) => runOperation(document, variables, user),
  });

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((err) => {
      app.logger.error({ err }, 'gateway request failed');
      if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'internal error');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return sendJson(res, ...(await readiness()));
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (path !== '/graphql') return sendJson(res, 404, { error: `no route ${path}` });
    let user: Caller;
    try {
      user = await authenticate(jwtSecret, req.headers.authorization);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      return sendGraphQLError(res, 401, 'UNAUTHENTICATED', err.message, { 'www-authenticate': 'Bearer' });
    }
    if (!allow(user.name)) return sendGraphQLError(res, 429, 'RATE_LIMITED', 'too many requests; try again in a minute', { 'retry-after': '60' });
    let body: string;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', err.message);
    }
    await executeHttp(server, req, res, body, async () => contextFor(user));
  }

  async function readiness(): Promise<[number, unknown]> {
    const checks: Record<string, string> = {};
    await app.db.em().getConnection().execute('select 1').then(
      () => void (checks.database = 'ok'),
      (err: Error) => void (checks.database = err.message),
    );
    for (const name of SUBGRAPH_NAMES) {
      if (!distributed) checks[name] = 'ok (in-process)';
      else {
        checks[name] = await fetch(`${distributed[name]}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => (r.ok ? 'ok' : `HTTP ${r.status}`),
          (err: Error) => err.message,
        );
      }
    }
    const ready = Object.values(checks).every((v) => v.startsWith('ok'));
    return [ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks }];
  }

  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: maxBodyBytes });
  const ws = useServer<Record<string, unknown> | undefined, { user?: Caller }>(
    {
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        try {
          ctx.extra.user = await authenticate(jwtSecret, String(params.authorization ?? params.Authorization ?? ''));
        } catch {
          // 4401 tells the client to fetch a token rather than retry with the same one.
          ctx.extra.socket.close(4401, 'Unauthorized');
          return false;
        }
        return true;
      },
      onSubscribe(ctx, _id, payload) {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err as GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('the document has no operation to run (give operationName)')];
        const tooComplex = checkLimits(document, operation, payload.variables ?? {}, limits);
        if (tooComplex.length) return tooComplex;
        if (!allow(ctx.extra.user!.name)) return [new GraphQLError('too many requests; try again in a minute', { extensions: { code: 'RATE_LIMITED' } })];
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: ctx.extra.user };
      },
      execute: (args) => runOperation(args.document, args.variableValues ?? undefined, args.contextValue as Caller, args.operationName),
      async subscribe(args) {
        const operation = getOperationAST(args.document, args.operationName)!;
        const result = await router.subscribe(args.document, operation, args.variableValues ?? {}, args.contextValue as Caller);
        return Symbol.asyncIterator in result ? counted(result) : result;
      },
    },
    wss,
  );

  /** Keeps the open-subscriptions gauge right however a subscription ends. */
  function counted(source: AsyncIterableIterator<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
    metrics.subscriptions.inc();
    let open = true;
    const end = () => {
      if (open) metrics.subscriptions.dec();
      open = false;
    };
    return {
      async next() {
        const r = await source.next();
        if (r.done) end();
        return r;
      },
      async return() {
        end();
        return (await source.return?.()) ?? { value: undefined, done: true };
      },
      async throw(err) {
        end();
        return source.throw ? source.throw(err) : Promise.reject(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? Number(env.PORT || 4000), opts.host ?? env.HOST ?? '127.0.0.1', () => resolve());
  });
  const address = httpServer.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  app.logger.info({ url: `http://${hostPart}:${address.port}/graphql`, mode: distributed ? 'distributed' : 'in-process' }, 'gateway listening');

  return {
    url: `http://${hostPart}:${address.port}/graphql`,
    wsUrl: `ws://${hostPart}:${address.port}/graphql`,
    async close() {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await Promise.all([...upstreamClients.values()].map((c) => c.dispose()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await server.stop();
    },
  };
}

export { issueToken, resolveJwtSecret } from './auth.js';
