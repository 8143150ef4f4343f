// The OMS (integration-contracts §4.4, our contract): OAuth 2.0 client credentials through the token manager;
// orders created with an Idempotency-Key (`POST /api/v1/orders`), statuses sent (`POST /api/v1/orders/{id}/status`),
// shipped orders listed by watermark (`GET /api/v1/orders?status=shipped&updated_since=&cursor=`); errors
// `{code, message, errors?}`, 429 with Retry-After. Its shipment webhooks are Standard Webhooks (the receiver below).
import { z } from 'zod';
import type { TokenManager } from '../../platform/auth/token-manager.js';
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy, type HttpResponse } from '../../platform/http/index.js';
import type { ConnectorHealth } from '../../platform/integrations/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import { WebhookBodyError, type WebhookReceiver } from '../../platform/webhooks/index.js';
import { verify as verifyStandardWebhook } from '../../platform/webhooks/standard.js';
import { RejectedError, type OrderSink, type Shipment } from '../../subgraphs/orders/ports.js';
import type { OmsConfig } from './config.js';

export type { OmsConfig } from './config.js';

export const PATHS = {
  token: '/oauth/token',
  orders: '/api/v1/orders',
  order: (id: string) => `/api/v1/orders/${encodeURIComponent(id)}`,
  status: (id: string) => `/api/v1/orders/${encodeURIComponent(id)}/status`,
} as const;

/** Most items one list page gives (the contract's limit). */
export const LIST_LIMIT = 100;
/** Longest Idempotency-Key the OMS keeps. */
export const MAX_IDEMPOTENCY_KEY = 255;
/** The webhook event types; others are acknowledged and ignored. */
export const SHIPPED_EVENT = 'order.shipped';

/** An order as the OMS shows it. */
export interface OmsOrder {
  id: string;
  external_order_id: string;
  channel?: string;
  status: string;
  tracking_number?: string | null;
  carrier?: string | null;
  shipped_at?: string | null;
  updated_at: string;
}

/** The contract's error body. */
export interface OmsErrorBody {
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
  /** 409 duplicate_order: the order the external id already has. */
  order_id?: string;
}

export class OmsAuthError extends Error {
  override readonly name = 'OmsAuthError';
}

function errorBody(text: string): OmsErrorBody | undefined {
  try {
    const body = JSON.parse(text) as Partial<OmsErrorBody>;
    return typeof body.code === 'string' ? (body as OmsErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

const describe = (b: OmsErrorBody | undefined, status: number) =>
  b ? `${b.code}: ${b.message}${b.errors?.length ? ` (${b.errors.map((e) => `${e.field}: ${e.message}`).join('; ')})` : ''}` : `HTTP ${status}`;

export interface OmsClientOptions {
  config: OmsConfig;
  tokens: TokenManager;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class OmsClient implements OrderSink {
  readonly system: string;
  private readonly http: HttpClient;
  private readonly logger: Logger;

  constructor(private readonly opts: OmsClientOptions) {
    this.system = opts.config.system;
    this.logger = opts.logger ?? silentLogger;
    this.http = new HttpClient({
      system: this.system, baseUrl: opts.config.endpoint, policy: opts.policy, rateLimits: { api: opts.config.rateLimit },
      logger: this.logger, onOutcome: opts.onOutcome, circuit: opts.config.circuit,
    });
    opts.tokens.register({ name: this.system, grant: () => this.grant() });
  }

  async createOrder(document: Record<string, unknown>, idempotencyKey: string): Promise<{ omsOrderId: string }> {
    const res = await this.call('createOrder', 'POST', PATHS.orders, document, idempotencyKey, [409]);
    const body = res.json<Partial<OmsOrder> & Partial<OmsErrorBody>>();
    // The order exists already under another key (our key expired there): it is the same order, created once.
    if (res.status === 409 && body.code === 'duplicate_order' && typeof body.order_id === 'string') return { omsOrderId: body.order_id };
    if (res.status === 409) throw new RejectedError(`${this.system} createOrder: ${describe(errorBody(res.text), 409)}`);
    if (typeof body.id !== 'string') throw new Error(`${this.system} createOrder: the answer has no order id`);
    return { omsOrderId: body.id };
  }

  async updateStatus(omsOrderId: string, status: string, idempotencyKey: string): Promise<void> {
    await this.call('updateStatus', 'POST', PATHS.status(omsOrderId), { status }, idempotencyKey);
  }

  async *shippedSince(since: Date): AsyncGenerator<Shipment[]> {
    let cursor: string | undefined;
    do {
      const res = await this.call('listOrders', 'GET', PATHS.orders, undefined, undefined, [], {
        status: 'shipped', updated_since: since.toISOString(), limit: LIST_LIMIT, cursor,
      });
      const page = res.json<{ items?: OmsOrder[]; next_cursor?: string | null }>();
      if (!Array.isArray(page.items)) throw new Error(`${this.system} listOrders: the answer has no items`);
      yield page.items.filter((o) => o.tracking_number).map(toShipment);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  async getOrder(omsOrderId: string): Promise<OmsOrder> {
    return (await this.call('getOrder', 'GET', PATHS.order(omsOrderId))).json<OmsOrder>();
  }

  async health(): Promise<ConnectorHealth> {
    try {
      // A fresh grant, not a cached token: health proves the credentials work today.
      await this.opts.tokens.refresh(this.system);
      await this.call('listOrders', 'GET', PATHS.orders, undefined, undefined, [], { limit: 1 });
      return { name: this.system, ok: true, detail: 'token grant and order list OK', expiresInDays: null };
    } catch (err) {
      return { name: this.system, ok: false, detail: (err as Error).message, expiresInDays: null };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /**
   * One API call with the access token: a refused token is replaced once; 4xx answers (but 408, 429) are the
   * OMS's final word, a RejectedError; the rest (5xx, 429, timeouts, after the HTTP client's retries) stay plain
   * errors, retried later by the outbox.
   */
  private async call(
    operation: string, method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string, accept: number[] = [],
    query?: Record<string, string | number | undefined>,
  ): Promise<HttpResponse> {
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
      throw new RejectedError(`${this.system} ${operation}: an Idempotency-Key is 1..${MAX_IDEMPOTENCY_KEY} characters`);
    }
    for (let attempt = 1; ; attempt++) {
      const token = await this.opts.tokens.accessToken(this.system);
      let res: HttpResponse;
      try {
        res = await this.http.request({
          method, url: path, query, body, operation, bucket: 'api', acceptStatus: [401, ...accept],
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        });
      } catch (err) {
        if (err instanceof HttpError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
          throw new RejectedError(`${this.system} ${operation}: ${describe(errorBody(err.body), err.status)}`);
        }
        throw err;
      }
      if (res.status !== 401) return res;
      this.opts.tokens.invalidate(this.system, token);
      if (attempt > 1) throw new OmsAuthError(`${this.system} ${operation}: the access token was refused again after a fresh grant`);
    }
  }

  private async grant(): Promise<{ accessToken: string; expiresIn: number }> {
    const { clientId, clientSecret, tokenUrl } = this.opts.config;
    if (!clientId || !clientSecret) throw new OmsAuthError(`${this.system}: auth.client_id and auth.client_secret are required`);
    let res: HttpResponse;
    try {
      res = await this.http.request({
        method: 'POST', url: tokenUrl, operation: 'token', body: new URLSearchParams({ grant_type: 'client_credentials' }),
        headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}` },
      });
    } catch (err) {
      if (err instanceof HttpError && (err.status === 400 || err.status === 401)) {
        throw new OmsAuthError(`${this.system}: token grant refused (${describe(errorBody(err.body), err.status)}); check auth.client_id and auth.client_secret`);
      }
      throw err;
    }
    const body = res.json<{ access_token?: unknown; expires_in?: unknown }>();
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number' || body.expires_in <= 0) {
      throw new OmsAuthError(`${this.system}: the token answer lacks access_token or a positive expires_in`);
    }
    return { accessToken: body.access_token, expiresIn: body.expires_in };
  }
}

const toShipment = (o: OmsOrder): Shipment => ({
  omsOrderId: o.id, orderSn: o.external_order_id, channel: o.channel, trackingNumber: o.tracking_number!,
  carrier: o.carrier ?? undefined, shippedAt: o.shipped_at ? new Date(o.shipped_at) : undefined,
});

/** The shipment webhook's body: `{type, timestamp, data: {id, external_order_id, channel, tracking_number, carrier, shipped_at}}`. */
const shippedSchema = z.looseObject({
  type: z.literal(SHIPPED_EVENT),
  data: z.looseObject({
    id: z.string().min(1).max(255),
    external_order_id: z.string().min(1).max(255),
    channel: z.string().max(255).optional(),
    tracking_number: z.string().min(1).max(255),
    carrier: z.string().max(255).nullish(),
    shipped_at: z.iso.datetime({ offset: true }).nullish(),
  }),
});

/** The OMS's shipment webhooks: Standard Webhooks signatures; one inbox message per webhook-id (the spec's dedup key). */
export const omsWebhookReceiver: WebhookReceiver<{ auth: { webhook_secret?: string } }> = {
  secret: (block) => block.auth.webhook_secret,
  verify: (req, secret) => verifyStandardWebhook(secret, req.headers, req.rawBody, req.now),
  decode(req) {
    const id = String(req.headers['webhook-id']);
    if (id.length > 200) throw new WebhookBodyError('webhook-id is longer than 200 characters');
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new WebhookBodyError('the webhook body is not JSON');
    }
    const type = (body as { type?: unknown } | null)?.type;
    if (type !== SHIPPED_EVENT) return { messages: [], ignored: `event type ${typeof type === 'string' ? type.slice(0, 60) : '(none)'}` };
    const parsed = shippedSchema.safeParse(body);
    if (!parsed.success) throw new WebhookBodyError(`the ${SHIPPED_EVENT} body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const d = parsed.data.data;
    return {
      messages: [{
        kind: 'shipment', dedupKey: id, orderRef: d.external_order_id,
        payload: { omsOrderId: d.id, orderSn: d.external_order_id, channel: d.channel, trackingNumber: d.tracking_number, carrier: d.carrier ?? undefined, shippedAt: d.shipped_at ?? undefined },
      }],
    };
  },
};
