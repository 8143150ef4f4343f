// The supergraph Apollo's subgraph compatibility harness expects (products, users, inventory behind a router),
// on 127.0.0.1 and free ports: our products fixture, the suite's own users and inventory subgraphs, and an
// Apollo Gateway served the way our gateway serves it (bearer auth, gateway/http.ts) standing in for the router.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { parse, type GraphQLSchema } from 'graphql';
import { AuthError, authenticate, issueToken } from '../../platform/auth/tokens.js';
import { executeHttp, readBody, sendGraphQLError } from '../../gateway/http.js';
import type { Actor } from '../../subgraphs/federation.js';

/** Where the harness lives: its compiled checks (dist/tests), reference subgraphs (dist/subgraphs). */
export const HARNESS_DIR = dirname(createRequire(import.meta.url).resolve('@apollo/federation-subgraph-compatibility-tests/package.json'));
const LOOPBACK_PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'loopback.cjs');
const MAX_BODY_BYTES = 1024 * 1024;

interface Running {
  url: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A free loopback port for a process that takes its port from the environment (and treats 0 as unset). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await closeServer(probe);
  return port;
}

/** Serves a subgraph schema at /graphql, with federated (ftv1) tracing for gateways that ask for it. */
export async function serveSubgraph(schema: GraphQLSchema): Promise<Running> {
  const server = new ApolloServer<BaseContext>({ schema, plugins: [ApolloServerPluginInlineTrace()] });
  await server.start();
  const http = createServer((req, res) => {
    readBody(req, MAX_BODY_BYTES)
      .then((body) => executeHttp(server, req, res, body, async () => ({})))
      .catch((err: Error) => {
        if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', err.message);
        else res.end();
      });
  });
  const port = await listen(http);
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      await closeServer(http);
      await server.stop();
    },
  };
}

/** Runs one of the suite's reference subgraphs (a bundled Node server) as it ships, pinned to loopback. */
export async function startReferenceSubgraph(name: 'users' | 'inventory'): Promise<Running & { sdl: string }> {
  const dir = join(HARNESS_DIR, 'dist', 'subgraphs', name);
  const port = await freePort();
  const child: ChildProcess = fork(join(dir, 'index.js'), [], {
    cwd: dir,
    env: { ...process.env, [`${name.toUpperCase()}_PORT`]: String(port) },
    execArgv: ['--require', LOOPBACK_PRELOAD],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} subgraph did not start within 15 s: ${stderr}`)), 15_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} subgraph exited with ${code}: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    sdl: readFileSync(join(dir, `${name}.graphql`), 'utf8'),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

export interface SubgraphEndpoint {
  name: string;
  url: string;
  sdl: string;
}

/**
 * Composes the subgraphs into a supergraph and serves it with Apollo Gateway behind our gateway's front door:
 * a bearer JWT checked by platform/auth/tokens.ts, requests handed to Apollo Server by gateway/http.ts.
 */
export async function startStandInGateway(subgraphs: SubgraphEndpoint[], jwtSecret: Uint8Array): Promise<Running & { token: string }> {
  const composed = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (composed.errors) throw new Error(`supergraph composition failed:\n${composed.errors.map((e) => `  ${e.message}`).join('\n')}`);
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ url }) => new RemoteGraphQLDataSource({ url }),
  });
  const server = new ApolloServer<{ user: Actor }>({ gateway, csrfPrevention: true, includeStacktraceInErrorResponses: false });
  await server.start();
  const http = createServer((req, res) => {
    (async () => {
      let user: Actor;
      try {
        user = await authenticate(jwtSecret, req.headers.authorization);
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        return sendGraphQLError(res, 401, 'UNAUTHENTICATED', err.message, { 'www-authenticate': 'Bearer' });
      }
      const body = await readBody(req, MAX_BODY_BYTES);
      await executeHttp(server, req, res, body, async () => ({ user }));
    })().catch((err: Error) => {
      if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', err.message);
      else res.end();
    });
  });
  const port = await listen(http);
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    token: await issueToken(jwtSecret, { name: 'conformance', role: 'operator' }),
    async close() {
      await closeServer(http);
      await server.stop();
    },
  };
}
