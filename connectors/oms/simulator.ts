// A local OMS speaking the contract the client speaks (integration-contracts §4.4): client-credentials tokens that
// expire, Bearer auth, an Idempotency-Key required on every write and honoured (the same key and body replay the
// first answer; the same key with another body is refused), one order per external id, validation errors in the
// contract's shape, a rate limit with 429 + Retry-After, and on demand: injected 5xx/429s, slow answers
// (timeouts) and a down period. Shipping an order sends a Standard Webhooks-signed order.shipped webhook to the
// hub, retried on failure like a real sender.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import { signedHeaders } from '../../platform/webhooks/standard.js';
import { LIST_LIMIT, PATHS, SHIPPED_EVENT, type OmsErrorBody, type OmsOrder } from './client.js';

/** What sandbox mode configures the client (and the hub's webhook route) with. Sandbox only. */
export const OMS_SANDBOX_CREDENTIALS = {
  clientId: 'tsunagi-sandbox-oms-client',
  clientSecret: 'tsunagi-sandbox-oms-secret',
  webhookSecret: 'whsec_dHN1bmFnaS1zYW5kYm94LW9tcy13ZWJob29rLWtleSE=',
} as const;

const STATUSES = ['pending_payment', 'confirmed', 'shipped', 'delivered', 'cancelling', 'cancelled', 'returning'];
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
/** The sandbox's compressed form of the Standard Webhooks retry schedule (immediately, 5 s, 5 min, 30 min, ...). */
const DELIVERY_DELAYS_MS = [1000, 5000, 30_000, 120_000];

export interface OmsSimulatorOptions {
  stateFile?: string;
  /** Requests per second; false = unlimited (benchmarks). Default 50, burst 50. */
  rateLimit?: false | { perSecond: number; burst: number };
  tokenTtlSeconds?: number;
  credentials?: { clientId: string; clientSecret: string; webhookSecret: string };
}

interface StoredOrder extends OmsOrder {
  document: Record<string, unknown>;
  created_at: string;
}

interface Snapshot {
  orders: StoredOrder[];
  /** Idempotency-Key → what the first request was and what it got. */
  keys: Record<string, { fingerprint: string; status: number; body: unknown }>;
  webhookUrl: string | null;
  nextId: number;
}

export interface Delivery {
  id: string;
  orderId: string;
  attempts: number;
  /** The last attempt's HTTP status; null when it could not connect. */
  lastStatus: number | null;
  delivered: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const error = (status: number, code: string, message: string, extra: Partial<OmsErrorBody> = {}, headers?: Record<string, string>): SimResponse => ({
  status, headers, body: { code, message, ...extra },
});
const wholeMinor = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The contract's checks of an order document; each problem names its field. */
function validateOrder(doc: Record<string, unknown>): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  const need = (ok: boolean, field: string, message: string) => ok || errors.push({ field, message });
  need(typeof doc.external_order_id === 'string' && doc.external_order_id.length > 0, 'external_order_id', 'required');
  need(typeof doc.currency === 'string' && CURRENCIES.has(doc.currency), 'currency', 'an ISO 4217 code');
  need(typeof doc.status === 'string' && STATUSES.includes(doc.status), 'status', `one of ${STATUSES.join(', ')}`);
  need(isObject(doc.totals) && wholeMinor(doc.totals.amount_minor), 'totals.amount_minor', 'a whole number of minor units');
  need(Array.isArray(doc.lines) && doc.lines.length > 0, 'lines', 'at least one line');
  if (Array.isArray(doc.lines)) {
    doc.lines.forEach((l, i) => {
      need(isObject(l) && typeof l.sku === 'string' && l.sku.length > 0, `lines[${i}].sku`, 'required');
      need(isObject(l) && Number.isInteger(l.quantity) && (l.quantity as number) > 0, `lines[${i}].quantity`, 'a positive whole number');
      need(isObject(l) && wholeMinor(l.unit_price_minor), `lines[${i}].unit_price_minor`, 'a whole number of minor units');
    });
  }
  return errors;
}

/** A call as the simulator received it: what a test asks of the caller's headers. */
export interface ReceivedCall {
  method: string;
  path: string;
  correlationId: string | null;
}

const RECEIVED_KEPT = 1000;

export class OmsSimulator {
  readonly faults = new FaultPlan();
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<Snapshot>;
  private readonly byId = new Map<string, StoredOrder>();
  private readonly byExternal = new Map<string, StoredOrder>();
  private readonly tokens = new Map<string, number>();
  private readonly bucket: TokenBucket | undefined;
  private readonly credentials: { clientId: string; clientSecret: string; webhookSecret: string };
  private readonly tokenTtlSeconds: number;
  private readonly deliveriesById = new Map<string, Delivery>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private downUntil = 0;
  private readonly received: ReceivedCall[] = [];

  constructor(opts: OmsSimulatorOptions = {}) {
    this.credentials = opts.credentials ?? OMS_SANDBOX_CREDENTIALS;
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 3600;
    if (opts.rateLimit !== false) this.bucket = new TokenBucket(opts.rateLimit?.perSecond ?? 50, opts.rateLimit?.burst ?? 50);
    this.state = new PersistentState<Snapshot>(opts.stateFile, () => ({ orders: [], keys: {}, webhookUrl: null, nextId: 1 }));
    for (const o of this.state.data.orders) this.index(o);
    this.server = new SimulatorServer('oms', async (req) => {
      const correlationId = req.headers['x-correlation-id'];
      this.received.push({ method: req.method, path: req.path, correlationId: typeof correlationId === 'string' ? correlationId : null });
      if (this.received.length > RECEIVED_KEPT) this.received.shift();
      await this.faults.wait(req);
      return this.handle(req);
    });
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.server.close();
    this.state.flush();
  }

  // ---- control (tests, `tsunagi sandbox oms ...`) ---------------------------------------------------------

  reset(): void {
    this.byId.clear();
    this.byExternal.clear();
    this.tokens.clear();
    this.faults.clear();
    this.downUntil = 0;
    this.received.length = 0;
    Object.assign(this.state.data, { orders: [], keys: {}, nextId: 1 });
    this.state.changed();
  }

  /** Where order.shipped webhooks go (the hub's /webhooks/oms/shipment). */
  setWebhookUrl(url: string | null): void {
    this.state.data.webhookUrl = url;
    this.state.changed();
  }

  /** The orders held, oldest first. */
  listOrders(): (OmsOrder & { lines: unknown[] })[] {
    return this.state.data.orders.map((o) => ({ ...this.view(o), lines: (o.document.lines as unknown[]) ?? [] }));
  }

  getOrder(ref: string): (OmsOrder & { document: Record<string, unknown> }) | null {
    const o = this.find(ref);
    return o ? { ...this.view(o), document: o.document } : null;
  }

  /** Every API call answers 503, without Retry-After, for this long (the OMS is down). */
  down(seconds: number): void {
    this.downUntil = Date.now() + seconds * 1000;
  }

  /** The next `times` calls whose path contains `path` answer `status` (5xx, 429 with Retry-After 1). */
  fail(path: string, status: number, times = 1): void {
    const headers = status === 429 ? { 'retry-after': '1' } : undefined;
    this.faults.add({ path, times, response: error(status, status === 429 ? 'rate_limited' : 'internal_error', 'injected failure', {}, headers) });
  }

  /** Calls whose path contains `path` are held `ms` before they are answered (timeouts). */
  slow(path: string, ms: number): void {
    this.faults.slow({ path, ms });
  }

  clearFaults(): void {
    this.faults.clear();
    this.downUntil = 0;
  }

  /** The latest API calls received (up to 1000), oldest first, with the caller's x-correlation-id. */
  calls(): ReceivedCall[] {
    return [...this.received];
  }

  /** The webhook deliveries made, with their outcome. */
  deliveries(): Delivery[] {
    return [...this.deliveriesById.values()];
  }

  /**
   * Ships an order (by OMS id or external id): status shipped, a tracking number (the given one, or a new one),
   * and an order.shipped webhook to the hub; resolves after the first delivery attempt, later ones are retried.
   */
  async ship(ref: string, opts: { trackingNumber?: string; carrier?: string } = {}): Promise<{ omsOrderId: string; orderSn: string; trackingNumber: string; delivery: Delivery | null }> {
    const o = this.find(ref);
    if (!o) throw new Error(`oms simulator: no order ${ref}`);
    const now = new Date().toISOString();
    Object.assign(o, {
      status: 'shipped', tracking_number: opts.trackingNumber ?? `TSN${randomBytes(5).toString('hex').toUpperCase()}`,
      carrier: opts.carrier ?? o.carrier ?? null, shipped_at: now, updated_at: now,
    });
    this.state.changed();
    const delivery = await this.sendShipped(o);
    return { omsOrderId: o.id, orderSn: o.external_order_id, trackingNumber: o.tracking_number!, delivery };
  }

  // ---- webhooks out ----------------------------------------------------------------------------------------

  private async sendShipped(o: StoredOrder): Promise<Delivery | null> {
    const url = this.state.data.webhookUrl;
    if (!url) return null;
    const body = JSON.stringify({
      type: SHIPPED_EVENT, timestamp: new Date().toISOString(),
      data: { id: o.id, external_order_id: o.external_order_id, channel: o.channel, tracking_number: o.tracking_number, carrier: o.carrier, shipped_at: o.shipped_at },
    });
    const delivery: Delivery = { id: `msg_${randomUUID().replaceAll('-', '')}`, orderId: o.id, attempts: 0, lastStatus: null, delivered: false };
    this.deliveriesById.set(delivery.id, delivery);
    await this.attempt(url, delivery, body);
    return { ...delivery };
  }

  private async attempt(url: string, delivery: Delivery, body: string): Promise<void> {
    delivery.attempts++;
    try {
      // The id stays the same across retries; the timestamp and signature are the attempt's.
      const res = await fetch(url, {
        method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(15_000),
        headers: { 'content-type': 'application/json', ...signedHeaders(this.credentials.webhookSecret, delivery.id, body) },
      });
      delivery.lastStatus = res.status;
      await res.arrayBuffer();
      delivery.delivered = res.status >= 200 && res.status < 300;
    } catch {
      delivery.lastStatus = null;
    }
    // 410 Gone: the receiver asks for no more (the spec's "disable the endpoint").
    if (delivery.delivered || delivery.lastStatus === 410) return;
    const delay = DELIVERY_DELAYS_MS[delivery.attempts - 1];
    if (delay === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(url, delivery, body);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  // ---- the API ---------------------------------------------------------------------------------------------

  private handle(req: SimRequest): SimResponse {
    if (req.path === '/health') return { status: 200, body: { ok: true } };
    // An outage says nothing of when it ends (no Retry-After): callers back off on their own.
    if (Date.now() < this.downUntil) return error(503, 'unavailable', 'the OMS is down');
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (this.bucket && !this.bucket.take()) {
      const wait = this.bucket.retryAfterSeconds();
      return error(429, 'rate_limited', 'too many requests', {}, {
        'retry-after': String(wait), 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + wait),
      });
    }
    if (req.path === PATHS.token) return req.method === 'POST' ? this.token(req) : error(405, 'method_not_allowed', 'POST only');
    const denied = this.authenticate(req);
    if (denied) return denied;
    if (req.path === PATHS.orders) {
      if (req.method === 'POST') return this.idempotent(req, () => this.create(req));
      if (req.method === 'GET') return this.list(req);
      return error(405, 'method_not_allowed', 'GET or POST');
    }
    const m = /^\/api\/v1\/orders\/([^/]+)(\/status)?$/.exec(req.path);
    if (m) {
      const o = this.byId.get(decodeURIComponent(m[1]!));
      if (!o) return error(404, 'not_found', `no order ${m[1]}`);
      if (m[2] && req.method === 'POST') return this.idempotent(req, () => this.setStatus(o, req));
      if (!m[2] && req.method === 'GET') return { status: 200, body: this.view(o) };
      return error(405, 'method_not_allowed', m[2] ? 'POST only' : 'GET only');
    }
    return error(404, 'not_found', `no route ${req.method} ${req.path}`);
  }

  private token(req: SimRequest): SimResponse {
    const basic = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''));
    const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
    if (id !== this.credentials.clientId || secret !== this.credentials.clientSecret) return error(401, 'invalid_client', 'unknown client or wrong secret');
    if (new URLSearchParams(req.body).get('grant_type') !== 'client_credentials') return error(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + this.tokenTtlSeconds * 1000);
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: this.tokenTtlSeconds } };
  }

  private authenticate(req: SimRequest): SimResponse | undefined {
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const expires = bearer ? this.tokens.get(bearer) : undefined;
    if (expires === undefined) return error(401, 'unauthorized', 'a Bearer access token is required', {}, { 'www-authenticate': 'Bearer' });
    if (Date.now() >= expires) {
      this.tokens.delete(bearer!);
      return error(401, 'token_expired', 'the access token has expired', {}, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    return undefined;
  }

  /** Writes take an Idempotency-Key: its first answer is stored and replayed for the same body; another body is refused. */
  private idempotent(req: SimRequest, write: () => SimResponse): SimResponse {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) return error(400, 'idempotency_key_required', 'writes need an Idempotency-Key header (1..255 characters)');
    const fingerprint = createHash('sha256').update(`${req.method} ${req.path}\n`).update(req.body).digest('hex');
    const seen = this.state.data.keys[key];
    if (seen) {
      if (seen.fingerprint !== fingerprint) return error(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request');
      return { status: seen.status, headers: { 'idempotent-replayed': 'true' }, body: seen.body };
    }
    const res = write();
    // Answers the client should not repeat are kept; a refusal may be corrected and sent again under the same key.
    if (res.status < 400 || res.status === 409) {
      this.state.data.keys[key] = { fingerprint, status: res.status, body: res.body };
      this.state.changed();
    }
    return res;
  }

  private parse(req: SimRequest): { body: Record<string, unknown> } | { refused: SimResponse } {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return { refused: error(415, 'unsupported_media_type', 'send application/json') };
    try {
      const body = JSON.parse(req.body) as unknown;
      return isObject(body) ? { body } : { refused: error(400, 'bad_request', 'the body is not a JSON object') };
    } catch {
      return { refused: error(400, 'bad_request', 'the body is not JSON') };
    }
  }

  private create(req: SimRequest): SimResponse {
    const parsed = this.parse(req);
    if ('refused' in parsed) return parsed.refused;
    const document = parsed.body;
    const errors = validateOrder(document);
    if (errors.length) return error(422, 'validation_failed', 'the order is not valid', { errors });
    const external = String(document.external_order_id);
    const channel = typeof document.channel === 'string' ? document.channel : undefined;
    const existing = this.byExternal.get(`${channel ?? ''}\u0000${external}`);
    if (existing) return error(409, 'duplicate_order', `an order with external_order_id ${external} exists`, { order_id: existing.id });
    const now = new Date().toISOString();
    const order: StoredOrder = {
      id: `OMS-${String(this.state.data.nextId++).padStart(8, '0')}`, external_order_id: external, channel, status: String(document.status),
      tracking_number: null, carrier: null, shipped_at: null, updated_at: now, created_at: now, document,
    };
    this.state.data.orders.push(order);
    this.index(order);
    this.state.changed();
    return { status: 201, body: this.view(order) };
  }

  private setStatus(o: StoredOrder, req: SimRequest): SimResponse {
    const parsed = this.parse(req);
    if ('refused' in parsed) return parsed.refused;
    const status = parsed.body.status;
    if (typeof status !== 'string' || !STATUSES.includes(status)) {
      return error(422, 'validation_failed', 'the status is not valid', { errors: [{ field: 'status', message: `one of ${STATUSES.join(', ')}` }] });
    }
    if (o.status === 'delivered') return error(409, 'invalid_transition', `order ${o.id} is delivered; its status no longer changes`);
    Object.assign(o, { status, updated_at: new Date().toISOString() });
    this.state.changed();
    return { status: 200, body: this.view(o) };
  }

  private list(req: SimRequest): SimResponse {
    const limit = Number(req.query.get('limit') ?? LIST_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT) {
      return error(400, 'validation_failed', 'bad query', { errors: [{ field: 'limit', message: `1..${LIST_LIMIT}` }] });
    }
    const since = req.query.get('updated_since');
    if (since !== null && Number.isNaN(Date.parse(since))) return error(400, 'validation_failed', 'bad query', { errors: [{ field: 'updated_since', message: 'RFC 3339' }] });
    const status = req.query.get('status');
    const cursor = req.query.get('cursor');
    let after: [string, string] | undefined;
    if (cursor) {
      const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
      if (parts.length !== 2) return error(400, 'validation_failed', 'bad query', { errors: [{ field: 'cursor', message: 'not a cursor from this list' }] });
      after = parts as [string, string];
    }
    const rows = this.state.data.orders
      .filter((o) => (since === null || o.updated_at >= new Date(since).toISOString()) && (status === null || o.status === status))
      .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id.localeCompare(b.id))
      .filter((o) => !after || o.updated_at > after[0] || (o.updated_at === after[0] && o.id > after[1]));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      status: 200,
      body: { items: page.map((o) => this.view(o)), next_cursor: rows.length > limit && last ? Buffer.from(`${last.updated_at}|${last.id}`).toString('base64url') : null },
    };
  }

  private find(ref: string): StoredOrder | undefined {
    return this.byId.get(ref) ?? this.state.data.orders.find((o) => o.external_order_id === ref);
  }

  private index(o: StoredOrder): void {
    this.byId.set(o.id, o);
    this.byExternal.set(`${o.channel ?? ''}\u0000${o.external_order_id}`, o);
  }

  private view(o: StoredOrder): OmsOrder {
    const { document: _document, created_at: _created, ...view } = o;
    return view;
  }
}
