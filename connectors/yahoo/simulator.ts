// A local Yahoo! Shopping: YConnect v2 (authorize, token) and ShoppingWebService V1 setStock / getStock, with
// the rules the real servers enforce (Basic / Bearer auth, token expiry, seller_id, form encoding, ≤1000 items,
// quantity syntax, per-item ErrorCodes, XML shapes, rate limit). See README.md for what is UNCONFIRMED.
import { randomBytes } from 'node:crypto';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import type { RateLimit } from '../../platform/http/index.js';
import type { YahooConfig } from './oauth.js';

export const YAHOO_SANDBOX_CREDENTIALS = {
  sellerId: 'tsunagi-sandbox',
  clientId: 'dj00sandbox-tsunagi-client',
  clientSecret: 'sandbox-yahoo-client-secret',
} as const;

/** Per-item and request ErrorCodes. Only st-02104 is documented; the others are this simulator's own (UNCONFIRMED). */
export const YAHOO_SIM_ERROR_CODES = {
  itemNotFound: 'sim-item-not-found',
  invalidItemCode: 'sim-invalid-item-code',
  belowZero: 'sim-stock-below-zero',
  iniRefused: 'st-02104',
  invalidParameter: 'sim-invalid-parameter',
  sellerMismatch: 'sim-seller-mismatch',
  rateLimited: 'sim-rate-limited',
  dailyLimit: 'sim-daily-limit',
} as const;

export const SHOPPING_PATH = '/ShoppingWebService/V1';
export const AUTHORIZE_PATH = '/yconnect/v2/authorization';
export const TOKEN_PATH = '/yconnect/v2/token';

/** Integration config that points the client at a running simulator with the sandbox credentials. */
export function yahooSandboxConfig(baseUrl: string, overrides: Partial<YahooConfig> = {}): YahooConfig {
  return {
    endpoint: `${baseUrl}${SHOPPING_PATH}`,
    authorizeUrl: `${baseUrl}${AUTHORIZE_PATH}`,
    tokenUrl: `${baseUrl}${TOKEN_PATH}`,
    ...YAHOO_SANDBOX_CREDENTIALS,
    redirectUri: 'http://127.0.0.1:8976/callback',
    refreshToken: undefined,
    rateLimit: { perSecond: 10, burst: 10 },
    ...overrides,
  };
}

export interface YahooSimulatorOptions {
  stateFile?: string;
  /** Token bucket on the shopping API; false turns it (and the daily limit) off. Default 10/s, burst 10. */
  rateLimit?: false | RateLimit;
  /** Shopping API requests per client id per day (Asia/Tokyo); default 50,000, false when rateLimit is false. */
  dailyLimit?: number | false;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Authorization codes are single-use and short-lived (YConnect: 10 minutes). */
  authorizationCodeTtlSeconds?: number;
}

interface Snapshot {
  items: [string, number][];
  refreshTokens: [string, number][];
}

const MAX_ITEMS = 1000;
const MAX_QUANTITY = 999_999_999;
const ITEM_CODE = /^[A-Za-z0-9-]{1,99}(?::[A-Za-z0-9-]{1,99})?$/;
const SELLER_ID = /^[a-z0-9_-]{1,128}$/;

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const escapeXml = (s: string) => s.replace(/[&<>]/g, (c) => XML_ENTITIES[c]!);
const xmlHead = '<?xml version="1.0" encoding="UTF-8"?>\n';
const XML = { 'content-type': 'application/xml; charset=utf-8' };

function xmlError(status: number, message: string, code?: string, headers: Record<string, string> = {}): SimResponse {
  const codeTag = code ? `<Code>${escapeXml(code)}</Code>` : '';
  return { status, headers: { ...XML, ...headers }, body: `${xmlHead}<Error><Message>${escapeXml(message)}</Message>${codeTag}</Error>` };
}

function oauthError(status: number, error: string, description: string): SimResponse {
  return { status, headers: { 'cache-control': 'no-store' }, body: { error, error_description: description } };
}

function splitCode(code: string): { item: string; sub: string } {
  const i = code.indexOf(':');
  return i < 0 ? { item: code, sub: '' } : { item: code.slice(0, i), sub: code.slice(i + 1) };
}

const tokyoDay = (ms: number) => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);

export class YahooSimulator {
  readonly faults = new FaultPlan();
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<Snapshot>;
  private readonly items: Map<string, number>;
  private readonly refreshTokens: Map<string, number>;
  private readonly accessTokens = new Map<string, number>();
  private readonly codes = new Map<string, { redirectUri: string; expiresAt: number }>();
  private readonly bucket: TokenBucket | undefined;
  private readonly dailyLimit: number | false;
  private daily = { day: '', count: 0 };
  private readonly accessTtlMs: number;
  private readonly refreshTtlMs: number;
  private readonly codeTtlMs: number;

  constructor(opts: YahooSimulatorOptions = {}) {
    const rate = opts.rateLimit === undefined ? { perSecond: 10, burst: 10 } : opts.rateLimit;
    this.bucket = rate ? new TokenBucket(rate.perSecond, rate.burst) : undefined;
    this.dailyLimit = opts.dailyLimit ?? (rate ? 50_000 : false);
    this.accessTtlMs = (opts.accessTokenTtlSeconds ?? 3600) * 1000;
    this.refreshTtlMs = (opts.refreshTokenTtlSeconds ?? 28 * 86_400) * 1000;
    this.codeTtlMs = (opts.authorizationCodeTtlSeconds ?? 600) * 1000;
    this.state = new PersistentState<Snapshot>(opts.stateFile, () => ({ items: [], refreshTokens: [] }));
    this.items = new Map(this.state.data.items);
    this.refreshTokens = new Map(this.state.data.refreshTokens);
    // The live Maps are the state; the snapshot is taken from them whenever PersistentState writes its file.
    Object.defineProperty(this.state.data, 'toJSON', {
      value: (): Snapshot => ({ items: [...this.items], refreshTokens: [...this.refreshTokens] }),
    });
    this.server = new SimulatorServer('yahoo', async (req) => {
      await this.faults.wait(req);
      return this.handle(req);
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
    this.state.flush();
  }

  // ---- control methods (tests, `tsunagi sandbox`) ----

  get size(): number {
    return this.items.size;
  }

  /** Registers an item ("item" or "item:subcode") with its stock. */
  addItem(code: string, quantity: number): void {
    if (!ITEM_CODE.test(code)) throw new Error(`yahoo simulator: invalid item code "${code}" (letters, digits, "-", optional ":subcode")`);
    this.checkQuantity(quantity);
    this.items.set(code, quantity);
    this.state.changed();
  }

  /** Changes the stock of a registered item (what a sale or a manual edit in the store manager does). */
  setQuantity(code: string, quantity: number): void {
    if (!this.items.has(code)) throw new Error(`yahoo simulator: no item "${code}"`);
    this.checkQuantity(quantity);
    this.items.set(code, quantity);
    this.state.changed();
  }

  getQuantity(code: string): number | null {
    return this.items.get(code) ?? null;
  }

  /** Registers, with stock 0, the codes not registered yet; answers how many. */
  addMissing(codes: string[]): number {
    const missing = [...new Set(codes)].filter((code) => !this.items.has(code));
    this.seed(missing, 0);
    return missing.length;
  }

  seed(codes: string[], quantity: number): void {
    this.checkQuantity(quantity);
    for (const code of codes) {
      if (!ITEM_CODE.test(code)) throw new Error(`yahoo simulator: invalid item code "${code}"`);
      this.items.set(code, quantity);
    }
    this.state.changed();
  }

  /** Removes every item (the catalogue); tokens stay valid. */
  clear(): void {
    this.items.clear();
    this.state.changed();
  }

  /** The first-start state: no items, and no token issued so far is valid any more. */
  reset(): void {
    this.items.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
    this.state.changed();
  }

  /** Mints a valid refresh token as if the operator had just authorised (sandbox set-up, tests). */
  issueRefreshToken(): string {
    const token = this.mint('rt');
    this.refreshTokens.set(token, Date.now() + this.refreshTtlMs);
    this.state.changed();
    return token;
  }

  /** Ends the life of every access token now; the next shopping call gets 401 invalid_token "expired token". */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, 0);
  }

  // ---- protocol ----

  private async handle(req: SimRequest): Promise<SimResponse> {
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.path === AUTHORIZE_PATH) return this.authorize(req);
    if (req.path === TOKEN_PATH) return this.token(req);
    if (req.path === `${SHOPPING_PATH}/setStock` || req.path === `${SHOPPING_PATH}/getStock`) return this.shopping(req);
    return xmlError(404, `no such API: ${req.method} ${req.path}`);
  }

  /** Sandbox stand-in for the consent screen: consent is given at once and the browser sent back with a code. */
  private authorize(req: SimRequest): SimResponse {
    if (req.method !== 'GET') return { status: 405, body: 'authorization endpoint takes GET' };
    const q = req.query;
    if (q.get('client_id') !== YAHOO_SANDBOX_CREDENTIALS.clientId) return { status: 400, body: 'invalid client_id' };
    const redirectUri = q.get('redirect_uri');
    let target: URL;
    try {
      target = new URL(redirectUri ?? '');
    } catch {
      return { status: 400, body: 'redirect_uri missing or not a URL' };
    }
    const state = q.get('state');
    if (state !== null) target.searchParams.set('state', state);
    if (q.get('response_type') !== 'code') {
      target.searchParams.set('error', 'unsupported_response_type');
      return { status: 302, headers: { location: target.toString() } };
    }
    if (!(q.get('scope') ?? '').split(/[ +]/).includes('openid')) {
      target.searchParams.set('error', 'invalid_scope');
      return { status: 302, headers: { location: target.toString() } };
    }
    const code = this.mint('ac');
    if (this.codes.size > 100) for (const [c, v] of this.codes) if (v.expiresAt <= Date.now()) this.codes.delete(c);
    this.codes.set(code, { redirectUri: redirectUri!, expiresAt: Date.now() + this.codeTtlMs });
    target.searchParams.set('code', code);
    return { status: 302, headers: { location: target.toString() } };
  }

  private token(req: SimRequest): SimResponse {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'token endpoint takes POST');
    const expected = `Basic ${Buffer.from(`${YAHOO_SANDBOX_CREDENTIALS.clientId}:${YAHOO_SANDBOX_CREDENTIALS.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return oauthError(401, 'invalid_client', 'client authentication failed');
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'body must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(req.body);
    const now = Date.now();
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const code = form.get('code');
      if (!code || !form.get('redirect_uri')) return oauthError(400, 'invalid_request', 'code and redirect_uri are required');
      const issued = this.codes.get(code);
      this.codes.delete(code);
      if (!issued || issued.expiresAt <= now) return oauthError(400, 'invalid_grant', 'authorization code is invalid or expired');
      if (issued.redirectUri !== form.get('redirect_uri')) return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
      const refreshToken = this.issueRefreshToken();
      return this.tokenResponse({ refresh_token: refreshToken });
    }
    if (grant === 'refresh_token') {
      const token = form.get('refresh_token');
      if (!token) return oauthError(400, 'invalid_request', 'refresh_token is required');
      const expiresAt = this.refreshTokens.get(token);
      if (expiresAt === undefined) return oauthError(400, 'invalid_grant', 'refresh token is invalid');
      if (expiresAt <= now) return oauthError(400, 'invalid_grant', 'refresh token has expired');
      return this.tokenResponse({});
    }
    return oauthError(400, 'unsupported_grant_type', `grant_type "${grant ?? ''}" is not supported`);
  }

  private tokenResponse(extra: Record<string, string>): SimResponse {
    const now = Date.now();
    if (this.accessTokens.size > 1000) for (const [t, exp] of this.accessTokens) if (exp <= now) this.accessTokens.delete(t);
    const accessToken = this.mint('at');
    this.accessTokens.set(accessToken, now + this.accessTtlMs);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: Math.round(this.accessTtlMs / 1000), ...extra },
    };
  }

  private shopping(req: SimRequest): SimResponse {
    if (req.method !== 'POST') return xmlError(405, `${req.path} takes POST`, YAHOO_SIM_ERROR_CODES.invalidParameter);
    if (this.bucket && !this.bucket.take()) {
      return xmlError(429, 'too many requests', YAHOO_SIM_ERROR_CODES.rateLimited, { 'retry-after': String(this.bucket.retryAfterSeconds()) });
    }
    const auth = req.headers.authorization ?? '';
    const challenge = (error?: string, description?: string) =>
      `Bearer realm="yahooapis.jp"${error ? `, error="${error}", error_description="${description}"` : ''}`;
    if (!auth.startsWith('Bearer ')) {
      return xmlError(401, 'an access token is required', undefined, { 'www-authenticate': challenge() });
    }
    const expiresAt = this.accessTokens.get(auth.slice(7));
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      const description = expiresAt === undefined ? 'invalid token' : 'expired token';
      return xmlError(401, description, undefined, { 'www-authenticate': challenge('invalid_token', description) });
    }
    if (this.dailyLimit !== false) {
      const day = tokyoDay(Date.now());
      if (this.daily.day !== day) this.daily = { day, count: 0 };
      if (++this.daily.count > this.dailyLimit) {
        return xmlError(403, `daily limit of ${this.dailyLimit} requests for this client id reached`, YAHOO_SIM_ERROR_CODES.dailyLimit);
      }
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return xmlError(400, 'request body must be application/x-www-form-urlencoded', YAHOO_SIM_ERROR_CODES.invalidParameter);
    }
    const form = new URLSearchParams(req.body);
    const sellerId = form.get('seller_id');
    if (!sellerId || !SELLER_ID.test(sellerId)) {
      return xmlError(400, 'seller_id is required (lower-case letters, digits, "-", "_"; at most 128)', YAHOO_SIM_ERROR_CODES.invalidParameter);
    }
    if (sellerId !== YAHOO_SANDBOX_CREDENTIALS.sellerId) {
      return xmlError(403, `seller_id "${sellerId}" is not the store this token was issued for`, YAHOO_SIM_ERROR_CODES.sellerMismatch);
    }
    const itemCode = form.get('item_code');
    if (!itemCode) return xmlError(400, 'item_code is required', YAHOO_SIM_ERROR_CODES.invalidParameter);
    const codes = itemCode.split(',');
    if (codes.length > MAX_ITEMS) {
      return xmlError(400, `item_code lists ${codes.length} codes; at most ${MAX_ITEMS} are allowed`, YAHOO_SIM_ERROR_CODES.invalidParameter);
    }
    return req.path.endsWith('/setStock') ? this.setStock(codes, form.get('quantity')) : this.getStock(codes);
  }

  private setStock(codes: string[], quantityParam: string | null): SimResponse {
    if (quantityParam === null || quantityParam === '') return xmlError(400, 'quantity is required', YAHOO_SIM_ERROR_CODES.invalidParameter);
    const quantities = quantityParam.split(',');
    if (quantities.length !== codes.length) {
      return xmlError(400, `item_code has ${codes.length} codes but quantity has ${quantities.length} values`, YAHOO_SIM_ERROR_CODES.invalidParameter);
    }
    for (let i = 0; i < quantities.length; i++) {
      const q = quantities[i]!;
      if (q !== 'INI' && !(/^[+-]?\d{1,9}$/.test(q))) {
        return xmlError(400, `quantity value ${i + 1} ("${q}") is not a number, +n, -n or INI`, YAHOO_SIM_ERROR_CODES.invalidParameter);
      }
    }
    const results: string[] = [];
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      const q = quantities[i]!;
      const { item, sub } = splitCode(code);
      const head = `<ItemCode>${escapeXml(item)}</ItemCode><SubCode>${escapeXml(sub)}</SubCode>`;
      const fail = (errorCode: string, message: string) =>
        results.push(`<Result>${head}<ErrorCode>${errorCode}</ErrorCode><ErrorMessage>${escapeXml(message)}</ErrorMessage></Result>`);
      if (!ITEM_CODE.test(code)) {
        fail(YAHOO_SIM_ERROR_CODES.invalidItemCode, 'item code may hold letters, digits and "-" (99 at most), with an optional ":subcode"');
        continue;
      }
      const current = this.items.get(code);
      if (current === undefined) {
        fail(YAHOO_SIM_ERROR_CODES.itemNotFound, 'no such item in this store: stock can only be set for registered items');
        continue;
      }
      if (q === 'INI') {
        fail(YAHOO_SIM_ERROR_CODES.iniRefused, 'INI (no stock setting) is no longer supported');
        continue;
      }
      const n = Number(q);
      const next = q.startsWith('+') || q.startsWith('-') ? current + n : n;
      if (next < 0) {
        fail(YAHOO_SIM_ERROR_CODES.belowZero, `stock would fall below 0 (${current} ${q})`);
        continue;
      }
      if (next > MAX_QUANTITY) {
        fail(YAHOO_SIM_ERROR_CODES.invalidParameter, `stock would exceed ${MAX_QUANTITY}`);
        continue;
      }
      this.items.set(code, next);
      results.push(`<Result>${head}<Quantity>${next}</Quantity></Result>`);
    }
    this.state.changed();
    return this.resultSet(results);
  }

  private getStock(codes: string[]): SimResponse {
    const results: string[] = [];
    const updateTime = new Date().toISOString().replace('T', ' ').slice(0, 19);
    for (const code of codes) {
      const { item, sub } = splitCode(code);
      const head = `<ItemCode>${escapeXml(item)}</ItemCode><SubCode>${escapeXml(sub)}</SubCode>`;
      const quantity = ITEM_CODE.test(code) ? this.items.get(code) : undefined;
      if (quantity === undefined) {
        // Unknown codes keep their place in the ResultSet with Status 0 and an ErrorCode (see README).
        results.push(`<Result>${head}<Status>0</Status><ErrorCode>${YAHOO_SIM_ERROR_CODES.itemNotFound}</ErrorCode><ErrorMessage>no such item in this store</ErrorMessage></Result>`);
        continue;
      }
      results.push(
        `<Result>${head}<Status>1</Status><Quantity>${quantity}</Quantity><AllowOverdraft>0</AllowOverdraft>` +
          `<IsPublished>1</IsPublished><UpdateTime>${updateTime}</UpdateTime></Result>`,
      );
    }
    return this.resultSet(results);
  }

  private resultSet(results: string[]): SimResponse {
    const n = results.length;
    return {
      status: 200,
      headers: XML,
      body: `${xmlHead}<ResultSet totalResultsAvailable="${n}" totalResultsReturned="${n}" firstResultPosition="1">${results.join('')}</ResultSet>`,
    };
  }

  private checkQuantity(quantity: number): void {
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
      throw new Error(`yahoo simulator: quantity must be an integer 0..${MAX_QUANTITY}, got ${quantity}`);
    }
  }

  private mint(prefix: string): string {
    return `${prefix}.${randomBytes(24).toString('base64url')}`;
  }
}
