// The product master's REST API in Akeneo's shape: password-grant OAuth (1-hour access tokens, single-use refresh
// tokens) through the token manager, and the product listing in search_after pages of up to 100 that follow
// `_links.next`, incremental by `updated >` a watermark. See README.md for the contract.
import type { CredentialStore } from '../../platform/auth/credentials.js';
import { TokenManager, type GrantedToken } from '../../platform/auth/token-manager.js';
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy, type HttpResponse } from '../../platform/http/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import type { Mapping } from '../../platform/transform/index.js';
import type { ConnectorHealth, HealthCheck } from '../../subgraphs/inventory/ports.js';
import type { InvalidProduct, ProductPage, ProductSource } from '../../subgraphs/catalog/ports.js';
import type { PimConfig } from './config.js';
import { mappedAttributes, PimProductError, toProductRecord, type PimProduct } from './product.js';

export const PRODUCTS_PATH = '/api/rest/v1/products';
/** Refresh tokens live 14 days (Akeneo's default); an expired one only costs a password grant. */
const REFRESH_TOKEN_DAYS = 14;

/** The credentials are missing or the token endpoint refused them. */
export class PimAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PimAuthError';
  }
}

/** A follow-up page's cursor is no longer valid: the listing has to start again. */
export class PimCursorExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PimCursorExpiredError';
  }
}

interface ListResponse {
  _links?: { next?: { href?: string } };
  _embedded?: { items?: PimProduct[] };
}

interface TokenJson {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  error?: string;
  error_description?: string;
  message?: string;
}

/** `YYYY-MM-DD hh:mm:ss` in UTC, the filter format of the API (SaaS servers run in UTC). */
export const pimTime = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

/** The body's `message` (Akeneo's error shape `{code, message}`), else its start. */
function describe(body: string): string {
  try {
    const json = JSON.parse(body) as { message?: string; error_description?: string };
    return json.message ?? json.error_description ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

export interface PimClientOptions {
  config: PimConfig;
  /** The named mapping pim_to_catalog. */
  mapping: Mapping;
  credentials: CredentialStore;
  tokens?: TokenManager;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class PimClient implements ProductSource, HealthCheck {
  readonly name: string;
  readonly config: PimConfig;
  readonly mapping: Mapping;
  /** Attribute codes the mapping reads; the others are kept as the product's attributes. */
  readonly mappedAttributes: Set<string>;
  private readonly http: HttpClient;
  private readonly tokens: TokenManager;
  private readonly logger: Logger;
  private readonly origin: string;

  constructor(opts: PimClientOptions) {
    this.config = opts.config;
    this.name = opts.config.system;
    this.mapping = opts.mapping;
    this.mappedAttributes = mappedAttributes(opts.mapping);
    this.logger = opts.logger ?? silentLogger;
    this.origin = new URL(opts.config.endpoint).origin;
    this.http = new HttpClient({
      system: this.name,
      baseUrl: opts.config.endpoint,
      policy: opts.policy,
      rateLimits: { default: opts.config.rateLimit },
      logger: this.logger,
      onOutcome: opts.onOutcome,
      circuit: { failures: 5, openMs: 60_000 },
    });
    this.tokens = opts.tokens ?? new TokenManager({ credentials: opts.credentials, logger: this.logger });
    this.tokens.register({
      name: this.name,
      grant: (refreshToken) => this.grant(refreshToken),
      refreshToken: { credential: `${this.name}.refreshToken`, singleUse: true, lifetimeDays: REFRESH_TOKEN_DAYS },
    });
  }

  /**
   * Every product, or those updated after `updatedSince` less the configured overlap, page by page. The next page
   * is requested while the caller stores this one. A page cursor that expired starts the listing again, skipping
   * the products already returned; a server error is retried on the same page.
   */
  async *products(opts: { updatedSince: Date | null }): AsyncGenerator<ProductPage> {
    const search = opts.updatedSince
      ? JSON.stringify({ updated: [{ operator: '>', value: pimTime(new Date(opts.updatedSince.getTime() - this.config.overlapSeconds * 1000)) }] })
      : undefined;
    const first = new URL(`${this.config.endpoint.replace(/\/$/, '')}${PRODUCTS_PATH}`);
    first.searchParams.set('pagination_type', 'search_after');
    first.searchParams.set('limit', String(this.config.pageSize));
    if (search) first.searchParams.set('search', search);
    const seen = new Set<string>();
    let restarts = 0;
    let pending: Promise<{ body: ListResponse; date: Date | null }> | null = this.page(first.href, true);
    try {
      while (pending) {
        let page: { body: ListResponse; date: Date | null };
        try {
          page = await pending;
        } catch (err) {
          if (!(err instanceof PimCursorExpiredError) || restarts >= this.config.maxListingRestarts) throw err;
          restarts++;
          this.logger.warn({ system: this.name, restarts, read: seen.size }, `${this.name}: ${err.message}; starting the listing again, skipping what was read`);
          pending = this.page(first.href, true);
          continue;
        }
        const next = page.body._links?.next?.href;
        pending = next ? this.page(this.checkedLink(next), false) : null;
        yield this.toPage(page.body._embedded?.items ?? [], page.date, seen);
      }
    } finally {
      // A caller that stops early leaves at most one read-ahead in flight: its outcome no longer matters.
      pending?.catch(() => {});
    }
  }

  /** ok when the token endpoint grants a token and a one-product page can be read. */
  async health(): Promise<ConnectorHealth> {
    try {
      await this.tokens.refresh(this.name);
      await this.page(`${this.config.endpoint.replace(/\/$/, '')}${PRODUCTS_PATH}?pagination_type=search_after&limit=1`, true);
      return { name: this.name, ok: true, detail: 'token grant and product listing work', expiresInDays: null };
    } catch (err) {
      return { name: this.name, ok: false, detail: (err as Error).message, expiresInDays: null };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private toPage(items: PimProduct[], serverTime: Date | null, seen: Set<string>): ProductPage {
    const records: ProductPage['records'] = [];
    const invalid: InvalidProduct[] = [];
    for (const item of items) {
      const id = typeof item?.identifier === 'string' ? item.identifier : null;
      if (id !== null) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      try {
        records.push(toProductRecord(item, this.mapping, this.mappedAttributes));
      } catch (err) {
        invalid.push({ sku: (err as PimProductError).sku ?? id, error: (err as Error).message });
      }
    }
    return { records, invalid, serverTime };
  }

  /** A `_links.next` href is followed only on the configured API's origin: the bearer token goes nowhere else. */
  private checkedLink(href: string): string {
    const url = new URL(href, this.config.endpoint);
    if (url.origin !== this.origin) throw new Error(`${this.name}: the next-page link points to ${url.origin}, not to the configured API`);
    return url.href;
  }

  /** One listing page; an access token the API refuses is replaced once. */
  private async page(url: string, first: boolean): Promise<{ body: ListResponse; date: Date | null }> {
    const promise = (async () => {
      for (let attempt = 1; ; attempt++) {
        const token = await this.tokens.accessToken(this.name);
        let res: HttpResponse;
        try {
          res = await this.http.request({ url, operation: 'listProducts', headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, acceptStatus: [401] });
        } catch (err) {
          // A follow-up page refused as unprocessable: its search_after cursor is no longer valid.
          if (!first && err instanceof HttpError && err.status === 422) throw new PimCursorExpiredError(`page cursor refused (${describe(err.body)})`);
          if (err instanceof HttpError) throw new Error(`${this.name} listProducts: HTTP ${err.status}: ${describe(err.body)}`);
          throw err;
        }
        if (res.status === 401) {
          if (attempt > 1) throw new PimAuthError(`${this.name}: the API refused a fresh access token (${describe(res.text)})`);
          this.tokens.invalidate(this.name, token);
          continue;
        }
        const date = res.headers.get('date');
        return { body: res.json<ListResponse>(), date: date && !Number.isNaN(Date.parse(date)) ? new Date(date) : null };
      }
    })();
    // Read-ahead pages may fail while nobody awaits them yet; the awaiting caller still gets the error.
    promise.catch(() => {});
    return promise;
  }

  /** The refresh grant when a refresh token is stored, else (or when it is refused) the password grant. */
  private async grant(refreshToken: string | null): Promise<GrantedToken> {
    const { clientId, secret, username, password } = this.config;
    if (!clientId || !secret || !username || !password) {
      throw new PimAuthError(`${this.name}: auth.client_id, auth.secret, auth.username and auth.password must all be set (config/integrations.yaml)`);
    }
    if (refreshToken) {
      try {
        return await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
      } catch (err) {
        if (!(err instanceof PimAuthError)) throw err;
        this.logger.info({ system: this.name, reason: err.message }, 'refresh token refused; using the password grant');
      }
    }
    return this.tokenRequest({ grant_type: 'password', username, password });
  }

  private async tokenRequest(body: Record<string, string>): Promise<GrantedToken> {
    const basic = Buffer.from(`${this.config.clientId}:${this.config.secret}`).toString('base64');
    const res = await this.http.request({
      method: 'POST', url: this.config.tokenUrl, operation: `token:${body.grant_type}`, body,
      headers: { authorization: `Basic ${basic}`, accept: 'application/json' }, acceptStatus: [400, 401, 422],
    });
    let json: TokenJson = {};
    try {
      json = res.json<TokenJson>();
    } catch {
      // Reported with its status below.
    }
    if (res.status >= 400 || !json.access_token || !(Number(json.expires_in) > 0)) {
      const why = json.error_description ?? json.message ?? json.error ?? `HTTP ${res.status}`;
      throw new PimAuthError(`${this.name}: the token endpoint refused the ${body.grant_type} grant (${why})`);
    }
    return { accessToken: json.access_token, expiresIn: Number(json.expires_in), refreshToken: json.refresh_token };
  }
}
