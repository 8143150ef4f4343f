// The gateway process: Apollo Gateway composing the six subgraphs behind one /graphql, JWT auth, limits,
// subscriptions over graphql-ws, health and metrics. In-process mode (the default, `npm start`) executes the
// subgraph schemas directly; distributed mode calls subgraph servers by URL.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  execute, getOperationAST, GraphQLError, parse, print, specifiedRules, subscribe, validate,
  type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { AppContext } from '../app/context.js';
import type { Config } from '../platform/config/index.js';
import { resolverServices, type Actor, type SubgraphContext } from '../subgraphs/federation.js';
import { apiTokenVerifier, AuthError, AuthUnavailableError, authenticate, signingKey, verifyBearer, type JwtVerifier } from '../platform/auth/tokens.js';
import { clientErrorFormatter, redact } from './errors.js';
import { BodyTooLargeError, executeHttp, listenHttp, readBody, sendGraphQLError, sendJson } from './http.js';
import { introspectionRules } from './introspection.js';
import { checkLimits, rememberedLimits, selectOperation, type Limits } from './limits.js';
import { countOpen, createMetrics } from './metrics.js';
import { Registry } from 'prom-client';
import { ACTOR_HEADER, GATEWAY_SECRET_HEADER } from './subgraph-server.js';
import { connectionCounter, rateLimiter } from './rate.js';
import { createMediaHandler } from './media.js';
import { createStaticHandler } from './static.js';
import { multicast, type Delivery } from './multicast.js';
import { createSubscriptionRouter, type SubscriptionResult } from './subscriptions.js';
import { announceWebhookUrls, createWebhookIngress } from './webhooks.js';
import { announceHub } from '../app/hub-presence.js';
import { CORRELATION_HEADER, correlated, currentCorrelation } from '../platform/log/correlation.js';
import { buildSubgraphs, composeSupergraph, SUBGRAPH_NAMES, type SubgraphName } from './supergraph.js';

/** Each option overrides the `gateway:` section of the config (config/config.yaml). */
export interface GatewayOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Distributed mode: each subgraph server's base URL (its GraphQL endpoint is <url>/graphql). */
  subgraphUrls?: Record<SubgraphName, string>;
  /** The secret subgraph servers require from the gateway (distributed mode). */
  subgraphSecret?: string;
  /** HS256 key. Without one in options or config (and no JWKS URL): the key kept in dataDir (see resolveJwtSecret). */
  jwtSecret?: Uint8Array;
  /** An identity provider's JWKS; its tokens (RS256, ES256, ...) are accepted besides HS256 ones. */
  jwksUrl?: string;
  /** Default: config gateway.introspection, else on in sandbox mode only. */
  introspection?: boolean;
  /** GraphiQL at GET /graphql for browsers. Default: config gateway.graphiql, else on in sandbox mode only. */
  graphiql?: boolean;
  /** The built dashboard; default dist/web. */
  dashboardRoot?: string;
  limits?: Partial<Limits>;
  maxBodyBytes?: number;
  /** Per client address, before authentication: /graphql requests and WebSocket connections. */
  requestsPerMinute?: number;
  /** Per caller (token subject): each operation, HTTP or WebSocket, charges its cost (see Limits). */
  costPerMinute?: number;
  /** Open WebSockets per caller (token subject) and per client address. */
  socketsPerClient?: number;
  socketsPerAddress?: number;
  /** HTTP operations executed at once; the rest wait their turn in arrival order. Default 64 (see `slots`). */
  maxConcurrentOperations?: number;
  /**
   * Distributed mode: how long an upstream subscription whose subgraph went away keeps trying to come back
   * before the client's subscription ends with SUBGRAPH_UNAVAILABLE. Delays double from baseDelayMs (max 5 s).
   * Default: 8 attempts from 250 ms, about 23 s.
   */
  upstreamRetry?: { attempts: number; baseDelayMs: number };
}

export interface RunningGateway {
  /** http://host:port/graphql */
  url: string;
  /** ws://host:port/graphql */
  wsUrl: string;
  close(): Promise<void>;
}

type Caller = Actor;
/** What a WebSocket operation runs with: the caller, and where its events go. */
type WsContext = Delivery & { user: Caller };

/**
 * A deep copy of a subgraph fetch's result (plain JSON data: objects, arrays, scalars): about twice as fast as a
 * JSON round trip, which the gateway benchmark's CPU profile showed among the largest costs of shared fetches.
 */
function copyResult<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyResult) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyResult((value as Record<string, unknown>)[key]);
  return out as T;
}

/**
 * Identical subgraph fetches of queries in flight at the same time run once (Hive Gateway and Apollo Router do
 * the same). Keyed by caller, so nobody sees another caller's answer; the first gets the result, the others a
 * copy each (the gateway merges fetch results into its response in place). How many callers share one is bounded
 * by the operations executing at once (`slots`).
 */
function sharedFetches() {
  type Shared = { joiners: number; result: Promise<{ response: GatewayGraphQLResponse; copies: GatewayGraphQLResponse[] }> };
  const pending = new Map<string, Shared>();
  // Errors may be GraphQLError instances: copied as JSON, as they would come from a subgraph server.
  const copy = ({ data, errors, extensions }: GatewayGraphQLResponse): GatewayGraphQLResponse => ({
    data: copyResult(data), errors: errors && JSON.parse(JSON.stringify(errors)), extensions: copyResult(extensions),
  });
  return async (options: GraphQLDataSourceProcessOptions<SubgraphContext>, run: () => Promise<GatewayGraphQLResponse>): Promise<GatewayGraphQLResponse> => {
    if (!('incomingRequestContext' in options) || options.incomingRequestContext.operation?.operation !== 'query') return run();
    const { user } = options.context;
    // The caller part and the variables are JSON (no raw line breaks): the first and last \n delimit the query.
    const key = `${JSON.stringify([user?.role, user?.name])}\n${options.request.query}\n${JSON.stringify(options.request.variables ?? null)}`;
    const found = pending.get(key);
    if (found) {
      found.joiners++;
      return (await found.result).copies.pop()!;
    }
    const entry: Shared = {
      joiners: 0,
      // The copies are made as the fetch settles, before any caller resumes and merges into its response.
      result: run().then(
        (response) => {
          pending.delete(key);
          return { response, copies: Array.from({ length: entry.joiners }, () => copy(response)) };
        },
        (err: unknown) => {
          pending.delete(key);
          throw err;
        },
      ),
    };
    pending.set(key, entry);
    return (await entry.result).response;
  };
}

/**
 * In-process mode: runs a query plan's fetch on the subgraph schema. LocalGraphQLDataSource parses and validates
 * every fetch; fetch documents come from the gateway's query plans, so each is parsed and validated once.
 */
class InProcessDataSource implements GraphQLDataSource<SubgraphContext> {
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  private readonly shared = sharedFetches();

  constructor(private readonly schema: GraphQLSchema) {}

  process(options: GraphQLDataSourceProcessOptions<SubgraphContext>): Promise<GatewayGraphQLResponse> {
    return this.shared(options, () => this.run(options));
  }

  private async run({ request, context }: GraphQLDataSourceProcessOptions<SubgraphContext>): Promise<GatewayGraphQLResponse> {
    const query = request.query!;
    let document = this.documents.get(query);
    if (!document) {
      const parsed = parse(query);
      const errors = validate(this.schema, parsed);
      document = errors.length ? errors : parsed;
      // Bounded like the gateway's plan cache: the oldest entry goes first.
      if (this.documents.size >= 1000) this.documents.delete(this.documents.keys().next().value!);
      this.documents.set(query, document);
    }
    if (Array.isArray(document)) return { errors: document as GraphQLError[] };
    const result = await execute({
      schema: this.schema, document: document as DocumentNode, variableValues: request.variables,
      operationName: request.operationName, contextValue: context,
    });
    return result as ExecutionResult<Record<string, any>>;
  }
}

/** Forwards the authenticated caller to a subgraph server, with the secret that proves the gateway sent it. */
class SubgraphDataSource extends RemoteGraphQLDataSource<SubgraphContext> {
  constructor(url: string, private readonly secret: string) {
    super({ url });
  }

  private readonly shared = sharedFetches();

  override process(options: GraphQLDataSourceProcessOptions<SubgraphContext>): Promise<GatewayGraphQLResponse> {
    return this.shared(options, () => super.process(options));
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<SubgraphContext>): void {
    request.http?.headers.set(GATEWAY_SECRET_HEADER, this.secret);
    const correlation = currentCorrelation();
    if (correlation) request.http?.headers.set(CORRELATION_HEADER, correlation.id);
    if ('user' in context && context.user) request.http?.headers.set(ACTOR_HEADER, JSON.stringify(context.user));
  }
}

/**
 * At most `size` operations executing at once, the others queued first come, first served. The gateway is CPU bound
 * on one thread: with every request of 200 connections in progress at once, the work that became ready in one turn
 * of the event loop ran for hundreds of ms before the loop read a socket again (/healthz waited that long), and
 * whichever request the interleaving favoured finished first. Queued requests cost nothing but their wait; the
 * executing ones still fill the CPU and share their subgraph fetches.
 */
function slots(size: number) {
  if (!Number.isInteger(size) || size < 1) throw new Error(`maxConcurrentOperations must be a whole number of at least 1, got ${size}`);
  let free = size;
  const queue: (() => void)[] = [];
  return {
    acquire(): Promise<void> | void {
      if (free > 0) {
        free--;
        return;
      }
      return new Promise<void>((resolve) => queue.push(resolve));
    },
    release(): void {
      const next = queue.shift();
      if (next) next();
      else free++;
    },
  };
}

/** The configured subgraph URLs: none (in-process mode) or all six. */
function configuredSubgraphUrls(urls: Config['gateway']['subgraphs']['urls']): Record<SubgraphName, string> | undefined {
  const unknown = Object.keys(urls).filter((n) => !(SUBGRAPH_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`gateway.subgraphs.urls: unknown subgraph ${unknown.join(', ')}; subgraphs are ${SUBGRAPH_NAMES.join(', ')}`);
  const set = SUBGRAPH_NAMES.filter((n) => urls[n]);
  if (set.length === 0) return undefined;
  const missing = SUBGRAPH_NAMES.filter((n) => !urls[n]);
  if (missing.length) throw new Error(`gateway.subgraphs.urls: distributed mode needs all six subgraph URLs; missing ${missing.join(', ')}`);
  return Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, urls[n]!.replace(/\/+$/, '')])) as Record<SubgraphName, string>;
}

function jwtVerifierFor(app: AppContext, opts: GatewayOptions): JwtVerifier {
  return apiTokenVerifier(app.config, { secret: opts.jwtSecret, jwksUrl: opts.jwksUrl });
}

/** An upstream subscription whose failure reaches the client as one clear error, after which it ends. */
function endsWithError(
  subgraph: string, source: AsyncIterableIterator<ExecutionResult>, logger: AppContext['logger'],
): AsyncIterableIterator<ExecutionResult> {
  return {
    async next() {
      try {
        return await source.next();
      } catch (err) {
        // The reason (a refused connection, a close code) names the subgraph's address: for the logs only.
        logger.warn({ subgraph, reason: err instanceof Error || Array.isArray(err) ? err : String((err as { message?: unknown })?.message ?? err) }, 'upstream subscription ended');
        throw new GraphQLError(`the ${subgraph} subgraph is unavailable; subscribe again later`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
      }
    },
    return: async () => (await source.return?.()) ?? { value: undefined, done: true },
    throw: async (err) => (source.throw ? source.throw(err) : Promise.reject(err)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Upstream keep-alive: a subgraph that stops answering pings is treated as gone rather than waited on forever. */
const PING_INTERVAL_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;

/** Closes a socket with 4401 (fetch a new token) when its token expires; returns the cancel. */
function closeWhenExpired(socket: WebSocket, expiresAt: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) return socket.close(4401, 'Token expired');
    // setTimeout takes at most 2^31-1 ms (24.8 days): longer tokens re-arm.
    timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
  };
  arm();
  return () => clearTimeout(timer);
}

/** 4429: graphql-ws clients do not retry it. */
const TOO_MANY = 4429;

const addressOf = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

// Apollo Server reads http.headers as a Map (a HeaderMap); graphql-yoga's typings, also installed, say a record.
const rateLimited = (wait: number) => new GraphQLError(`too many requests; try again in ${wait} s`, {
  extensions: {
    code: 'RATE_LIMITED', retryAfter: wait,
    http: { status: 429, headers: new HeaderMap([['retry-after', String(wait)]]) as unknown as Record<string, string> },
  },
});

export async function startGateway(app: AppContext, opts: GatewayOptions = {}): Promise<RunningGateway> {
  const config = app.config.gateway;
  const { maxDepth, maxCost, maxAliases, maxListLength, maxTokens } = config.limits;
  const limits: Limits = { maxDepth, maxCost, maxAliases, maxListLength, maxTokens, ...opts.limits };
  const maxBodyBytes = opts.maxBodyBytes ?? config.limits.maxBodyBytes;
  const distributed = opts.subgraphUrls ?? configuredSubgraphUrls(config.subgraphs.urls);
  const subgraphSecret = opts.subgraphSecret ?? config.subgraphs.secret ?? '';
  if (distributed && subgraphSecret.length < 32) throw new Error('distributed mode needs a subgraph secret of 32+ characters (TSUNAGI_SUBGRAPH_SECRET)');
  const verifier = jwtVerifierFor(app, opts);
  // Per address before authentication (floods, 401s included), per caller by cost, sockets per caller and address.
  const addressRate = rateLimiter(opts.requestsPerMinute ?? config.limits.requestsPerMinute);
  const costRate = rateLimiter(opts.costPerMinute ?? config.limits.costPerMinute);
  const socketsPerAddress = connectionCounter(opts.socketsPerAddress ?? config.limits.socketsPerAddress);
  const socketsPerCaller = connectionCounter(opts.socketsPerClient ?? config.limits.socketsPerClient);
  const introspection = opts.introspection ?? config.introspection ?? app.config.sandbox;
  const formatError = clientErrorFormatter({ hideSuggestions: !introspection, logger: app.logger });
  const running = slots(opts.maxConcurrentOperations ?? 64);
  // 250 ms doubling to 5 s: about 23 s for a subgraph to come back.
  const retry = opts.upstreamRetry ?? { attempts: 8, baseDelayMs: 250 };

  const subgraphs = await buildSubgraphs();
  const schemaOf = (name: string) => subgraphs.find((s) => s.name === name)!.schema;
  const supergraphSdl = composeSupergraph(subgraphs, distributed ? Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `${distributed[n]}/graphql`])) : {});
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => (distributed ? new SubgraphDataSource(url!, subgraphSecret) : new InProcessDataSource(schemaOf(name))),
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => void (apiSchema = schema));

  const metrics = createMetrics();
  app.hub.registerMetrics(metrics.connectors);
  // The hub's metrics (external calls, runs, alerts, credential expiry) beside the gateway's, counted from now on.
  const hubMetrics = await app.hubMetrics();
  // HTTP operations, after parsing (bounded by maxTokens) and validation, before planning. Operations run by
  // executeOperation (no `http`) come from the WebSocket, checked and charged in onSubscribe, or from the
  // subscription router, derived from such an operation.
  let httpLimits: ReturnType<typeof rememberedLimits> | undefined;
  const limitsPlugin: ApolloServerPlugin<SubgraphContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, schema: apiSchema, contextValue }) {
          if (!request.http) return;
          const operation = selectOperation(document, request.operationName, false);
          if (operation instanceof GraphQLError) throw operation;
          httpLimits ??= rememberedLimits(apiSchema, limits);
          const { cost, errors } = httpLimits(document, operation, request.variables);
          if (errors.length) throw errors[0];
          const wait = costRate.take(contextValue.user!.name, cost);
          if (wait) throw rateLimited(wait);
        },
      };
    },
  };
  const validationRules = introspectionRules(introspection);
  const server = new ApolloServer<SubgraphContext>({
    gateway,
    // Refused by our own rule (introspection.ts), whose error names the setting.
    introspection: true,
    validationRules,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    formatError,
    parseOptions: { maxTokens: limits.maxTokens },
    // The process owner (main.ts, serve.ts) handles signals and closes the gateway in order.
    stopOnTerminationSignals: false,
    plugins: [metrics.plugin, limitsPlugin],
  });
  await server.start();
  const schema = apiSchema!;
  const services = resolverServices(app);
  const contextFor = (user: Caller): SubgraphContext => ({ services, user, loaders: new Map() });

  async function runOperation(document: DocumentNode, variables: Record<string, unknown> | undefined, user: Caller, operationName?: string | null) {
    const response = await server.executeOperation(
      { query: print(document), variables: variables ?? undefined, operationName: operationName ?? undefined },
      { contextValue: contextFor(user) },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported over WebSocket');
    return response.body.singleResult as ExecutionResult;
  }

  // Distributed subscriptions: one multiplexed graphql-ws connection per subgraph and caller identity. A lost
  // connection (subgraph restart) reconnects and graphql-ws resubscribes every open subscription on it; when the
  // retries run out, each subscription ends with SUBGRAPH_UNAVAILABLE (endsWithError).
  const upstreamClients = new Map<string, Client>();
  function upstreamClient(name: SubgraphName, user: Caller): Client {
    const id = `${name}:${user.role}:${user.name}`;
    let client = upstreamClients.get(id);
    if (!client) {
      let socket: WebSocket | undefined;
      let pongTimer: NodeJS.Timeout | undefined;
      client = createClient({
        url: `${distributed![name].replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { [GATEWAY_SECRET_HEADER]: subgraphSecret, [ACTOR_HEADER]: JSON.stringify(user) },
        lazy: true,
        retryAttempts: retry.attempts,
        // Retry refused connections too (graphql-ws only retries close events by default): a restarting subgraph
        // refuses connections until it listens again.
        shouldRetry: () => true,
        retryWait: (retries) => new Promise((r) => setTimeout(r, Math.min(5000, retry.baseDelayMs * 2 ** retries) * (0.75 + Math.random() / 2))),
        keepAlive: PING_INTERVAL_MS,
        on: {
          connected: (s) => void (socket = s as WebSocket),
          closed: () => clearTimeout(pongTimer),
          ping: (received) => {
            if (received) return;
            // 4408 is not fatal for graphql-ws: the client reconnects and resubscribes.
            pongTimer = setTimeout(() => socket?.readyState === WebSocket.OPEN && socket.close(4408, 'Pong timeout'), PONG_TIMEOUT_MS);
          },
          pong: (received) => void (received && clearTimeout(pongTimer)),
        },
      });
      upstreamClients.set(id, client);
    }
    return client;
  }

  const shared = multicast((errors) => formatAll(errors));
  const router = createSubscriptionRouter<Caller>({
    supergraphSdl,
    apiSchema: schema,
    async upstream(name, document, variables, user): Promise<SubscriptionResult> {
      if (distributed) {
        // Errors in events arrive already formatted (plain objects); onNext formats them again for the client.
        // graphql-ws re-sends this same payload when it resubscribes, with the resume point the router keeps in
        // `variables` (subscriptions.ts).
        const source = upstreamClient(name as SubgraphName, user).iterate({ query: print(document), variables });
        return endsWithError(name, source as AsyncIterableIterator<ExecutionResult>, app.logger);
      }
      return subscribe({ schema: schemaOf(name), document, variableValues: variables, contextValue: contextFor(user) });
    },
    query: (document, variables, user) => runOperation(document, variables, user),
  });

  const dashboard = createStaticHandler({
    root: opts.dashboardRoot,
    sandbox: app.config.sandbox,
    timezone: app.config.timezone,
    graphiql: opts.graphiql ?? config.graphiql ?? app.config.sandbox,
    signingKey: app.config.sandbox ? (opts.jwtSecret ?? signingKey(app.config)) : undefined,
  });

  const webhooks = createWebhookIngress(app);
  const media = createMediaHandler({ store: app.media.store, logger: app.logger });

  const httpServer = createServer((req, res) => {
    // Each request (a GraphQL operation, a webhook delivery) is one unit of work in the log: the caller's id when it
    // sends one, a new one otherwise, given back so the caller can find it.
    const caller = req.headers[CORRELATION_HEADER];
    correlated(() => {
      res.setHeader(CORRELATION_HEADER, currentCorrelation()!.id);
      return handle(req, res);
    }, typeof caller === 'string' ? caller : undefined).catch((err) => {
      app.logger.error({ err }, 'gateway request failed');
      if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'internal error');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    // Signed by their senders and limited per route; never counted against an address's GraphQL allowance.
    if (await webhooks(req, res, path)) return;
    // Readiness queries the database and every subgraph, GraphQL does far more: both count against the address.
    const addressWait = path === '/readyz' || path === '/graphql' ? addressRate.take(addressOf(req)) : 0;
    if (addressWait) return sendGraphQLError(res, 429, 'RATE_LIMITED', `too many requests; try again in ${addressWait} s`, { 'retry-after': String(addressWait) });
    if (path === '/readyz') return sendJson(res, ...(await readiness()));
    if (path === '/metrics') {
      const registry = Registry.merge([metrics.registry, hubMetrics.registry]);
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(await registry.metrics());
      return;
    }
    if (await media(req, res, path)) return;
    if (await dashboard(req, res, path)) return;
    if (path !== '/graphql') return sendJson(res, 404, { error: `no route ${path}` });
    let user: Caller;
    try {
      user = await authenticate(verifier, req.headers.authorization);
    } catch (err) {
      if (err instanceof AuthUnavailableError) return sendGraphQLError(res, 503, 'AUTH_UNAVAILABLE', err.message, { 'retry-after': '5' });
      if (!(err instanceof AuthError)) throw err;
      return sendGraphQLError(res, 401, 'UNAUTHENTICATED', err.message, { 'www-authenticate': 'Bearer' });
    }
    let body: string;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', err.message);
    }
    await running.acquire();
    try {
      await executeHttp(server, req, res, body, async () => contextFor(user));
    } finally {
      running.release();
    }
  }

  async function readiness(): Promise<[number, unknown]> {
    const checks: Record<string, string> = {};
    await app.db.ping().then(
      () => void (checks.database = 'ok'),
      (err: Error) => void (checks.database = redact(err.message)),
    );
    for (const name of SUBGRAPH_NAMES) {
      if (!distributed) checks[name] = 'ok (in-process)';
      else {
        checks[name] = await fetch(`${distributed[name]}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => (r.ok ? 'ok' : `HTTP ${r.status}`),
          (err: Error) => redact(err.message),
        );
      }
    }
    const ready = Object.values(checks).every((v) => v.startsWith('ok'));
    return [ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks }];
  }

  // Refused at the upgrade: an address over its request allowance (as an HTTP request would be).
  // No permessage-deflate (ws's default, stated because multicast writes ready-made frames to the sockets).
  const wss = new WebSocketServer({
    server: httpServer, path: '/graphql', maxPayload: maxBodyBytes, perMessageDeflate: false,
    verifyClient: ({ req }, done) => {
      const wait = addressRate.take(addressOf(req));
      if (wait) done(false, 429, 'Too Many Requests', { 'retry-after': String(wait) });
      else done(true);
    },
  });
  // Registered before graphql-ws's own listener: a socket over its address's cap is closed before it is served.
  wss.on('connection', (socket, req) => {
    const address = addressOf(req);
    if (!socketsPerAddress.acquire(address)) return socket.close(TOO_MANY, 'Too many connections from this address');
    socket.once('close', () => socketsPerAddress.release(address));
  });
  /** A WebSocket's errors are coded like HTTP ones: graphql-js's own (parse, validation) carry none; our rules' keep theirs. */
  const coded = (errors: readonly GraphQLError[], code: string) =>
    errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { code, ...e.extensions } }));
  const formatAll = (errors: readonly (GraphQLError | GraphQLFormattedError)[]) =>
    errors.map((e) => (e instanceof GraphQLError ? formatError(e.toJSON(), e) : formatError(e)));
  const ws = useServer<Record<string, unknown> | undefined, { user?: Caller }>(
    {
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const { socket } = ctx.extra;
        let expiresAt: number;
        try {
          ({ actor: ctx.extra.user, expiresAt } = await verifyBearer(verifier, String(params.authorization ?? params.Authorization ?? '')));
        } catch (err) {
          // 4401 tells the client to fetch a token rather than retry with the same one; 1011 to retry later.
          if (err instanceof AuthUnavailableError) socket.close(1011, 'Authentication unavailable');
          else socket.close(4401, 'Unauthorized');
          return false;
        }
        // Gone while its token was checked: nothing to count or to time.
        if (socket.readyState !== WebSocket.OPEN) return false;
        const caller = ctx.extra.user.name;
        if (!socketsPerCaller.acquire(caller)) {
          socket.close(TOO_MANY, 'Too many connections for this client');
          return false;
        }
        const cancel = closeWhenExpired(socket, expiresAt);
        socket.once('close', () => {
          cancel();
          socketsPerCaller.release(caller);
        });
        return true;
      },
      onSubscribe(ctx, id, payload) {
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (err) {
          return coded([err as GraphQLError], 'GRAPHQL_PARSE_FAILED');
        }
        const invalid = validate(schema, document, [...specifiedRules, ...validationRules]);
        if (invalid.length) return coded(invalid, 'GRAPHQL_VALIDATION_FAILED');
        const operation = selectOperation(document, payload.operationName, true);
        if (operation instanceof GraphQLError) return [operation];
        const { cost, errors } = checkLimits(schema, document, operation, payload.variables, limits);
        if (errors.length) return errors;
        const wait = costRate.take(ctx.extra.user!.name, cost);
        if (wait) return [rateLimited(wait)];
        const context: WsContext = { user: ctx.extra.user!, socket: ctx.extra.socket, id };
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: context };
      },
      execute: (args) => runOperation(args.document, args.variableValues ?? undefined, (args.contextValue as WsContext).user, args.operationName),
      // Errors in results come as GraphQLErrors (in-process subscriptions) or already formatted (Apollo Server, subgraph
      // servers): either way they go through the same formatter as HTTP answers (subscription events: see multicast).
      onNext(_ctx, _id, _payload, _args, result) {
        if (!result.errors?.length) return undefined;
        return { ...result, errors: formatAll(result.errors) };
      },
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
      async subscribe(args) {
        const operation = getOperationAST(args.document, args.operationName)!;
        const { user: caller, ...delivery } = args.contextValue as WsContext;
        // Same operation, variables and role: one execution per event, delivered to every such subscriber.
        const key = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? {}, caller.role]);
        const result = await shared(key, delivery, () => router.subscribe(args.document, operation, args.variableValues ?? {}, caller));
        return Symbol.asyncIterator in result ? countOpen(metrics.subscriptions, result) : result;
      },
    },
    wss,
  );

  const stopListening = await listenHttp(httpServer, opts.port ?? config.port, opts.host ?? config.host);
  const address = httpServer.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  app.logger.info({ url: `http://${hostPart}:${address.port}/graphql`, mode: distributed ? 'distributed' : 'in-process' }, 'gateway listening');
  await announceWebhookUrls(app, `http://${hostPart}:${address.port}`);
  const withdraw = announceHub(app.config.dataDir, `http://${hostPart}:${address.port}/graphql`);

  return {
    url: `http://${hostPart}:${address.port}/graphql`,
    wsUrl: `ws://${hostPart}:${address.port}/graphql`,
    async close() {
      withdraw();
      addressRate.stop();
      costRate.stop();
      metrics.stop();
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await Promise.all([...upstreamClients.values()].map((c) => c.dispose()));
      const stopped = stopListening();
      httpServer.closeAllConnections();
      await stopped;
      await server.stop();
    },
  };
}
