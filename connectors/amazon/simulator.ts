// A local Amazon: the LWA token endpoint and SP-API FBA inventory summaries on one port, enforcing what the
// real services enforce (credentials, token expiry, required parameters, list limits, 30-s nextTokens, the
// 2 req/s burst 2 usage plan) with their error shapes, so a client that passes here fails where production would.
import { randomBytes, randomUUID } from 'node:crypto';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';

/** What sandbox mode configures the client with; the simulator accepts nothing else. */
export const AMAZON_SANDBOX_CREDENTIALS = {
  clientId: 'amzn1.application-oa2-client.tsunagi-sandbox',
  clientSecret: 'amzn1.oa2-cs.v1.tsunagi-sandbox-secret',
  refreshToken: 'Atzr|tsunagi-sandbox-refresh-token',
} as const;

/** Amazon.co.jp. */
export const AMAZON_JP_MARKETPLACE_ID = 'A1VC38T7YXB528';

export const LWA_TOKEN_PATH = '/auth/o2/token';
export const SUMMARIES_PATH = '/fba/inventory/v1/summaries';

export interface AmazonSimulatorOptions {
  /** JSON snapshot of the inventory; undefined = memory only. */
  stateFile?: string;
  /** The getInventorySummaries usage plan; false = unlimited (benchmarks). Default 2 req/s, burst 2. */
  rateLimit?: false | { perSecond: number; burst: number };
  /** Access token lifetime reported as expires_in and enforced. Default 3600. */
  tokenTtlSeconds?: number;
  /** Inventory summaries per page. Default 50. */
  pageSize?: number;
  /** How long a nextToken stays valid. Default 30 000. */
  nextTokenTtlMs?: number;
  /** The one marketplace this seller sells in. Default Amazon.co.jp. */
  marketplaceId?: string;
  credentials?: { clientId: string; clientSecret: string; refreshToken: string };
}

export interface AmazonSeedOptions {
  /** Number of the first SKU (AMZ-000001 is 1). Default 1. */
  start?: number;
  /** Fulfillable quantities to cycle through instead of the default spread. */
  quantities?: readonly number[];
}

interface SimItem {
  sellerSku: string;
  asin: string;
  fnSku: string;
  productName: string;
  fulfillable: number;
  inboundShipped: number;
  reserved: number;
  unfulfillable: number;
  lastUpdatedTime: string;
}

interface SimState {
  /** Insertion order, which is also listing order: SKUs are never removed, so a cursor index stays valid. */
  items: SimItem[];
}

interface PageCursor {
  /** SKUs of a filtered listing (sellerSkus or startDateTime); null = the whole inventory in listing order. */
  list: string[] | null;
  index: number;
  startDateTime: string | undefined;
  expiresAt: number;
}

/**
 * The default spread: the first five cover every default allocation tier (0, 1–5, 6–9, 10–19, ≥20),
 * then each tier's boundaries.
 */
const DEFAULT_QUANTITIES = [0, 3, 7, 12, 25, 1, 5, 6, 9, 10, 19, 20, 48, 150, 2, 8, 14, 33, 0, 64] as const;
const MAX_SELLER_SKUS = 50;
const EXPIRED_TOKEN_MEMORY_MS = 3_600_000;
const MAX_SKU_LENGTH = 40;
const EIGHTEEN_MONTHS_MS = 548 * 86_400_000;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** The body every SP-API error carries. */
export function spApiErrorBody(code: string, message: string, details = ''): { errors: { code: string; message: string; details: string }[] } {
  return { errors: [{ code, message, details }] };
}

/** A ready-made SP-API error response, for fault injection: `sim.faults.add({ path, response: spApiErrorResponse(500) })`. */
export function spApiErrorResponse(status: number, headers: Record<string, string> = {}): SimResponse {
  const byStatus: Record<number, [string, string]> = {
    400: ['InvalidInput', 'Invalid request, please check your input.'],
    403: ['Unauthorized', 'Access to requested resource is denied.'],
    404: ['NotFound', 'The specified resource does not exist.'],
    429: ['QuotaExceeded', 'You exceeded your quota for the requested resource.'],
    500: ['InternalFailure', 'We encountered an internal error. Please try again.'],
    503: ['ServiceUnavailable', 'Service temporarily unavailable. Please try again.'],
  };
  const [code, message] = byStatus[status] ?? ['InternalFailure', `HTTP ${status}`];
  return { status, headers, body: spApiErrorBody(code, message) };
}

function lwaError(status: number, error: string, description: string): SimResponse {
  return { status, body: { error_description: description, error } };
}

/** SP-API takes list parameters comma-separated; repeated parameters are accepted too. */
function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function skuNumber(n: number): string {
  return `AMZ-${String(n).padStart(6, '0')}`;
}

export class AmazonSimulator {
  readonly faults = new FaultPlan();
  /** Request counters for tests: every request to each endpoint, including faulted and throttled ones. */
  readonly stats = { tokenRequests: 0, tokenGrants: 0, summariesRequests: 0, throttled: 0 };
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<SimState>;
  private readonly bySku = new Map<string, SimItem>();
  /** Access token → expiry (ms). Issued in time order with one lifetime, so the oldest expire first. */
  private readonly accessTokens = new Map<string, number>();
  private readonly cursors = new Map<string, PageCursor>();
  private readonly bucket: TokenBucket | undefined;
  private readonly rateLimitHeader: string;
  private readonly tokenTtlSeconds: number;
  private readonly pageSize: number;
  private readonly nextTokenTtlMs: number;
  private readonly marketplaceId: string;
  private readonly credentials: { clientId: string; clientSecret: string; refreshToken: string };

  constructor(opts: AmazonSimulatorOptions = {}) {
    const rate = opts.rateLimit === false ? undefined : (opts.rateLimit ?? { perSecond: 2, burst: 2 });
    this.bucket = rate ? new TokenBucket(rate.perSecond, rate.burst) : undefined;
    this.rateLimitHeader = (rate?.perSecond ?? 2).toFixed(1);
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 3600;
    this.pageSize = opts.pageSize ?? 50;
    this.nextTokenTtlMs = opts.nextTokenTtlMs ?? 30_000;
    this.marketplaceId = opts.marketplaceId ?? AMAZON_JP_MARKETPLACE_ID;
    this.credentials = opts.credentials ?? { ...AMAZON_SANDBOX_CREDENTIALS };
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new Error(`AmazonSimulator: pageSize must be a whole number >= 1, got ${opts.pageSize}`);
    this.state = new PersistentState<SimState>(opts.stateFile, () => ({ items: [] }));
    for (const item of this.state.data.items) this.bySku.set(item.sellerSku, item);
    this.server = new SimulatorServer('amazon', (req) => this.handle(req));
  }

  get url(): string {
    return this.server.url;
  }

  get size(): number {
    return this.bySku.size;
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  async close(): Promise<void> {
    await this.server.close();
    this.state.flush();
  }

  /** Adds (or resets) `count` SKUs AMZ-<6 digits> from opts.start with deterministic quantities. */
  seed(count: number, opts: AmazonSeedOptions = {}): void {
    const start = opts.start ?? 1;
    const quantities = opts.quantities ?? DEFAULT_QUANTITIES;
    if (!Number.isInteger(count) || count < 0) throw new Error(`seed: count must be a whole number >= 0, got ${count}`);
    if (!Number.isInteger(start) || start < 0 || start + count - 1 > 999_999) {
      throw new Error(`seed: SKU numbers ${start}..${start + count - 1} do not fit AMZ-<6 digits>`);
    }
    if (quantities.length === 0 || quantities.some((q) => !Number.isInteger(q) || q < 0)) {
      throw new Error('seed: quantities must be a non-empty list of whole numbers >= 0');
    }
    const now = new Date().toISOString();
    for (let i = 0; i < count; i++) {
      const n = start + i;
      const sku = skuNumber(n);
      const fulfillable = quantities[i % quantities.length]!;
      const existing = this.bySku.get(sku);
      if (existing) {
        existing.fulfillable = fulfillable;
        existing.lastUpdatedTime = now;
        continue;
      }
      // Some stock in other states, so that totalQuantity differs from the fulfillable figure.
      this.add(sku, n.toString(36).toUpperCase().padStart(8, '0'), fulfillable, now, {
        inboundShipped: n % 7 === 0 ? 12 : 0, reserved: n % 3, unfulfillable: n % 11 === 0 ? 1 : 0,
      });
    }
    this.state.changed();
  }

  /** Sets the fulfillable quantity of a SKU, creating it when absent. */
  setQuantity(sku: string, fulfillable: number): void {
    if (!Number.isInteger(fulfillable) || fulfillable < 0) {
      throw new Error(`setQuantity ${sku}: quantity must be a whole number >= 0, got ${fulfillable}`);
    }
    if (sku.trim() === '' || sku.length > MAX_SKU_LENGTH) {
      throw new Error(`setQuantity: seller SKU must be 1–${MAX_SKU_LENGTH} characters, got "${sku}"`);
    }
    const now = new Date().toISOString();
    const existing = this.bySku.get(sku);
    if (existing) {
      existing.fulfillable = fulfillable;
      existing.lastUpdatedTime = now;
    } else {
      this.add(sku, randomBytes(4).toString('hex').toUpperCase(), fulfillable, now, { inboundShipped: 0, reserved: 0, unfulfillable: 0 });
    }
    this.state.changed();
  }

  private add(sku: string, code: string, fulfillable: number, now: string, other: Pick<SimItem, 'inboundShipped' | 'reserved' | 'unfulfillable'>): void {
    const item: SimItem = {
      sellerSku: sku, asin: `B0${code}`, fnSku: `X0${code}`, productName: `サンプル商品 ${sku}`, fulfillable, ...other,
      lastUpdatedTime: now,
    };
    this.bySku.set(sku, item);
    this.state.data.items.push(item);
  }

  getQuantity(sku: string): number | null {
    return this.bySku.get(sku)?.fulfillable ?? null;
  }

  /** Removes every SKU: `tsunagi sandbox seed` replaces the catalogue, `sandbox reset` empties it. */
  clear(): void {
    this.bySku.clear();
    this.state.data.items.length = 0;
    this.state.changed();
  }

  /** How many SKUs the catalogue holds. */
  count(): number {
    return this.bySku.size;
  }

  /** Every seller SKU in listing order. */
  skus(): string[] {
    return this.state.data.items.map((i) => i.sellerSku);
  }

  /** Expires every access token issued so far, as if they had outlived expires_in (tests the 403 → re-grant path). */
  expireAccessTokens(): void {
    const now = Date.now();
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, now);
  }

  private handle(req: SimRequest): SimResponse {
    if (req.path === LWA_TOKEN_PATH) this.stats.tokenRequests++;
    if (req.path === SUMMARIES_PATH) this.stats.summariesRequests++;
    const res = this.faults.match(req) ?? this.route(req);
    return { ...res, headers: { ...res.headers, 'x-amzn-RequestId': randomUUID() } };
  }

  private route(req: SimRequest): SimResponse {
    if (req.path === LWA_TOKEN_PATH) {
      if (req.method !== 'POST') return lwaError(405, 'invalid_request', `${req.method} is not supported; use POST`);
      return this.grant(req);
    }
    if (req.path === SUMMARIES_PATH) {
      if (req.method !== 'GET') return { status: 405, body: spApiErrorBody('MethodNotAllowed', `${req.method} is not allowed on ${req.path}`) };
      return this.summaries(req);
    }
    return { status: 404, body: spApiErrorBody('NotFound', `No resource at ${req.path}`) };
  }

  /** LWA: POST /auth/o2/token with the refresh-token grant (form-encoded; JSON is accepted as LWA does). */
  private grant(req: SimRequest): SimResponse {
    let params: URLSearchParams;
    if (String(req.headers['content-type'] ?? '').includes('json')) {
      try {
        params = new URLSearchParams(JSON.parse(req.body) as Record<string, string>);
      } catch {
        return lwaError(400, 'invalid_request', 'The request body is not valid JSON');
      }
    } else {
      params = new URLSearchParams(req.body);
    }
    const grantType = params.get('grant_type');
    if (!grantType) return lwaError(400, 'invalid_request', 'The request is missing a required parameter : grant_type');
    if (grantType !== 'refresh_token') {
      return lwaError(400, 'unsupported_grant_type', `The authorization grant type ${grantType} is not supported by the authorization server`);
    }
    for (const name of ['client_id', 'client_secret', 'refresh_token']) {
      if (!params.get(name)) return lwaError(400, 'invalid_request', `The request is missing a required parameter : ${name}`);
    }
    if (params.get('client_id') !== this.credentials.clientId || params.get('client_secret') !== this.credentials.clientSecret) {
      // LWA answers a wrong client id or secret with 401 (observed), a wrong refresh token with 400.
      return lwaError(401, 'invalid_client', 'Client authentication failed');
    }
    if (params.get('refresh_token') !== this.credentials.refreshToken) {
      return lwaError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
    }
    const now = Date.now();
    // Expired tokens are remembered for a while so that their use is answered "expired", not "invalid".
    for (const [token, expiresAt] of this.accessTokens) {
      if (expiresAt + EXPIRED_TOKEN_MEMORY_MS > now) break;
      this.accessTokens.delete(token);
    }
    const accessToken = `Atza|${randomBytes(48).toString('base64url')}`;
    this.accessTokens.set(accessToken, now + this.tokenTtlSeconds * 1000);
    this.stats.tokenGrants++;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
      body: { access_token: accessToken, token_type: 'bearer', expires_in: this.tokenTtlSeconds },
    };
  }

  private summaries(req: SimRequest): SimResponse {
    const token = req.headers['x-amz-access-token'];
    const expiresAt = typeof token === 'string' ? this.accessTokens.get(token) : undefined;
    if (expiresAt === undefined) {
      const details = token ? 'The access token you provided is revoked, malformed or invalid.' : '';
      return { status: 403, body: spApiErrorBody('Unauthorized', 'Access to requested resource is denied.', details) };
    }
    if (expiresAt <= Date.now()) {
      return { status: 403, body: spApiErrorBody('Unauthorized', 'Access to requested resource is denied.', 'The access token you provided has expired.') };
    }
    if (this.bucket && !this.bucket.take()) {
      this.stats.throttled++;
      // SP-API sends neither x-amzn-RateLimit-Limit nor Retry-After with a 429.
      return spApiErrorResponse(429);
    }
    const ok = (body: unknown): SimResponse => ({ status: 200, headers: { 'x-amzn-RateLimit-Limit': this.rateLimitHeader }, body });
    const invalid = (message: string): SimResponse => ({
      status: 400,
      headers: { 'x-amzn-RateLimit-Limit': this.rateLimitHeader },
      body: spApiErrorBody('InvalidInput', message),
    });

    const q = req.query;
    for (const name of ['granularityType', 'granularityId', 'marketplaceIds']) {
      if (listParam(q, name).length === 0) return invalid(`Missing required parameter: ${name}`);
    }
    const granularityType = q.get('granularityType');
    if (granularityType !== 'Marketplace') return invalid(`Invalid granularityType: ${granularityType}. The only supported value is Marketplace`);
    const marketplaceIds = listParam(q, 'marketplaceIds');
    if (marketplaceIds.length > 1) return invalid(`marketplaceIds accepts at most 1 value, got ${marketplaceIds.length}`);
    if (marketplaceIds[0] !== this.marketplaceId) return invalid(`Invalid marketplaceIds: ${marketplaceIds[0]} is not a marketplace of this seller`);
    const granularityId = q.get('granularityId');
    if (granularityId !== this.marketplaceId) return invalid(`Invalid granularityId: ${granularityId} is not a marketplace of this seller`);
    const detailsParam = q.get('details');
    if (detailsParam !== null && !/^(true|false)$/i.test(detailsParam)) return invalid(`Invalid details: ${detailsParam}. Expected true or false`);
    const details = detailsParam?.toLowerCase() === 'true';
    const startDateTime = q.get('startDateTime') ?? undefined;
    if (startDateTime !== undefined) {
      const at = Date.parse(startDateTime);
      if (!ISO_DATE_TIME.test(startDateTime) || Number.isNaN(at)) return invalid(`Invalid startDateTime: ${startDateTime} is not an ISO 8601 date-time`);
      if (at < Date.now() - EIGHTEEN_MONTHS_MS) return invalid('Invalid startDateTime: it must be no earlier than 18 months ago');
    }
    const sellerSkus = listParam(q, 'sellerSkus');
    if (sellerSkus.length > MAX_SELLER_SKUS) return invalid(`sellerSkus accepts at most ${MAX_SELLER_SKUS} values, got ${sellerSkus.length}`);
    const sellerSku = q.get('sellerSku');

    let cursor: PageCursor;
    const nextToken = q.get('nextToken');
    if (nextToken !== null) {
      const found = this.cursors.get(nextToken);
      if (!found || found.expiresAt <= Date.now()) return invalid('Next token is invalid or expired');
      if (found.startDateTime !== undefined && startDateTime !== found.startDateTime) {
        return invalid('startDateTime must be sent with nextToken, unchanged, when the listing was started with it');
      }
      cursor = found;
    } else {
      let list: string[] | null = null;
      if (startDateTime !== undefined) {
        // startDateTime wins over sellerSkus, as the API documents.
        const since = Date.parse(startDateTime);
        list = this.state.data.items.filter((i) => Date.parse(i.lastUpdatedTime) >= since).map((i) => i.sellerSku);
      } else if (sellerSkus.length > 0 || sellerSku !== null) {
        const wanted = sellerSkus.length > 0 ? sellerSkus : [sellerSku!];
        list = [...new Set(wanted)].filter((s) => this.bySku.has(s));
      }
      cursor = { list, index: 0, startDateTime, expiresAt: 0 };
    }

    const total = cursor.list ? cursor.list.length : this.state.data.items.length;
    const end = Math.min(cursor.index + this.pageSize, total);
    const inventorySummaries: unknown[] = [];
    for (let i = cursor.index; i < end; i++) {
      const item = cursor.list ? this.bySku.get(cursor.list[i]!) : this.state.data.items[i];
      if (item) inventorySummaries.push(this.view(item, details));
    }
    const body: Record<string, unknown> = {
      payload: { granularity: { granularityType: 'Marketplace', granularityId: this.marketplaceId }, inventorySummaries },
    };
    if (end < total) {
      body.pagination = { nextToken: this.issueCursor({ list: cursor.list, index: end, startDateTime: cursor.startDateTime }) };
    }
    return ok(body);
  }

  private issueCursor(cursor: Omit<PageCursor, 'expiresAt'>): string {
    const now = Date.now();
    // Cursors share one lifetime, so the oldest expire first: drop them from the front.
    for (const [token, c] of this.cursors) {
      if (c.expiresAt > now) break;
      this.cursors.delete(token);
    }
    // Standard base64 with '=' padding (95 bytes) and often + or /, like SP-API's tokens: a client that forgets to
    // URL-encode them fails here too.
    const token = randomBytes(95).toString('base64');
    this.cursors.set(token, { ...cursor, expiresAt: now + this.nextTokenTtlMs });
    return token;
  }

  private view(item: SimItem, details: boolean): Record<string, unknown> {
    const summary: Record<string, unknown> = {
      asin: item.asin,
      fnSku: item.fnSku,
      sellerSku: item.sellerSku,
      condition: 'NewItem',
      lastUpdatedTime: item.lastUpdatedTime,
      productName: item.productName,
      totalQuantity: item.fulfillable + item.inboundShipped + item.reserved + item.unfulfillable,
      stores: [],
    };
    if (details) {
      summary.inventoryDetails = {
        fulfillableQuantity: item.fulfillable,
        inboundWorkingQuantity: 0,
        inboundShippedQuantity: item.inboundShipped,
        inboundReceivingQuantity: 0,
        reservedQuantity: {
          totalReservedQuantity: item.reserved,
          pendingCustomerOrderQuantity: item.reserved,
          pendingTransshipmentQuantity: 0,
          fcProcessingQuantity: 0,
        },
        researchingQuantity: { totalResearchingQuantity: 0, researchingQuantityBreakdown: [] },
        unfulfillableQuantity: {
          totalUnfulfillableQuantity: item.unfulfillable,
          customerDamagedQuantity: item.unfulfillable,
          warehouseDamagedQuantity: 0,
          distributorDamagedQuantity: 0,
          carrierDamagedQuantity: 0,
          defectiveQuantity: 0,
          expiredQuantity: 0,
        },
      };
    }
    return summary;
  }
}
