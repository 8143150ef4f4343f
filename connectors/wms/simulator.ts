// A local WMS speaking the three ways the real one would (README.md, our own contract): the REST stock list
// (cursor pages in (updated_at, sku) order, api key, limits, rate limit), the WebSocket stream of changes (hello,
// replay after since_seq from a bounded buffer, pings answered) on the same port, and an FTP drop box (ftp-srv,
// simulator-ftp.ts). A change made through the control surface updates the warehouse AND emits its frame.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { API_KEY_HEADER, STOCK_PATH } from './client.js';
import { wmsClientConfig, wmsConfigSchema, type WmsBlock, type WmsConfig } from './config.js';
import { FtpDropBox, type DropEncoding } from './simulator-ftp.js';

export const STREAM_PATH = '/v1/stream';
/** The public test credentials the sandbox's WMS accepts (`tsunagi sandbox credentials`). */
export const WMS_SANDBOX_CREDENTIALS = { apiKey: 'wms-sandbox-api-key', ftpUser: 'wms', ftpPassword: 'wms-sandbox-ftp', ftpDir: '/stock' } as const;

/** A block pointed at the simulator at `url` (FTP at `endpoints.ftp`), with the credentials it accepts. */
export function wmsSandboxBlock(block: WmsBlock, url: string, endpoints: Record<string, string>): WmsBlock {
  return {
    ...block,
    auth: { ...block.auth, key: WMS_SANDBOX_CREDENTIALS.apiKey },
    endpoints: {
      api: url,
      stream: `${url.replace(/^http/, 'ws')}${STREAM_PATH}`,
      ...(endpoints.ftp
        ? { ftp: { url: endpoints.ftp, user: WMS_SANDBOX_CREDENTIALS.ftpUser, password: WMS_SANDBOX_CREDENTIALS.ftpPassword, dir: WMS_SANDBOX_CREDENTIALS.ftpDir } }
        : {}),
    },
  };
}

/** The client config for a running simulator: the block's defaults and `settings`, as sandbox mode builds it. */
export function wmsSimulatorConfig(sim: WmsSimulator, settings: Record<string, unknown> = {}): WmsConfig {
  const block = wmsConfigSchema.parse({
    name: 'wms', type: 'stock_source', auth: { type: 'api_key' },
    endpoints: { api: sim.url, stream: `${sim.url.replace(/^http/, 'ws')}${STREAM_PATH}`, ftp: { url: sim.endpoints().ftp } }, settings,
  });
  return wmsClientConfig(wmsSandboxBlock(block, sim.url, sim.endpoints()));
}

const MAX_LIMIT = 100;
const MAX_SKU_LENGTH = 64;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface WmsSimulatorOptions {
  /** JSON snapshot of the warehouse; the FTP root sits beside it. undefined = memory and a temporary directory. */
  stateFile?: string;
  /** REST requests per second (429 + Retry-After past it); false = unlimited. Default 20/s, burst 20. */
  rateLimit?: false | { perSecond: number; burst: number };
  /** Frames kept for replay to a resuming client. Default 10,000. */
  replay?: number;
  credentials?: { apiKey: string; ftpUser: string; ftpPassword: string };
}

interface SimItem {
  sku: string;
  available: number;
  reserved: number;
  location: string;
  updatedAt: string;
}

interface SimState {
  items: Record<string, SimItem>;
  /** The last sequence number given to a change (also those skipped on purpose). */
  seq: number;
}

const byTimeThenSku = (a: SimItem, b: SimItem) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

const error = (status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse => ({ status, headers, body: { code, message } });

export class WmsSimulator {
  readonly faults = new FaultPlan();
  readonly stats = { listRequests: 0, throttled: 0, connections: 0 };
  private readonly server: SimulatorServer;
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false, maxPayload: 64 * 1024 });
  private readonly ftp: FtpDropBox;
  private readonly state: PersistentState<SimState>;
  private readonly bucket: TokenBucket | undefined;
  private readonly credentials: { apiKey: string; ftpUser: string; ftpPassword: string };
  private readonly replayLimit: number;
  private readonly buffer: { seq: number; text: string }[] = [];
  /** Items in (updatedAt, sku) order, brought up to date lazily: changed items always sort last (monotonic clock). */
  private ordered: SimItem[] = [];
  private readonly changed = new Set<string>();
  private lastMs = 0;
  private frozen = false;
  /** While frozen, what each connection would have been sent, sent when it thaws (as TCP would deliver it late). */
  private readonly held = new Map<WebSocket, string[]>();

  constructor(opts: WmsSimulatorOptions = {}) {
    const rate = opts.rateLimit === false ? undefined : (opts.rateLimit ?? { perSecond: 20, burst: 20 });
    this.bucket = rate ? new TokenBucket(rate.perSecond, rate.burst) : undefined;
    this.credentials = opts.credentials ?? { ...WMS_SANDBOX_CREDENTIALS };
    this.replayLimit = opts.replay ?? 10_000;
    this.state = new PersistentState<SimState>(opts.stateFile, () => ({ items: {}, seq: 0 }));
    this.ordered = Object.values(this.state.data.items).sort(byTimeThenSku);
    this.lastMs = this.ordered.length > 0 ? Date.parse(this.ordered[this.ordered.length - 1]!.updatedAt) : 0;
    this.ftp = new FtpDropBox({
      root: opts.stateFile ? opts.stateFile.replace(/\.json$/, '') + '-ftp' : undefined,
      dir: WMS_SANDBOX_CREDENTIALS.ftpDir,
      user: this.credentials.ftpUser,
      password: this.credentials.ftpPassword,
    });
    this.server = new SimulatorServer('wms', (req) => this.handle(req), (req, socket, head) => this.upgrade(req, socket, head));
  }

  get url(): string {
    return this.server.url;
  }

  async listen(port = 0): Promise<string> {
    await this.ftp.listen();
    return this.server.listen(port);
  }

  /** The FTP drop box's URL. */
  endpoints(): Record<string, string> {
    return { ftp: this.ftp.url };
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.server.close();
    await this.ftp.close();
    this.state.flush();
  }

  /** Sets SKUs' stock without emitting frames (the warehouse as it stands): the sandbox's demo data, benchmarks. */
  seed(skus: string[], available: number, location = 'TKY-A-01'): void {
    // One moment for the whole seed, however long writing it takes: as a WMS's bulk load would stamp it.
    const at = this.tick();
    for (const sku of skus) this.write(sku, available, { location }, at);
    this.state.changed();
  }

  /** A change in the warehouse: its stock updated and its frame sent to every stream client. Returns the frame's seq. */
  setStock(sku: string, available: number, opts: { reserved?: number; location?: string } = {}): number {
    const item = this.write(sku, available, opts);
    const seq = ++this.state.data.seq;
    const text = JSON.stringify({
      type: 'stock.changed', sku, warehouse: item.location, available: item.available, on_hand: item.available + item.reserved, seq, ts: item.updatedAt,
    });
    this.buffer.push({ seq, text });
    if (this.buffer.length > this.replayLimit) this.buffer.splice(0, this.buffer.length - this.replayLimit);
    for (const ws of this.wss.clients) this.send(ws, text);
    this.state.changed();
    return seq;
  }

  getStock(sku: string): { available: number; reserved: number; location: string } | null {
    const item = this.state.data.items[sku];
    return item ? { available: item.available, reserved: item.reserved, location: item.location } : null;
  }

  count(): number {
    return Object.keys(this.state.data.items).length;
  }

  latestSeq(): number {
    return this.state.data.seq;
  }

  /** Empties the warehouse, the replay buffer and the drop box; the sequence restarts. */
  reset(): void {
    this.state.data.items = {};
    this.state.data.seq = 0;
    this.ordered = [];
    this.changed.clear();
    this.buffer.length = 0;
    this.ftp.clear();
    this.state.changed();
  }

  /** Cuts every stream connection (a network drop); clients reconnect and resume. */
  dropStream(): number {
    const n = this.wss.clients.size;
    for (const ws of this.wss.clients) ws.terminate();
    return n;
  }

  /** Numbers the next change `n` further on: the skipped sequence numbers never existed (a gap). */
  skipSeq(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`skipSeq: n must be a whole number >= 1, got ${n}`);
    this.state.data.seq += n;
    this.state.changed();
  }

  /** A dead peer: connections stay open but get nothing, pongs included, until thawed (then what was held is sent). */
  freezeStream(frozen = true): void {
    this.frozen = frozen;
    if (frozen) return;
    for (const [ws, texts] of this.held) for (const text of texts) ws.send(text);
    this.held.clear();
  }

  private send(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (!this.frozen) return ws.send(text);
    const held = this.held.get(ws) ?? [];
    held.push(text);
    this.held.set(ws, held);
  }

  /** A file the WMS drops: written as `<name>.tmp` and renamed when complete (left as .tmp when `complete` is false). */
  dropFile(name: string, content: string, opts: { encoding?: DropEncoding; complete?: boolean } = {}): string {
    return this.ftp.drop(name, content, opts.encoding ?? 'utf8', opts.complete ?? true);
  }

  /** File names in the drop directory, or in its done/ or error/. */
  files(sub: '' | 'done' | 'error' = ''): string[] {
    return this.ftp.list(sub);
  }

  readFile(path: string): string {
    return this.ftp.read(path);
  }

  /**
   * Each write a later millisecond than the last (as a database's updated_at would be), so that a changed item
   * always sorts after every unchanged one, even within the millisecond of a seed.
   */
  private tick(): string {
    this.lastMs = Math.max(Date.now(), this.lastMs + 1);
    return new Date(this.lastMs).toISOString();
  }

  private write(sku: string, available: number, opts: { reserved?: number; location?: string }, at = this.tick()): SimItem {
    if (typeof sku !== 'string' || sku.trim() === '' || sku.length > MAX_SKU_LENGTH) throw new Error(`wms simulator: a SKU is 1–${MAX_SKU_LENGTH} characters, got "${sku}"`);
    for (const [what, n] of [['available', available], ['reserved', opts.reserved ?? 0]] as const) {
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`wms simulator: ${what} for ${sku} must be a whole number >= 0, got ${n}`);
    }
    const updatedAt = at;
    const prior = this.state.data.items[sku];
    const item: SimItem = { sku, available, reserved: opts.reserved ?? prior?.reserved ?? 0, location: opts.location ?? prior?.location ?? 'TKY-A-01', updatedAt };
    this.state.data.items[sku] = item;
    this.changed.add(sku);
    return item;
  }

  private sorted(): SimItem[] {
    if (this.changed.size > 0) {
      const moved = [...this.changed].map((sku) => this.state.data.items[sku]!).sort(byTimeThenSku);
      this.ordered = this.ordered.filter((i) => !this.changed.has(i.sku)).concat(moved);
      this.changed.clear();
    }
    return this.ordered;
  }

  private handle(req: SimRequest): SimResponse {
    if (req.path === '/health') return { status: 200, body: { ok: true } };
    if (req.path !== STOCK_PATH) return error(404, 'not_found', `no route ${req.path}`);
    this.stats.listRequests++;
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.method !== 'GET') return error(405, 'method_not_allowed', 'GET only');
    if (req.headers[API_KEY_HEADER] !== this.credentials.apiKey) return error(401, 'invalid_api_key', 'the X-API-Key header is missing or not a valid key');
    if (this.bucket && !this.bucket.take()) {
      this.stats.throttled++;
      const wait = this.bucket.retryAfterSeconds();
      return error(429, 'rate_limited', 'too many requests', { 'retry-after': String(wait), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + wait) });
    }
    return this.list(req.query);
  }

  private list(query: URLSearchParams): SimResponse {
    const limitText = query.get('limit') ?? String(MAX_LIMIT);
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_LIMIT) return error(400, 'invalid_parameter', `limit must be 1..${MAX_LIMIT}`);
    const items = this.sorted();
    let start: number;
    const cursor = query.get('cursor');
    if (cursor) {
      let after: { t: string; s: string };
      try {
        after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t: string; s: string };
        if (typeof after.t !== 'string' || typeof after.s !== 'string') throw new Error('shape');
      } catch {
        return error(400, 'invalid_cursor', 'cursor is not one this API returned');
      }
      start = firstIndex(items, (i) => byTimeThenSku(i, { ...i, updatedAt: after.t, sku: after.s }) > 0);
    } else {
      const since = query.get('updated_since');
      if (since !== null && (!RFC3339.test(since) || Number.isNaN(Date.parse(since)))) {
        return error(400, 'invalid_parameter', 'updated_since must be an RFC 3339 date-time, e.g. 2026-11-27T09:00:00Z');
      }
      const from = since === null ? '' : new Date(Date.parse(since)).toISOString();
      start = firstIndex(items, (i) => i.updatedAt >= from);
    }
    const page = items.slice(start, start + limit);
    const last = page[page.length - 1];
    const more = start + limit < items.length && last !== undefined;
    return {
      status: 200,
      body: {
        items: page.map((i) => ({
          product_code: i.sku, available_quantity: i.available, reserved_quantity: i.reserved, warehouse_location: i.location, updated_at: i.updatedAt,
        })),
        next_cursor: more ? Buffer.from(JSON.stringify({ t: last.updatedAt, s: last.sku })).toString('base64url') : null,
      },
    };
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const refuse = (status: number, code: string, message: string) => {
      const body = JSON.stringify({ code, message });
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== STREAM_PATH) return refuse(404, 'not_found', `no stream at ${url.pathname}`);
    if (req.headers[API_KEY_HEADER] !== this.credentials.apiKey) return refuse(401, 'invalid_api_key', 'the X-API-Key header is missing or not a valid key');
    const sinceText = url.searchParams.get('since_seq');
    if (sinceText !== null && !/^\d{1,15}$/.test(sinceText)) return refuse(400, 'invalid_parameter', 'since_seq must be a whole number');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, sinceText === null ? null : Number(sinceText)));
  }

  private connected(ws: WebSocket, since: number | null): void {
    this.stats.connections++;
    ws.on('ping', (data) => {
      if (!this.frozen) ws.pong(data);
    });
    ws.on('close', () => this.held.delete(ws));
    const latest = this.state.data.seq;
    const oldest = this.buffer[0]?.seq;
    const replayable = since !== null && (since >= latest || (oldest !== undefined && oldest <= since + 1));
    this.send(ws, JSON.stringify({ type: 'hello', latest_seq: latest, resumed: replayable }));
    if (replayable) for (const f of this.buffer) if (f.seq > since) this.send(ws, f.text);
  }
}

/** The first index where `test` holds, in an array where it holds from some index on. */
function firstIndex<T>(items: T[], test: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(items[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
