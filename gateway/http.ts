// Node http glue for Apollo Server 5 (which ships no framework integration): body reading with a size limit,
// handing a request to executeHTTPGraphQLRequest, and listening.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type ListenOptions, type Server as NetServer } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new BodyTooLargeError(`request body is ${declared} bytes; at most ${maxBytes} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** A GraphQL-shaped error response for refusals made before Apollo sees the request (auth, size, rate). */
export function sendGraphQLError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

export async function executeHttp<C extends BaseContext>(
  server: ApolloServer<C>, req: IncomingMessage, res: ServerResponse, body: string, context: () => Promise<C>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  let parsed: unknown = body;
  if (body && headers.get('content-type')?.startsWith('application/json')) {
    try {
      parsed = JSON.parse(body);
    } catch {
      return sendGraphQLError(res, 400, 'BAD_REQUEST', 'the request body is not valid JSON');
    }
  }
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body: parsed },
    context,
  });
  res.statusCode = response.status ?? 200;
  for (const [key, value] of response.headers) res.setHeader(key, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * Listening sockets on Linux. libuv accepts one connection per turn of the event loop (libuv#3696), and a turn of
 * the saturated gateway lasts tens of ms: 200 clients connecting at once waited up to 2.6 s in its accept queue
 * (measured with `ss -ltn`). With SO_REUSEPORT the kernel spreads new connections over several queues, and each
 * gives one per turn. Elsewhere reusePort is refused, so there is one.
 */
const ACCEPT_QUEUES = process.platform === 'linux' ? 8 : 1;

const listening = (server: NetServer, options: ListenOptions) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });

/**
 * Listens for `server` on `port` (0: a free one) and `host` through ACCEPT_QUEUES sockets: the others hand their
 * connections to `server` as its own. Resolves with a stop that closes every listening socket and settles once the
 * connections they accepted have ended.
 */
export async function listenHttp(server: HttpServer, port: number, host: string): Promise<() => Promise<void>> {
  const reusePort = ACCEPT_QUEUES > 1;
  if (reusePort && port !== 0) {
    // SO_REUSEPORT would let a second hub of the same user share a port in use and take half its connections: a
    // port another process holds is refused (EADDRINUSE) as a plain listen would refuse it.
    const probe = createNetServer();
    await listening(probe, { port, host });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
  await listening(server, { port, host, reusePort });
  const bound = (server.address() as AddressInfo).port;
  const others: NetServer[] = [];
  try {
    for (let i = 1; i < ACCEPT_QUEUES; i++) {
      // The socket options http.createServer gives its own listener (it relies on half-open sockets).
      const other = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) => server.emit('connection', socket));
      await listening(other, { port: bound, host, reusePort });
      others.push(other);
    }
  } catch (err) {
    for (const other of others) other.close();
    server.close();
    throw err;
  }
  return async () => {
    await Promise.all([server, ...others].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
}
