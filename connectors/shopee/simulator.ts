// A local Shopee Open Platform v2 with the rules the real one enforces (integration-contracts §1): the HMAC
// signature and its 5-minute timestamp window, the shop authorisation (auth_partner → code once within 10
// minutes → token/get), access tokens of 4 hours, single-use refresh tokens of 30 days, the 365-day authorisation,
// shop ownership of items, update_stock's 1–50 models and non-negative seller_stock, update_price's market precision,
// per-model failures, the envelope with HTTP 200, and a configurable rate limit answered with error_system_busy
// (UNCONFIRMED: README).
import { randomBytes } from 'node:crypto';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import type { RateLimit } from '../../platform/http/index.js';
import { PATHS, signature, signatureBase } from './client.js';
import type { ItemStatus, ShopeeConfig } from './config.js';
import { priceDecimals } from './prices.js';
import { fail, ok, priceProblem, rid, SimProducts } from './simulator-products.js';
import { SimMarket, type SimItemContent, type ItemSpec, type SimShop } from './simulator-state.js';
import { ORDER_PATHS } from './orders.js';
import { SANDBOX_LOGISTIC_ID, SimListings } from './simulator-listings.js';
import { SimOrders, type PushSent, type SimOrder } from './simulator-orders.js';

/** The public test partner the sandbox accepts (not a secret: `tsunagi sandbox credentials` prints it). */
export const SHOPEE_SANDBOX_PARTNER = { partnerId: 1_000_001, partnerKey: 'tsunagi-sandbox-shopee-partner-key' } as const;

/** The sandbox's shop of a market: a fixed id per market code, so every sandbox agrees (ID, MX included). */
export const sandboxShopId = (country: string) => 2_000_000 + (country.charCodeAt(0) - 65) * 26 + (country.charCodeAt(1) - 65);

/** The seven markets the shipped config lists, with their currencies. */
export const SHOPEE_MARKETS: Record<string, string> = { SG: 'SGD', MY: 'MYR', TH: 'THB', TW: 'TWD', PH: 'PHP', VN: 'VND', BR: 'BRL' };

/** Client config pointed at a running simulator with the sandbox partner and shops (tests, benchmarks). */
export function shopeeSandboxConfig(baseUrl: string, overrides: Partial<ShopeeConfig> = {}, markets = Object.keys(SHOPEE_MARKETS)): ShopeeConfig {
  return {
    system: 'shopee',
    host: baseUrl,
    ...SHOPEE_SANDBOX_PARTNER,
    redirectUrl: 'http://127.0.0.1:8977/shopee/callback',
    shops: markets.map((c) => ({ country: c, channel: `shopee:${c}`, shopId: sandboxShopId(c), currency: SHOPEE_MARKETS[c] ?? 'USD', logisticIds: [SANDBOX_LOGISTIC_ID] })),
    itemStatuses: ['NORMAL', 'UNLIST'],
    missRefreshMs: 60_000,
    mapMaxAgeMs: 24 * 3_600_000,
    concurrency: 4,
    rateLimit: { perSecond: 1000, burst: 1000 },
    ...overrides,
  };
}

export interface ShopeeSimulatorOptions {
  stateFile?: string;
  /** Calls per partner and shop; false turns the limit off. Default 10/s, burst 10 (UNCONFIRMED numbers). */
  rateLimit?: false | RateLimit;
  partner?: { partnerId: number; partnerKey: string };
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  codeTtlSeconds?: number;
  timestampWindowSeconds?: number;
  authorizationDays?: number;
}

const now = () => Math.floor(Date.now() / 1000);

interface Authorised {
  shop: SimShop;
  body: Record<string, unknown>;
}

export class ShopeeSimulator {
  readonly faults = new FaultPlan();
  readonly market: SimMarket;
  private readonly products: SimProducts;
  private readonly listings: SimListings;
  readonly orders: SimOrders;
  /** Counts for tests: refreshes granted, rate-limited calls, calls per path. */
  readonly counts = { refreshes: 0, busy: 0, calls: {} as Record<string, number> };
  private readonly server: SimulatorServer;
  private readonly partner: { partnerId: number; partnerKey: string };
  private readonly rate: false | RateLimit;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly accessTokens = new Map<string, { shopId: number; expiresAt: number }>();
  private readonly codes = new Map<string, { shopId: number; expiresAt: number }>();
  private readonly ttl: { access: number; refresh: number; code: number; window: number; authorization: number };

  constructor(opts: ShopeeSimulatorOptions = {}) {
    this.partner = opts.partner ?? SHOPEE_SANDBOX_PARTNER;
    this.rate = opts.rateLimit === undefined ? { perSecond: 10, burst: 10 } : opts.rateLimit;
    this.ttl = {
      access: opts.accessTokenTtlSeconds ?? 4 * 3600,
      refresh: opts.refreshTokenTtlSeconds ?? 30 * 86_400,
      code: opts.codeTtlSeconds ?? 600,
      window: opts.timestampWindowSeconds ?? 300,
      authorization: (opts.authorizationDays ?? 365) * 86_400,
    };
    this.market = new SimMarket(opts.stateFile);
    this.products = new SimProducts(this.market, (region) => SHOPEE_MARKETS[region] ?? 'USD');
    this.listings = new SimListings(this.market);
    this.orders = new SimOrders(opts.stateFile?.replace(/(\.json)?$/, '-orders.json'), this.market, this.partner.partnerKey, (region) => SHOPEE_MARKETS[region] ?? 'USD');
    this.server = new SimulatorServer('shopee', async (req) => {
      await this.faults.wait(req);
      this.counts.calls[req.path] = (this.counts.calls[req.path] ?? 0) + 1;
      return this.faults.match(req) ?? this.handle(req);
    });
  }

  get url(): string {
    return this.server.url;
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  async close(): Promise<void> {
    await this.server.close();
    this.market.flush();
    this.orders.flush();
  }

  // ---- control methods (tests, `tsunagi sandbox`); shops by market code, channel or shop id ----

  /** Opens the shops the config names (the sandbox's fixed ids). */
  ensureShops(shops: { shopId: number; country: string }[]): void {
    for (const s of shops) this.market.addShop(s.shopId, s.country);
  }

  shopList(): { country: string; shopId: number; items: number; authorisedUntil: string | null }[] {
    return [...this.market.shops.values()].map((s) => ({
      country: s.region, shopId: s.shop_id, items: s.items.size, authorisedUntil: s.expire_time ? new Date(s.expire_time * 1000).toISOString() : null,
    }));
  }

  addItem(shop: string | number, spec: ItemSpec): { itemId: number; modelIds: number[] } {
    return this.market.addItem(this.market.shop(shop), spec);
  }

  /** Replaces a shop's catalogue with one item (no models) per SKU. */
  seed(shop: string | number, skus: string[], quantity: number): void {
    const s = this.market.shop(shop);
    this.market.clearItems(s);
    for (const sku of skus) this.market.addItem(s, { item_sku: sku, stock: quantity });
  }

  /** Lists, at stock 0, the SKUs the shop lacks; answers how many. */
  addMissing(shop: string | number, skus: string[]): number {
    const s = this.market.shop(shop);
    const missing = [...new Set(skus)].filter((sku) => !s.skus.has(sku));
    for (const sku of missing) this.market.addItem(s, { item_sku: sku, stock: 0 });
    return missing.length;
  }

  /** seller_stock of a SKU's listing, set out of band (as the seller would in Seller Centre). */
  setQuantity(shop: string | number, sku: string, quantity: number): void {
    if (!Number.isInteger(quantity) || quantity < 0) throw new Error(`shopee simulator: stock must be a whole number >= 0, got ${quantity}`);
    const { item, model } = this.market.listing(this.market.shop(shop), sku);
    if (model) model.stock = quantity;
    else item.stock = quantity;
    this.market.changed();
  }

  /** seller_stock of a SKU's listing; null where the shop has no (single) listing with that SKU. */
  getQuantity(shop: string | number, sku: string): number | null {
    const s = this.market.shop(shop);
    if ((s.skus.get(sku) ?? []).length !== 1) return null;
    const { item, model } = this.market.listing(s, sku);
    return model ? model.stock : item.stock;
  }

  /** original_price of a SKU's listing, set out of band (as the seller would in Seller Centre), in the market's precision. */
  setPrice(shop: string | number, sku: string, price: number): void {
    const s = this.market.shop(shop);
    const problem = priceProblem(s.region, price);
    if (problem) throw new Error(`shopee simulator: ${problem}`);
    const { item, model } = this.market.listing(s, sku);
    (model ?? item).price = price;
    this.market.changed();
  }

  /** original_price of a SKU's listing as decimal text in the market's precision ("12.30", "123"); null where no (single) listing. */
  getPrice(shop: string | number, sku: string): string | null {
    const s = this.market.shop(shop);
    if ((s.skus.get(sku) ?? []).length !== 1) return null;
    const { item, model } = this.market.listing(s, sku);
    return (model ?? item).price.toFixed(priceDecimals(s.region));
  }

  /** A SKU's item with its product data (null content: never set through add_item / update_item); null where no (single) listing. */
  getListing(shop: string | number, sku: string): { itemId: number; updateTime: number; content: SimItemContent | null } | null {
    const s = this.market.shop(shop);
    if ((s.skus.get(sku) ?? []).length !== 1) return null;
    const { item } = this.market.listing(s, sku);
    return { itemId: item.item_id, updateTime: item.update_time, content: item.content ?? null };
  }

  /** Promotion stock a listing must keep (update_stock below it fails for that model). */
  setReserved(shop: string | number, sku: string, reserved: number): void {
    const { item, model } = this.market.listing(this.market.shop(shop), sku);
    if (model) model.reserved = reserved;
    else item.reserved = reserved;
  }

  setSku(shop: string | number, itemId: number, modelId: number, sku: string): void {
    this.market.setSku(this.market.shop(shop), itemId, modelId, sku);
  }

  setItemStatus(shop: string | number, itemId: number, status: ItemStatus): void {
    this.market.setStatus(this.market.shop(shop), itemId, status);
  }

  /** Every shop's catalogue emptied; tokens stay valid. */
  clear(): void {
    for (const s of this.market.shops.values()) this.market.clearItems(s);
  }

  /** The first-start state: empty catalogues, no authorisation, no token issued so far valid. */
  reset(): void {
    this.orders.reset();
    this.clear();
    for (const s of this.market.shops.values()) Object.assign(s, { auth_time: 0, expire_time: 0 });
    this.market.refreshTokens.clear();
    this.accessTokens.clear();
    this.codes.clear();
    this.market.changed();
  }

  /** The shop authorises the partner now (sandbox set-up, tests): its tokens, as token/get would answer. */
  issueTokens(shop: string | number): { refreshToken: string; accessToken: string; expireIn: number } {
    const s = this.market.shop(shop);
    this.authorise(s);
    return { ...this.mintPair(s.shop_id), expireIn: this.ttl.access };
  }

  /** Whether a refresh token would still be accepted (the sandbox keeps a stored one only if so). */
  knowsRefreshToken(token: string): boolean {
    const t = this.market.refreshTokens.get(token);
    return Boolean(t && t.expiresAt > now());
  }

  /** Ends every access token now: the next shop call gets error_auth "Invalid access_token.". */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.expiresAt = 0;
  }

  /** Moves the end of a shop's authorisation (unix seconds): health counts down to it. */
  setAuthorizationEnd(shop: string | number, expireTime: number): void {
    this.market.shop(shop).expire_time = expireTime;
    this.market.changed();
  }

  // ---- orders and pushes (simulator-orders.ts) ----

  /** Where pushes go (the hub's /webhooks/shopee; the gateway sets it at start in sandbox mode). */
  setWebhookUrl(url: string | null): void {
    this.orders.setPushUrl(url);
  }

  /** A buyer orders a SKU in a shop (its stock drops); the push goes to the hub. */
  placeOrder(shop: string | number, sku: string, quantity: number, opts: { price?: number; status?: string } = {}): Promise<{ order: SimOrder; push: PushSent | null }> {
    return this.orders.placeOrder(this.market.shop(shop), { sku, quantity, ...opts });
  }

  /** Orders placed without pushes (a load test sends them itself): what each push needs. */
  createOrders(shop: string | number, sku: string, count: number): { orderSn: string; shopId: number; updateTime: number }[] {
    return this.orders.createOrders(this.market.shop(shop), sku, count);
  }

  setOrderStatus(orderSn: string, status: string): Promise<PushSent | null> {
    return this.orders.setStatus(orderSn, status);
  }

  getOrder(orderSn: string): SimOrder {
    return this.orders.order(orderSn);
  }

  listOrders(): SimOrder[] {
    return this.orders.list();
  }

  lostPushes(): { id: number; shop_id: number; code: number; timestamp: number; data: string }[] {
    return this.orders.lost();
  }

  // ---- protocol ----

  private handle(req: SimRequest): SimResponse | Promise<SimResponse> {
    switch (req.path) {
      case PATHS.authPartner: return this.authPartner(req);
      case PATHS.tokenGet: return this.publicCall(req, 'POST', (body) => this.tokenGet(body));
      case PATHS.accessTokenGet: return this.publicCall(req, 'POST', (body) => this.accessTokenGet(body));
      case PATHS.shopInfo: return this.shopCall(req, 'GET', ({ shop }) => this.shopInfo(shop));
      case PATHS.itemList: return this.shopCall(req, 'GET', ({ shop }) => this.products.itemList(shop, req.query));
      case PATHS.itemBaseInfo: return this.shopCall(req, 'GET', ({ shop }) => this.products.itemBaseInfo(shop, req.query));
      case PATHS.modelList: return this.shopCall(req, 'GET', ({ shop }) => this.products.modelList(shop, req.query));
      case PATHS.updateStock: return this.shopCall(req, 'POST', ({ shop, body }) => this.products.updateStock(shop, body));
      case PATHS.updatePrice: return this.shopCall(req, 'POST', ({ shop, body }) => this.products.updatePrice(shop, body));
      case PATHS.addItem: return this.shopCall(req, 'POST', ({ shop, body }) => this.listings.addItem(shop, body));
      case PATHS.updateItem: return this.shopCall(req, 'POST', ({ shop, body }) => this.listings.updateItem(shop, body));
      case PATHS.uploadImage: return this.upload(req);
      case ORDER_PATHS.orderList: return this.shopCall(req, 'GET', ({ shop }) => this.orders.orderList(shop, req.query));
      case ORDER_PATHS.orderDetail: return this.shopCall(req, 'GET', ({ shop }) => this.orders.orderDetail(shop, req.query));
      case ORDER_PATHS.shippingParameter: return this.shopCall(req, 'GET', ({ shop }) => this.orders.shippingParameter(shop, req.query));
      case ORDER_PATHS.shipOrder: return this.shopCall(req, 'POST', ({ shop, body }) => this.orders.shipOrder(shop, body));
      case ORDER_PATHS.trackingNumber: return this.shopCall(req, 'GET', ({ shop }) => this.orders.trackingNumber(shop, req.query));
      case ORDER_PATHS.lostPushes: return this.partnerCall(req, 'GET', () => this.orders.lostPushes());
      case ORDER_PATHS.confirmLostPushes: return this.partnerCall(req, 'POST', (body) => this.orders.confirmLostPushes(body));
      default: return { status: 404, body: { request_id: rid(), error: 'error_not_found', message: `no such API: ${req.path}` } };
    }
  }

  /** The common parameters every call carries; an error response, or the partner's timestamp checked. */
  private common(req: SimRequest, method: string): SimResponse | { timestamp: number } {
    if (req.method !== method) return fail('error_param', `Wrong parameters, detail: ${req.path} takes ${method}.`);
    const partnerId = req.query.get('partner_id');
    if (!partnerId) return fail('error_param', 'There is no partner_id in query.');
    if (Number(partnerId) !== this.partner.partnerId) return fail('error_param', 'Invalid partner_id.');
    const timestamp = req.query.get('timestamp');
    if (!timestamp) return fail('error_param', 'no timestamp');
    if (!/^\d+$/.test(timestamp) || Math.abs(now() - Number(timestamp)) > this.ttl.window) return fail('error_param', 'Invalid timestamp');
    if (!req.query.get('sign')) return fail('error_param', 'There is no sign in query.');
    return { timestamp: Number(timestamp) };
  }

  private parseBody(req: SimRequest): { body: Record<string, unknown> } | { refused: SimResponse } {
    if (req.method !== 'POST') return { body: {} };
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return { refused: fail('error_param', 'Wrong parameters, detail: Content-Type must be application/json.') };
    }
    try {
      const body = JSON.parse(req.body) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) return { body: body as Record<string, unknown> };
    } catch {
      // answered below
    }
    return { refused: fail('error_data', 'parse data failed') };
  }

  private throttled(key: string): boolean {
    if (!this.rate) return false;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.rate.perSecond, this.rate.burst)));
    if (bucket.take()) return false;
    this.counts.busy++;
    return true;
  }

  private publicCall(req: SimRequest, method: string, then: (body: Record<string, unknown>) => SimResponse): SimResponse {
    const common = this.common(req, method);
    if ('status' in common) return common;
    if (this.throttled(`${this.partner.partnerId}`)) return fail('error_system_busy', 'Our system is taking some time to respond, please try later.');
    const expected = signature(this.partner.partnerKey, signatureBase(this.partner.partnerId, req.path, common.timestamp));
    if (req.query.get('sign') !== expected) return fail('error_sign', 'Wrong sign.');
    const parsed = this.parseBody(req);
    if ('refused' in parsed) return parsed.refused;
    if (Number(parsed.body.partner_id) !== this.partner.partnerId) return fail('error_param', 'Invalid partner_id.');
    return then(parsed.body);
  }

  /** A partner-level call (the push APIs): signed like a public one, for no shop. */
  private partnerCall(req: SimRequest, method: string, then: (body: Record<string, unknown>) => SimResponse): SimResponse {
    const common = this.common(req, method);
    if ('status' in common) return common;
    if (this.throttled(`${this.partner.partnerId}`)) return fail('error_system_busy', 'Our system is taking some time to respond, please try later.');
    const expected = signature(this.partner.partnerKey, signatureBase(this.partner.partnerId, req.path, common.timestamp));
    if (req.query.get('sign') !== expected) return fail('error_sign', 'Wrong sign.');
    const parsed = this.parseBody(req);
    if ('refused' in parsed) return parsed.refused;
    return then(parsed.body);
  }

  /** upload_image: signed like a partner-level call (UNCONFIRMED), the body multipart/form-data rather than JSON. */
  private upload(req: SimRequest): SimResponse {
    const common = this.common(req, 'POST');
    if ('status' in common) return common;
    if (this.throttled(`${this.partner.partnerId}`)) return fail('error_system_busy', 'Our system is taking some time to respond, please try later.');
    const expected = signature(this.partner.partnerKey, signatureBase(this.partner.partnerId, req.path, common.timestamp));
    if (req.query.get('sign') !== expected) return fail('error_sign', 'Wrong sign.');
    return this.listings.uploadImage(req.headers['content-type'] ?? '', req.rawBody);
  }

  private shopCall(req: SimRequest, method: string, then: (a: Authorised) => SimResponse | Promise<SimResponse>): SimResponse | Promise<SimResponse> {
    const common = this.common(req, method);
    if ('status' in common) return common;
    const accessToken = req.query.get('access_token');
    if (!accessToken) return fail('error_param', 'There is no access_token in query.');
    const shopId = Number(req.query.get('shop_id'));
    const shop = this.market.shops.get(shopId);
    if (!shop) return fail('error_param', 'The shop id you provided is not found. Please check your shop id.');
    if (this.throttled(`${this.partner.partnerId}:${shopId}`)) return fail('error_system_busy', 'Our system is taking some time to respond, please try later.');
    const expected = signature(this.partner.partnerKey, signatureBase(this.partner.partnerId, req.path, common.timestamp, { accessToken, shopId }));
    if (req.query.get('sign') !== expected) return fail('error_sign', 'Wrong sign.');
    const token = this.accessTokens.get(accessToken);
    if (!token || token.shopId !== shopId || token.expiresAt <= now()) return fail('error_auth', 'Invalid access_token.');
    const parsed = this.parseBody(req);
    if ('refused' in parsed) return parsed.refused;
    return then({ shop, body: parsed.body });
  }

  /**
   * Sandbox stand-in for the seller's login and consent: with `shop_id` (the seller who logs in) it redirects at
   * once with a code; without, it lists the partner's shops as links.
   */
  private authPartner(req: SimRequest): SimResponse {
    const common = this.common(req, 'GET');
    if ('status' in common) return common;
    const expected = signature(this.partner.partnerKey, signatureBase(this.partner.partnerId, req.path, common.timestamp));
    if (req.query.get('sign') !== expected) return fail('error_sign', 'Wrong sign.');
    let redirect: URL;
    try {
      redirect = new URL(req.query.get('redirect') ?? '');
    } catch {
      return fail('error_param', 'Wrong parameters, detail: redirect must be a URL.');
    }
    const shopId = req.query.get('shop_id');
    if (!shopId) {
      const links = [...this.market.shops.values()].map((s) => {
        const url = new URL(`${this.url}${req.path}?${req.query}`);
        url.searchParams.set('shop_id', String(s.shop_id));
        return `<li><a href="${url.toString().replace(/&/g, '&amp;')}">${s.shop_name} (${s.shop_id})</a></li>`;
      });
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html><title>Authorise</title><h1>Log in as a shop to authorise partner ${this.partner.partnerId}</h1><ul>${links.join('')}</ul>` };
    }
    const shop = this.market.shops.get(Number(shopId));
    if (!shop) return fail('error_param', 'The shop id you provided is not found. Please check your shop id.');
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { shopId: shop.shop_id, expiresAt: now() + this.ttl.code });
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('shop_id', String(shop.shop_id));
    return { status: 302, headers: { location: redirect.toString() } };
  }

  private tokenGet(body: Record<string, unknown>): SimResponse {
    const code = typeof body.code === 'string' ? this.codes.get(body.code) : undefined;
    if (typeof body.code === 'string') this.codes.delete(body.code);
    if (!code || code.expiresAt <= now()) return fail('invalid_code', 'The code is expired or used or invalid, please check the code.');
    if (Number(body.shop_id) !== code.shopId) return fail('invalid_shop_id', 'The code or shop_id is wrong, please check the code or the shop_id.');
    const shop = this.market.shops.get(code.shopId)!;
    this.authorise(shop);
    return ok({ ...this.tokenFields(shop.shop_id), shop_id_list: [shop.shop_id] });
  }

  private accessTokenGet(body: Record<string, unknown>): SimResponse {
    const token = typeof body.refresh_token === 'string' ? this.market.refreshTokens.get(body.refresh_token) : undefined;
    // Each refresh token works once: a spent (or unknown) one is refused as invalid.
    if (!token) return fail('error_auth', 'Invalid refresh_token.');
    if (Number(body.shop_id) !== token.shopId) return fail('error_shop_refresh_token', 'Your refresh token is error ,please check refresh token or shopid.');
    if (token.expiresAt <= now()) return fail('refresh_token_expired', 'Your refresh_token expired.');
    const shop = this.market.shops.get(token.shopId)!;
    if (shop.expire_time <= now()) return fail('shop_access_expired', 'Your access to shop has expired.');
    this.market.refreshTokens.delete(body.refresh_token as string);
    this.counts.refreshes++;
    return ok({ partner_id: this.partner.partnerId, shop_id: shop.shop_id, ...this.tokenFields(shop.shop_id) });
  }

  private shopInfo(shop: SimShop): SimResponse {
    return ok({
      shop_name: shop.shop_name, region: shop.region, status: 'NORMAL', is_cb: true, auth_time: shop.auth_time, expire_time: shop.expire_time,
    });
  }

  private authorise(shop: SimShop): void {
    shop.auth_time = now();
    shop.expire_time = shop.auth_time + this.ttl.authorization;
    this.market.changed();
  }

  private mintPair(shopId: number): { refreshToken: string; accessToken: string } {
    const t = now();
    if (this.accessTokens.size > 10_000) for (const [k, v] of this.accessTokens) if (v.expiresAt <= t) this.accessTokens.delete(k);
    const accessToken = randomBytes(16).toString('hex');
    const refreshToken = randomBytes(16).toString('hex');
    this.accessTokens.set(accessToken, { shopId, expiresAt: t + this.ttl.access });
    this.market.refreshTokens.set(refreshToken, { shopId, expiresAt: t + this.ttl.refresh });
    this.market.changed();
    return { refreshToken, accessToken };
  }

  private tokenFields(shopId: number): Record<string, unknown> {
    const { refreshToken, accessToken } = this.mintPair(shopId);
    return { refresh_token: refreshToken, access_token: accessToken, expire_in: this.ttl.access };
  }
}
