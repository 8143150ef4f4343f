// Yahoo! Shopping stock target: setStock / getStock (ShoppingWebService V1, form-encoded in, XML out) with a
// YConnect access token refreshed from the stored refresh token. See README.md for the contract.
import { XMLParser } from 'fast-xml-parser';
import type { CredentialStore } from '../../platform/auth/credentials.js';
import { TokenManager, type GrantedToken } from '../../platform/auth/token-manager.js';
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy, type HttpResponse, type ResponseHeaders } from '../../platform/http/index.js';
import type { Logger } from '../../platform/log/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { daysLeft, type Channel, type ConnectorHealth, type HealthCheck, type StockTarget, type StockUpdate, type StockWriteResult } from '../../subgraphs/inventory/ports.js';
import { REFRESH_TOKEN_LIFETIME_DAYS, requestToken, requireClient, YahooAuthError, YAHOO_REFRESH_TOKEN_CREDENTIAL, type YahooConfig } from './oauth.js';

export { YahooAuthError } from './oauth.js';

/** Most item codes one setStock / getStock call accepts. */
export const YAHOO_MAX_ITEMS = 1000;
/** Highest quantity the API accepts (documented range -999999999..999999999). */
export const YAHOO_MAX_QUANTITY = 999_999_999;

/** An HTTP-level failure of the shopping API, with Yahoo's `<Error><Code/><Message/></Error>` parsed out. */
export class YahooApiError extends HttpError {
  constructor(
    operation: string,
    status: number,
    body: string,
    headers: ResponseHeaders,
    upstreamCode: string | undefined,
    readonly yahooMessage: string | undefined,
  ) {
    const what = [upstreamCode, yahooMessage].filter(Boolean).join(': ') || body.slice(0, 300) || '(empty body)';
    super(`yahoo ${operation}: HTTP ${status}: ${what}`, status, body, headers, upstreamCode);
    this.name = 'YahooApiError';
  }
}

export interface YahooClientOptions {
  config: YahooConfig;
  credentials: CredentialStore;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
  /** The shared token manager; the client registers its YConnect scheme there (its own when none is given). */
  tokens?: TokenManager;
}

interface XmlResult {
  ItemCode?: string;
  SubCode?: string;
  Status?: string;
  Quantity?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
  Message?: string;
}

interface XmlDoc {
  ResultSet?: { Result?: XmlResult[] } | '';
  Error?: { Message?: string; Code?: string };
}

// Tag values stay strings: item codes such as "0123" must not turn into numbers.
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'Result' });

const parseXml = (text: string): XmlDoc => {
  try {
    return xml.parse(text) as XmlDoc;
  } catch {
    return {};
  }
};

/** The code a Result stands for: "item" or "item:subcode", as the caller sent it. */
const resultCode = (r: XmlResult) => (r.SubCode ? `${r.ItemCode ?? ''}:${r.SubCode}` : (r.ItemCode ?? ''));

export class YahooClient implements StockTarget, HealthCheck {
  readonly channel: Channel = 'yahoo';
  readonly maxWriteBatch = YAHOO_MAX_ITEMS;
  readonly maxReadBatch = YAHOO_MAX_ITEMS;
  private readonly config: YahooConfig;
  private readonly http: HttpClient;
  private readonly logger: Logger;
  private readonly tokens: TokenManager;

  constructor(opts: YahooClientOptions) {
    this.config = opts.config;
    this.logger = opts.logger ?? silentLogger;
    this.http = new HttpClient({
      system: 'yahoo',
      baseUrl: opts.config.endpoint,
      policy: opts.policy,
      // Token refreshes get their own bucket so they never queue behind a backlog of stock calls.
      rateLimits: { default: opts.config.rateLimit, auth: opts.config.rateLimit },
      logger: this.logger,
      onOutcome: opts.onOutcome,
      circuit: { failures: 5, openMs: 60_000 },
    });
    this.tokens = opts.tokens ?? new TokenManager({ credentials: opts.credentials, logger: this.logger });
    // YConnect refresh tokens are reusable for 28 days; `tsunagi yahoo-token` stores them, config may give one.
    this.tokens.register({
      name: this.channel,
      grant: (refreshToken) => this.grant(refreshToken),
      refreshToken: { credential: YAHOO_REFRESH_TOKEN_CREDENTIAL, fallback: opts.config.refreshToken, lifetimeDays: REFRESH_TOKEN_LIFETIME_DAYS },
    });
  }

  /** Sets absolute quantities. One result per update, in order; items Yahoo refuses carry its ErrorCode. */
  async setStock(updates: StockUpdate[], opts: { signal?: AbortSignal } = {}): Promise<StockWriteResult[]> {
    if (updates.length > YAHOO_MAX_ITEMS) {
      throw new Error(`yahoo setStock: ${updates.length} items given, the API accepts at most ${YAHOO_MAX_ITEMS} per call`);
    }
    if (updates.length === 0) return [];
    const seen = new Set<string>();
    for (const u of updates) {
      this.checkCode('setStock', u.code);
      if (seen.has(u.code)) throw new Error(`yahoo setStock: item code "${u.code}" appears twice in one batch`);
      seen.add(u.code);
      if (!Number.isInteger(u.quantity) || u.quantity < 0 || u.quantity > YAHOO_MAX_QUANTITY) {
        throw new Error(`yahoo setStock: quantity for "${u.code}" must be an integer 0..${YAHOO_MAX_QUANTITY}, got ${u.quantity}`);
      }
    }
    const doc = await this.call('setStock', {
      item_code: updates.map((u) => u.code).join(','),
      quantity: updates.map((u) => String(u.quantity)).join(','),
    }, opts.signal);
    const byCode = new Map<string, XmlResult>();
    for (const r of this.results('setStock', doc)) byCode.set(resultCode(r), r);
    return updates.map(({ code }) => {
      const r = byCode.get(code);
      if (!r) return { code, ok: false, error: 'not in response: Yahoo returned no Result for this item code' };
      if (r.ErrorCode) return { code, ok: false, error: describeItemError(r) };
      return { code, ok: true };
    });
  }

  /** Current quantity per code; null where Yahoo has no such item (see README: how "not found" is read). */
  async getStock(codes: string[]): Promise<Map<string, number | null>> {
    const unique = [...new Set(codes)];
    if (unique.length > YAHOO_MAX_ITEMS) {
      throw new Error(`yahoo getStock: ${unique.length} item codes given, the API accepts at most ${YAHOO_MAX_ITEMS} per call`);
    }
    const out = new Map<string, number | null>();
    if (unique.length === 0) return out;
    for (const code of unique) this.checkCode('getStock', code);
    const doc = await this.call('getStock', { item_code: unique.join(',') });
    const byCode = new Map<string, XmlResult>();
    for (const r of this.results('getStock', doc)) byCode.set(resultCode(r), r);
    for (const code of unique) {
      const r = byCode.get(code);
      // Absent, carrying an ErrorCode, or a Status other than 1: Yahoo holds no stock record for this code.
      if (!r || r.ErrorCode || (r.Status !== undefined && r.Status !== '1')) {
        out.set(code, null);
        continue;
      }
      const quantity = Number(r.Quantity);
      if (r.Quantity === undefined || r.Quantity.trim() === '' || !Number.isInteger(quantity)) {
        throw new Error(`yahoo getStock: item "${code}" came back without an integer Quantity (got "${r.Quantity ?? ''}")`);
      }
      out.set(code, quantity);
    }
    return out;
  }

  /** ok when a token refresh works; expiresInDays counts down the refresh token's 28 days. */
  async health(): Promise<ConnectorHealth> {
    const name = 'yahoo';
    let expiresAt: Date | null = null;
    const fail = (detail: string, expiresInDays: number | null): ConnectorHealth => ({ name, ok: false, detail, expiresInDays, expiresAt });
    let stored: { present: boolean; expiresAt: Date | null } | null;
    try {
      requireClient(this.config, ['sellerId']);
      stored = (await this.tokens.expiry(this.channel)).refreshToken;
    } catch (err) {
      return fail((err as Error).message, null);
    }
    if (!stored?.present) return fail('no refresh token stored: run `tsunagi yahoo-token` to authorise Tsunagi', null);
    const now = Date.now();
    expiresAt = stored.expiresAt;
    const days = expiresAt ? daysLeft(expiresAt, now) : null;
    if (expiresAt && expiresAt.getTime() <= now) {
      return fail('refresh token expired: run `tsunagi yahoo-token` to authorise again', 0);
    }
    try {
      await this.tokens.refresh(this.channel);
    } catch (err) {
      return fail((err as Error).message, days);
    }
    if (days === null) return { name, ok: true, detail: 'token refresh works; refresh token expiry unknown (set outside `tsunagi yahoo-token`)', expiresInDays: null };
    const soon = days <= 7 ? ': run `tsunagi yahoo-token` soon' : '';
    return { name, ok: true, detail: `refresh token expires in ${days} day${days === 1 ? '' : 's'}${soon}`, expiresInDays: days, expiresAt };
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private checkCode(operation: string, code: string): void {
    // A comma would split one code into two in the comma-separated item_code list.
    if (typeof code !== 'string' || code.trim() === '' || code.includes(',')) {
      throw new Error(`yahoo ${operation}: invalid item code ${JSON.stringify(code)} (empty or containing a comma)`);
    }
  }

  private results(operation: string, doc: XmlDoc): XmlResult[] {
    if (doc.ResultSet === undefined) throw new Error(`yahoo ${operation}: response has no ResultSet`);
    return doc.ResultSet === '' ? [] : (doc.ResultSet.Result ?? []);
  }

  /** One shopping API call; an access token Yahoo calls invalid_token is refreshed once and the call repeated. */
  private async call(operation: string, params: Record<string, string>, signal?: AbortSignal): Promise<XmlDoc> {
    const { sellerId } = this.config;
    if (!sellerId) throw new YahooAuthError('yahoo: yahoo.sellerId not configured (config/integrations.yaml)', 'missing_credentials');
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.accessToken(this.channel);
      const res = await this.post(operation, { seller_id: sellerId, ...params }, token, signal);
      if (res.status === 401) {
        const challenge = res.headers.get('www-authenticate') ?? '';
        if (attempt === 1 && /error="invalid_token"/.test(challenge)) {
          this.logger.info({ operation }, 'yahoo access token rejected; refreshing');
          this.tokens.invalidate(this.channel, token);
          continue;
        }
        throw this.apiError(operation, res.status, res.text, res.headers, challenge);
      }
      const doc = parseXml(res.text);
      if (doc.Error) throw this.apiError(operation, res.status, res.text, res.headers);
      return doc;
    }
  }

  private async post(operation: string, params: Record<string, string>, token: string, signal?: AbortSignal): Promise<HttpResponse> {
    try {
      return await this.http.request({
        method: 'POST',
        url: operation,
        operation,
        headers: { authorization: `Bearer ${token}` },
        body: new URLSearchParams(params),
        acceptStatus: [401],
        signal,
      });
    } catch (err) {
      if (err instanceof HttpError) throw this.apiError(operation, err.status, err.body, err.headers);
      throw err;
    }
  }

  private apiError(operation: string, status: number, body: string, headers: ResponseHeaders, challenge?: string): YahooApiError {
    const error = parseXml(body).Error;
    const message = error?.Message || challenge || undefined;
    return new YahooApiError(operation, status, body, headers, error?.Code || undefined, message);
  }

  /** The YConnect refresh grant (caching, single flight and the stored token are the token manager's). */
  private async grant(refreshToken: string | null): Promise<GrantedToken> {
    if (!refreshToken) {
      throw new YahooAuthError('yahoo: no refresh token stored. Run `tsunagi yahoo-token` to authorise Tsunagi.', 'missing_refresh_token');
    }
    // YConnect returns no new refresh token on refresh: the stored one stays until it expires.
    const tokens = await requestToken(this.http, this.config, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'auth');
    return { accessToken: tokens.accessToken, expiresIn: tokens.expiresIn };
  }
}

function describeItemError(r: XmlResult): string {
  const message = r.ErrorMessage || r.Message;
  return message ? `${r.ErrorCode}: ${message}` : String(r.ErrorCode);
}
