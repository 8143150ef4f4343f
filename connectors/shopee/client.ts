// Shopee Open Platform v2: one signed request helper (HMAC-SHA256 over partner_id + path + timestamp [+
// access_token + shop_id], judged by the envelope's `error`, not the HTTP status), one paginate helper, the
// per-shop access tokens (single-use refresh tokens, through the token manager), the shop authorisation (code
// exchange, 365-day expiry for health). The shops as stock targets are shops.ts. See README.md for the contract
// and what is UNCONFIRMED.
import { createHmac } from 'node:crypto';
import type { CredentialStore } from '../../platform/auth/credentials.js';
import { TokenManager, type GrantedToken } from '../../platform/auth/token-manager.js';
import { AppError } from '../../platform/errors.js';
import { HttpClient, type CallOutcome, type HttpPolicy, type HttpResponse, type Verdict } from '../../platform/http/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import { daysLeft, type ConnectorHealth, type HealthCheck } from '../../subgraphs/inventory/ports.js';
import type { ShopConfig, ShopeeConfig } from './config.js';

export const PATHS = {
  authPartner: '/api/v2/shop/auth_partner',
  tokenGet: '/api/v2/auth/token/get',
  accessTokenGet: '/api/v2/auth/access_token/get',
  shopInfo: '/api/v2/shop/get_shop_info',
  itemList: '/api/v2/product/get_item_list',
  itemBaseInfo: '/api/v2/product/get_item_base_info',
  modelList: '/api/v2/product/get_model_list',
  updateStock: '/api/v2/product/update_stock',
  updatePrice: '/api/v2/product/update_price',
  addItem: '/api/v2/product/add_item',
  updateItem: '/api/v2/product/update_item',
  uploadImage: '/api/v2/media_space/upload_image',
} as const;

/** Access tokens live 4 hours; refresh tokens 30 days and work once; a shop's authorisation at most 365 days. */
export const REFRESH_TOKEN_LIFETIME_DAYS = 30;
const DAY_MS = 86_400_000;
/** health() stays ok but says so this many days before an authorisation ends (Shopee's own push warns 7 days ahead). */
const RENEW_WARNING_DAYS = 7;

/** Envelope errors worth another attempt (integration-contracts §1.6): Shopee is busy or failed inside. */
const RETRYABLE = new Set(['error_system_busy', 'error_inner', 'error_server', 'error_network']);

/** Lower-case hex HMAC-SHA256 of `base` keyed with the partner key's UTF-8 bytes (never hex-decoded). */
export function signature(partnerKey: string, base: string): string {
  return createHmac('sha256', partnerKey).update(base, 'utf8').digest('hex');
}

/** The string a call signs: shop calls add the access token and shop id, public calls stop at the timestamp. */
export function signatureBase(partnerId: number, path: string, timestamp: number, shop?: { accessToken: string; shopId: number }): string {
  return shop ? `${partnerId}${path}${timestamp}${shop.accessToken}${shop.shopId}` : `${partnerId}${path}${timestamp}`;
}

/** Every Shopee answer: `error` is '' on success; token and shop-info calls carry their fields at the top level. */
export interface ShopeeBody<R = unknown> {
  request_id?: string;
  error?: string;
  message?: string;
  warning?: string;
  response?: R;
  [field: string]: unknown;
}

/** A call Shopee refused or could not answer; `error` is its code ('product.error_param', 'error_auth' …). */
export class ShopeeApiError extends AppError {
  readonly code = 'UPSTREAM_FAILED';
  constructor(
    readonly operation: string,
    readonly error: string,
    readonly shopeeMessage: string,
    readonly requestId: string | undefined,
    readonly status: number,
    readonly retryable: boolean,
    /** What to do about it, when the operator must act (authorise again). */
    hint?: string,
  ) {
    super(`shopee ${operation}: ${error}${shopeeMessage ? `: ${shopeeMessage}` : ''}${requestId ? ` (request_id ${requestId})` : ''}${hint ? `. ${hint}` : ''}`);
    this.name = 'ShopeeApiError';
  }

  /** The code without its module prefix ('product.error_param' → 'error_param'). */
  get baseCode(): string {
    return this.error.slice(this.error.lastIndexOf('.') + 1);
  }

  /** The access token was refused (expired or revoked): a refresh may cure it. */
  get accessTokenRefused(): boolean {
    return this.baseCode === 'error_auth' && /access.?token/i.test(this.shopeeMessage) && !/refresh/i.test(this.shopeeMessage);
  }
}

/** Judges one answer by its envelope: undefined = success (or an error the caller reads itself). */
export function judgeEnvelope(operation: string, res: HttpResponse, accept: readonly string[] = []): { body?: ShopeeBody; verdict?: Verdict } {
  let body: ShopeeBody | undefined;
  try {
    const parsed = JSON.parse(res.text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as ShopeeBody;
  } catch {
    // Not JSON: judged by the status below.
  }
  const code = typeof body?.error === 'string' ? body.error : '';
  if (!body || (code === '' && res.status >= 400)) {
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    const text = body ? '' : res.text.slice(0, 200);
    return { verdict: { error: new ShopeeApiError(operation, `http_${res.status}`, body ? `HTTP ${res.status} without an error code` : `not a Shopee envelope: ${text}`, body?.request_id, res.status, retryable), retryable } };
  }
  if (code === '' || accept.includes(code)) return { body };
  const base = code.slice(code.lastIndexOf('.') + 1);
  const retryable = RETRYABLE.has(base);
  const message = typeof body.message === 'string' ? body.message : '';
  return { body, verdict: { error: new ShopeeApiError(operation, code, message, body.request_id, res.status, retryable), retryable } };
}

export interface RequestArgs {
  path: string;
  method?: 'GET' | 'POST';
  /** The integration log's operation name; the path's last part when unset. */
  operation?: string;
  /** A shop call: signed with the shop's access token and shop id. Public (auth) calls have none. */
  shop?: ShopConfig;
  /** Arrays go as repeated keys (item_status=NORMAL&item_status=UNLIST). */
  query?: Record<string, string | number | readonly (string | number)[] | undefined>;
  body?: unknown;
  /** For a body that is not JSON (an upload's multipart/form-data). */
  contentType?: string;
  signal?: AbortSignal;
  /** Error codes returned to the caller instead of thrown (update_stock's error_busi_update_stock_failed). */
  accept?: readonly string[];
  /** A shop call with this access token instead of the token manager's (right after the code exchange). */
  accessToken?: string;
}

export interface ShopeeClientOptions {
  config: ShopeeConfig;
  credentials: CredentialStore;
  /** The shared token manager; the client registers one scheme per shop there (its own when none is given). */
  tokens?: TokenManager;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

/** get_shop_info's fields (top level of the answer). */
export interface ShopInfo {
  shopName: string | null;
  region: string | null;
  status: string | null;
  authTime: Date | null;
  /** When the seller's authorisation of this partner ends. */
  expireTime: Date | null;
}

export class ShopeeClient implements HealthCheck {
  readonly config: ShopeeConfig;
  readonly logger: Logger;
  readonly tokens: TokenManager;
  private readonly http: HttpClient;
  private readonly credentials: CredentialStore;

  constructor(opts: ShopeeClientOptions) {
    this.config = opts.config;
    this.logger = opts.logger ?? silentLogger;
    this.credentials = opts.credentials;
    const limits = Object.fromEntries(opts.config.shops.map((s) => [s.country, opts.config.rateLimit]));
    this.http = new HttpClient({
      system: opts.config.system,
      baseUrl: opts.config.host,
      policy: opts.policy,
      // One bucket per shop (Shopee counts per partner and shop), and one for the auth calls so a refresh never
      // queues behind a shop's backlog.
      rateLimits: { default: opts.config.rateLimit, auth: opts.config.rateLimit, ...limits },
      logger: this.logger,
      onOutcome: opts.onOutcome,
      circuit: { failures: 5, openMs: 60_000 },
    });
    this.tokens = opts.tokens ?? new TokenManager({ credentials: opts.credentials, logger: this.logger });
    for (const shop of opts.config.shops) {
      if (shop.shopId === undefined || opts.config.partnerId === undefined) continue;
      this.tokens.register({
        name: this.schemeOf(shop),
        grant: (refreshToken) => this.refreshGrant(shop, refreshToken),
        refreshToken: { credential: this.credentialOf(shop, 'refresh_token'), singleUse: true, lifetimeDays: REFRESH_TOKEN_LIFETIME_DAYS },
      });
    }
  }

  /** The configured shop of a channel (`shopee:SG`) or a market (`SG`). */
  shop(channelOrCountry: string): ShopConfig {
    const found = this.config.shops.find((s) => s.channel === channelOrCountry || s.country === channelOrCountry);
    if (!found) throw new Error(`${this.config.system}: no shop for "${channelOrCountry}" (configured: ${this.config.shops.map((s) => s.country).join(', ')})`);
    return found;
  }

  /** One signed call. An access token Shopee refuses is refreshed once and the call repeated. */
  async request<R>(args: RequestArgs): Promise<ShopeeBody<R>> {
    const { partnerId, partnerKey } = this.partner();
    const shopId = args.shop ? this.shopIdOf(args.shop) : undefined;
    for (let attempt = 1; ; attempt++) {
      const token = args.shop ? (args.accessToken ?? (await this.tokens.accessToken(this.schemeOf(args.shop)))) : undefined;
      try {
        return await this.send<R>(args, partnerId, partnerKey, token === undefined ? undefined : { accessToken: token, shopId: shopId! });
      } catch (err) {
        if (args.shop && !args.accessToken && attempt === 1 && err instanceof ShopeeApiError && err.accessTokenRefused) {
          this.logger.info({ shop: args.shop.country, operation: args.operation }, 'shopee access token refused; refreshing');
          this.tokens.invalidate(this.schemeOf(args.shop), token!);
          continue;
        }
        throw err;
      }
    }
  }

  /** Offset pages of a list call until the last (bounded: a page that does not advance is an error). */
  async *paginate<T>(
    args: RequestArgs,
    pageSize: number,
    pick: (response: unknown) => { items: T[]; hasNext: boolean; nextOffset: number | undefined },
  ): AsyncGenerator<T[]> {
    let offset = 0;
    for (;;) {
      const body = await this.request({ ...args, query: { ...args.query, offset, page_size: pageSize } });
      const page = pick(body.response);
      yield page.items;
      if (!page.hasNext) return;
      if (page.nextOffset === undefined || !(page.nextOffset > offset)) {
        throw new ShopeeApiError(args.operation ?? args.path, 'invalid_page', `has_next_page is true but next_offset ${page.nextOffset} does not move past ${offset}`, body.request_id, 200, false);
      }
      offset = page.nextOffset;
    }
  }

  /** The shop's name, market and authorisation period (get_shop_info). */
  async shopInfo(shop: ShopConfig, accessToken?: string): Promise<ShopInfo> {
    const body = await this.request({ path: PATHS.shopInfo, shop, accessToken });
    const time = (v: unknown) => (typeof v === 'number' && v > 0 ? new Date(v * 1000) : null);
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    return { shopName: text(body.shop_name), region: text(body.region), status: text(body.status), authTime: time(body.auth_time), expireTime: time(body.expire_time) };
  }

  /**
   * Trades the authorisation code Shopee sent back (once, within 10 minutes) for the shop's tokens, stores the
   * refresh token encrypted and records when the authorisation ends. Answers that date (null when Shopee gives none).
   */
  async exchangeCode(shop: ShopConfig, code: string): Promise<{ expiresAt: Date | null; shopName: string | null }> {
    const { partnerId } = this.partner();
    const shopId = this.shopIdOf(shop);
    const body = await this.request({ path: PATHS.tokenGet, method: 'POST', operation: 'token/get', body: { code, partner_id: partnerId, shop_id: shopId } });
    const granted = this.tokenFields('token/get', body);
    await this.credentials.put(this.credentialOf(shop, 'refresh_token'), granted.refreshToken!, new Date(Date.now() + REFRESH_TOKEN_LIFETIME_DAYS * DAY_MS));
    const info = await this.shopInfo(shop, granted.accessToken);
    if (info.region && info.region !== shop.country) {
      this.logger.warn({ shopId, region: info.region, country: shop.country }, 'authorised shop is in another market than config says');
    }
    const expiresAt = info.expireTime;
    await this.credentials.put(this.credentialOf(shop, 'authorization'), JSON.stringify({ shopId, authTime: info.authTime, expireTime: expiresAt }), expiresAt);
    return { expiresAt, shopName: info.shopName };
  }

  /** Every shop's authorisation: ok when its token works; expiresInDays counts down the soonest to end. */
  async health(): Promise<ConnectorHealth> {
    const parts = await Promise.all(this.config.shops.map((s) => this.shopHealth(s)));
    const known = parts.filter((p) => p.expiresAt);
    const first = known.sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime())[0];
    const failed = parts.filter((p) => !p.ok);
    const detail = failed.length
      ? failed.map((p) => `${p.name}: ${p.detail}`).join('; ')
      : `${parts.length} shop${parts.length === 1 ? '' : 's'} authorised${first ? `; the first authorisation to end is ${first.name}'s` : ''}`;
    return {
      name: this.config.system, ok: failed.length === 0, detail, expiresInDays: first?.expiresInDays ?? null, expiresAt: first?.expiresAt ?? null, parts,
    };
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private async shopHealth(shop: ShopConfig): Promise<ConnectorHealth> {
    const name = shop.channel;
    const authorize = `run \`tsunagi ${this.config.system} authorize --country ${shop.country}\``;
    const fail = (detail: string, expiresAt: Date | null = null): ConnectorHealth => ({ name, ok: false, detail, expiresInDays: expiresAt ? daysLeft(expiresAt) : null, expiresAt });
    let stored: Date | null = null;
    try {
      this.partner();
      this.shopIdOf(shop);
      const record = await this.credentials.get(this.credentialOf(shop, 'authorization'));
      stored = record?.expiresAt ?? null;
      const refresh = (await this.tokens.expiry(this.schemeOf(shop))).refreshToken;
      if (!refresh?.present) return fail(`not authorised: ${authorize}`);
      if (refresh.expiresAt && refresh.expiresAt.getTime() <= Date.now()) return fail(`refresh token expired (unused for 30 days): ${authorize}`, stored);
    } catch (err) {
      return fail((err as Error).message);
    }
    let info: ShopInfo;
    try {
      info = await this.shopInfo(shop);
    } catch (err) {
      return fail((err as Error).message, stored);
    }
    if (info.region && info.region !== shop.country) return fail(`shop_id ${shop.shopId} is a ${info.region} shop, but config lists it as ${shop.country}`, info.expireTime);
    const expiresAt = info.expireTime ?? stored;
    if (info.expireTime && info.expireTime.getTime() !== stored?.getTime()) {
      await this.credentials.put(this.credentialOf(shop, 'authorization'), JSON.stringify({ shopId: shop.shopId, authTime: info.authTime, expireTime: info.expireTime }), info.expireTime);
    }
    if (!expiresAt) return { name, ok: true, detail: 'authorised; Shopee gave no end date for the authorisation', expiresInDays: null, expiresAt: null };
    const days = daysLeft(expiresAt);
    if (expiresAt.getTime() <= Date.now()) return fail(`authorisation ended: ${authorize}`, expiresAt);
    const soon = days <= RENEW_WARNING_DAYS ? `: ${authorize} soon` : '';
    return { name, ok: true, detail: `authorised${info.shopName ? ` (${info.shopName})` : ''}; authorisation ends in ${days} day${days === 1 ? '' : 's'}${soon}`, expiresInDays: days, expiresAt };
  }

  private async send<R>(args: RequestArgs, partnerId: number, partnerKey: string, shop: { accessToken: string; shopId: number } | undefined): Promise<ShopeeBody<R>> {
    const operation = args.operation ?? args.path.slice(args.path.lastIndexOf('/') + 1);
    const scalars: Record<string, string | number> = {};
    const repeated = new URLSearchParams();
    for (const [k, v] of Object.entries(args.query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const x of v) repeated.append(k, String(x));
      else scalars[k] = v as string | number;
    }
    let body: ShopeeBody | undefined;
    await this.http.request({
      method: args.method ?? 'GET',
      url: repeated.size ? `${args.path}?${repeated}` : args.path,
      operation: args.shop ? `${operation} ${args.shop.country}` : operation,
      bucket: args.shop?.country ?? 'auth',
      body: args.body,
      ...(args.contentType ? { headers: { 'content-type': args.contentType } } : {}),
      signal: args.signal,
      // Signed at each attempt, after the rate-limit wait: the timestamp must be within 5 minutes of Shopee's clock.
      query: () => {
        const timestamp = Math.floor(Date.now() / 1000);
        const sign = signature(partnerKey, signatureBase(partnerId, args.path, timestamp, shop));
        return { ...scalars, partner_id: partnerId, timestamp, sign, ...(shop ? { access_token: shop.accessToken, shop_id: shop.shopId } : {}) };
      },
      judge: (res) => {
        const judged = judgeEnvelope(args.shop ? `${operation} (${args.shop.country})` : operation, res, args.accept);
        body = judged.body;
        return judged.verdict;
      },
    });
    return body as ShopeeBody<R>;
  }

  /** The refresh grant: the stored refresh token for a new pair (the token manager stores the successor first). */
  private async refreshGrant(shop: ShopConfig, refreshToken: string | null): Promise<GrantedToken> {
    const authorize = `Run \`tsunagi ${this.config.system} authorize --country ${shop.country}\` to authorise the shop again`;
    if (!refreshToken) throw new ShopeeApiError('access_token/get', 'not_authorised', `no refresh token stored for shop ${shop.country} (${shop.shopId})`, undefined, 0, false, authorize);
    const { partnerId } = this.partner();
    let body: ShopeeBody;
    try {
      body = await this.request({
        path: PATHS.accessTokenGet, method: 'POST', operation: 'access_token/get',
        body: { refresh_token: refreshToken, partner_id: partnerId, shop_id: this.shopIdOf(shop) },
      });
    } catch (err) {
      if (err instanceof ShopeeApiError && !err.retryable) {
        throw new ShopeeApiError(`access_token/get (${shop.country})`, err.error, err.shopeeMessage, err.requestId, err.status, false, authorize);
      }
      throw err;
    }
    return this.tokenFields('access_token/get', body);
  }

  private tokenFields(operation: string, body: ShopeeBody): GrantedToken {
    const { access_token: accessToken, refresh_token: refreshToken, expire_in: expireIn } = body;
    if (typeof accessToken !== 'string' || !accessToken || typeof refreshToken !== 'string' || !refreshToken || typeof expireIn !== 'number' || !(expireIn > 0)) {
      throw new ShopeeApiError(operation, 'invalid_response', 'no access_token, refresh_token or positive expire_in in the answer', body.request_id, 200, false);
    }
    return { accessToken, refreshToken, expiresIn: expireIn, refreshTokenExpiresIn: REFRESH_TOKEN_LIFETIME_DAYS * 86_400 };
  }

  private partner(): { partnerId: number; partnerKey: string } {
    const { partnerId, partnerKey } = this.config;
    if (partnerId === undefined || !partnerKey) {
      throw new ShopeeApiError('config', 'missing_credentials', `${this.config.system}.auth.partner_id and partner_key must be configured (config/integrations.yaml)`, undefined, 0, false);
    }
    return { partnerId, partnerKey };
  }

  private shopIdOf(shop: ShopConfig): number {
    if (shop.shopId === undefined) {
      throw new ShopeeApiError('config', 'missing_credentials', `${this.config.system}.settings.shops: ${shop.country} has no shop_id`, undefined, 0, false);
    }
    return shop.shopId;
  }

  /** Tokens are the partner's for one shop: named by both, so a sandbox and a live partner never mix. */
  schemeOf(shop: ShopConfig): string {
    return `${this.config.system}:${this.config.partnerId}:${shop.shopId}`;
  }

  credentialOf(shop: ShopConfig, what: 'refresh_token' | 'authorization'): string {
    return shopCredential(this.config.system, this.config.partnerId, shop.shopId, what);
  }
}

/** A shop's secret in the credential store: its refresh token, or the record of its authorisation period. */
export const shopCredential = (system: string, partnerId: number | undefined, shopId: number | undefined, what: 'refresh_token' | 'authorization') =>
  `${system}.${partnerId}.${shopId}.${what}`;
