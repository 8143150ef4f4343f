// The one outbound HTTP client against a real HTTP server on loopback: retries and Retry-After, the timeout of a
// whole exchange, the size limit of a bytes read, the circuit of each rate-limit bucket, and the answer's text.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitOpenError, HttpClient, HttpError, ResponseTooLargeError, type CallOutcome } from './index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let base: string;
let handler: Handler;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  seen.length = 0;
});

const client = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({ system: 'peer', baseUrl: base, policy: { retries: 2, backoffBaseMs: 10, backoffMaxMs: 20, timeoutMs: 2000 }, ...extra });

test('sends JSON with its length, a computed query per attempt, and reads the answer as text without a byte-order mark', async () => {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r-1' });
    res.end('\uFEFF{"ok":true,"name":"東京"}');
  };
  let n = 0;
  const res = await client().request({ method: 'POST', url: '/v1/things', query: () => ({ sign: `s${++n}`, skip: undefined }), body: { a: 1 }, operation: 'create' });
  expect(res.json()).toEqual({ ok: true, name: '東京' });
  expect(res.headers.get('X-Request-Id')).toBe('r-1');
  expect(res.headers.get('x-missing')).toBeNull();
  expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/things?sign=s1', body: '{"a":1}' });
  expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': '7' });
});

test('retries a 503 after its Retry-After, signing each attempt afresh; a 400 is not retried', async () => {
  let calls = 0;
  handler = (_req, res) => {
    calls++;
    if (calls === 1) res.writeHead(503, { 'retry-after': '0' }).end('busy');
    else res.writeHead(200).end('done');
  };
  let n = 0;
  const outcomes: CallOutcome[] = [];
  const res = await client({ onOutcome: (o) => outcomes.push(o) }).request({ url: '/x', query: () => ({ sign: ++n }), operation: 'x' });
  expect(res.text).toBe('done');
  expect(seen.map((s) => s.url)).toEqual(['/x?sign=1', '/x?sign=2']);
  expect(outcomes).toEqual([expect.objectContaining({ ok: true, attempts: 2, status: 200, url: `${base}/x` })]);

  handler = (_req, res) => res.writeHead(400).end('bad field');
  const err = await client().request({ url: '/y', operation: 'y' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  expect((err as HttpError).status).toBe(400);
  expect((err as HttpError).detail).toBe('bad field');
  expect(seen.filter((s) => s.url === '/y')).toHaveLength(1);
  handler = (_req, res) => res.writeHead(422, { 'content-type': 'application/json' }).end('{"code":"invalid_sku","message":"no such SKU"}');
  expect(((await client().request({ url: '/z', operation: 'z' }).catch((e: unknown) => e)) as HttpError).detail).toBe('invalid_sku: no such SKU');
});

test('a peer that does not finish its answer in time fails the attempt with a timeout', async () => {
  handler = (_req, res) => {
    res.writeHead(200);
    res.write('partial');
  };
  const started = Date.now();
  const err = await client({ policy: { retries: 0, timeoutMs: 300 } }).request({ url: '/slow', operation: 'slow' }).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/timeout, no complete answer within 300 ms/);
  expect(Date.now() - started).toBeLessThan(2000);
});

test('a bytes read refuses a body past its limit, declared or streamed, and does not retry', async () => {
  handler = (req, res) => {
    if (req.url === '/declared') res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000));
    else {
      res.writeHead(200);
      res.write(Buffer.alloc(3000));
      res.end(Buffer.alloc(3000));
    }
  };
  for (const url of ['/declared', '/streamed']) {
    const err = await client().request({ url, operation: 'file', bytes: { maxBytes: 4096 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
  }
  expect(seen).toHaveLength(2);
  handler = (_req, res) => res.writeHead(200).end(Buffer.from([1, 2, 3]));
  expect((await client().request({ url: '/ok', operation: 'file', bytes: { maxBytes: 4096 } })).bytes).toEqual(Buffer.from([1, 2, 3]));
});

test('repeated failures open the circuit of their bucket only', async () => {
  handler = (req, res) => (req.url === '/down' ? res.writeHead(500).end('inner error') : res.writeHead(200).end('ok'));
  const http = client({ policy: { retries: 0 }, circuit: { failures: 2, openMs: 60_000 }, rateLimits: { default: { perSecond: 1000, burst: 1000 } } });
  for (let i = 0; i < 2; i++) await expect(http.request({ url: '/down', operation: 'w', bucket: 'SG' })).rejects.toBeInstanceOf(HttpError);
  await expect(http.request({ url: '/down', operation: 'w', bucket: 'SG' })).rejects.toThrow(CircuitOpenError);
  await expect(http.request({ url: '/down', operation: 'w', bucket: 'SG' })).rejects.toThrow(/^peer \(SG\): circuit open/);
  expect((await http.request({ url: '/up', operation: 'w', bucket: 'MY' })).text).toBe('ok');
  expect(seen.filter((s) => s.url === '/down')).toHaveLength(2);
});

test('a refused connection is a remote failure, retried, then reported with its cause', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const err = await client({ baseUrl: `http://127.0.0.1:${port}` }).request({ url: '/', operation: 'ping' }).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/ECONNREFUSED/);
});
