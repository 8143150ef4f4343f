// Amazon Selling Partner API client: the stock source of truth (FBA fulfillable quantity per seller SKU).
// LWA refresh-token grant for access tokens, then GET /fba/inventory/v1/summaries page by page.
import type { AmazonConfig } from './config.js';
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy, type HttpResponse } from '../../platform/http/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import { UpstreamError } from '../../platform/errors.js';
import { TokenManager, type GrantedToken } from '../../platform/auth/token-manager.js';
import type { ConnectorHealth, HealthCheck, SourceItem, StockSource } from '../../subgraphs/inventory/ports.js';

export type { AmazonConfig } from './config.js';

export interface AmazonClientOptions {
  config: AmazonConfig;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
  /** The shared token manager; the client registers its LWA scheme there (its own when none is given). */
  tokens?: TokenManager;
}

/** One entry of an SP-API `errors[]` list. */
export interface SpApiError {
  code: string;
  message?: string;
  details?: string;
}

export interface InventoryDetails {
  fulfillableQuantity?: number;
  inboundWorkingQuantity?: number;
  inboundShippedQuantity?: number;
  inboundReceivingQuantity?: number;
  reservedQuantity?: Record<string, number>;
  researchingQuantity?: { totalResearchingQuantity?: number; researchingQuantityBreakdown?: { name: string; quantity: number }[] };
  unfulfillableQuantity?: Record<string, number>;
}

export interface InventorySummary {
  asin?: string;
  fnSku?: string;
  sellerSku?: string;
  condition?: string;
  lastUpdatedTime?: string;
  productName?: string;
  totalQuantity?: number;
  stores?: string[];
  inventoryDetails?: InventoryDetails;
}

export interface InventorySummariesResponse {
  payload?: { granularity?: { granularityType?: string; granularityId?: string }; inventorySummaries?: InventorySummary[] };
  pagination?: { nextToken?: string };
  errors?: SpApiError[];
}

/** An SP-API call that failed after the HTTP client's retries (or was not retryable). */
export class AmazonApiError extends UpstreamError {
  constructor(
    message: string,
    readonly status: number | null,
    /** First SP-API error code, e.g. InvalidInput, QuotaExceeded, InternalFailure. */
    upstreamCode: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message, upstreamCode);
    this.name = 'AmazonApiError';
  }
}

/** The nextToken of a listing was rejected (it lives 30 s): the listing cannot be resumed, only restarted. */
export class AmazonPaginationError extends AmazonApiError {
  constructor(message: string, status: number, code: string | undefined, requestId: string | undefined) {
    super(message, status, code, requestId);
    this.name = 'AmazonPaginationError';
  }
}

/** The LWA token endpoint refused the credentials, or they are not configured. */
export class AmazonAuthError extends UpstreamError {
  constructor(
    message: string,
    /** LWA error code: invalid_client, invalid_grant, unsupported_grant_type, invalid_request; undefined when not configured. */
    upstreamCode?: string,
  ) {
    super(message, upstreamCode);
    this.name = 'AmazonAuthError';
  }
}

const SUMMARIES_PATH = 'fba/inventory/v1/summaries';
/** sellerSkus accepts at most 50 values per call [O model maxItems]. */
export const MAX_SELLER_SKUS = 50;
const USER_AGENT = 'Tsunagi/0.1 (Language=TypeScript)';
const SP_BUCKET = 'inventorySummaries';
const DAY_MS = 86_400_000;

/** x-amz-date in the basic ISO 8601 form SP-API uses: 20240131T235959Z. */
function amzDate(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseErrors(text: string): SpApiError[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    return Array.isArray(body.errors) ? (body.errors as SpApiError[]) : [];
  } catch {
    return [];
  }
}

function describeErrors(errors: SpApiError[], fallback: string): string {
  if (errors.length === 0) return fallback;
  return errors.map((e) => [e.code, e.message, e.details].filter(Boolean).join(': ')).join('; ');
}

export class AmazonClient implements StockSource, HealthCheck {
  readonly name = 'amazon';
  private readonly config: AmazonConfig;
  private readonly http: HttpClient;
  private readonly logger: Logger;
  private readonly tokens: TokenManager;

  constructor(opts: AmazonClientOptions) {
    this.config = opts.config;
    this.logger = opts.logger ?? silentLogger;
    const expires = opts.config.clientSecretExpiresAt;
    if (expires !== undefined && Number.isNaN(Date.parse(expires))) {
      throw new Error(`integrations.amazon.clientSecretExpiresAt "${expires}" is not an ISO 8601 date (e.g. 2026-05-31)`);
    }
    const secretExpiresAt = expires === undefined ? null : new Date(expires);
    this.http = new HttpClient({
      system: 'amazon',
      baseUrl: opts.config.endpoint,
      policy: opts.policy,
      // Only SP-API calls take from the 2 req/s bucket; LWA token grants name no bucket and are not throttled here.
      rateLimits: { [SP_BUCKET]: opts.config.rateLimit },
      logger: this.logger,
      onOutcome: opts.onOutcome,
    });
    this.tokens = opts.tokens ?? new TokenManager({ logger: this.logger });
    // LWA refresh tokens are long-lived and reusable: they stay in config; the client secret's rotation date is declared.
    this.tokens.register({
      name: this.name,
      grant: () => this.grant(),
      credentialExpiries: [{ what: 'LWA client secret', expiresAt: secretExpiresAt }],
    });
  }

  /**
   * Every inventory summary of the marketplace, one page per SP-API response. Pages are read ahead as fast as the
   * rate limit allows and buffered: a nextToken lives only 30 s, so the listing must not wait for a slow consumer.
   */
  async *pages(): AsyncGenerator<SourceItem[]> {
    const buffer: SourceItem[][] = [];
    let finished = false;
    let failed = false;
    let failure: unknown;
    let stopped = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const reader = (async () => {
      try {
        let token: string | undefined;
        do {
          const page = await this.summaries({}, token);
          buffer.push(this.toItems(page));
          notify();
          token = page.pagination?.nextToken;
        } while (token && !stopped);
      } catch (err) {
        failed = true;
        failure = err;
      } finally {
        finished = true;
        notify();
      }
    })();
    try {
      for (;;) {
        if (buffer.length > 0) yield buffer.shift()!;
        else if (failed) throw failure;
        else if (finished) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      // A consumer that stops early leaves at most one request in flight; let it settle before returning.
      stopped = true;
      await reader;
    }
  }

  /** The given SKUs' summaries (absent SKUs are simply not returned), in calls of at most 50 SKUs. */
  async getItems(skus: string[]): Promise<SourceItem[]> {
    const unique = [...new Set(skus)];
    for (const sku of unique) {
      if (sku.trim() === '') throw new Error('amazon getItems: empty SKU in the list');
    }
    // sellerSkus is comma-separated, so a SKU containing a comma can only be asked for alone via sellerSku.
    const plain = unique.filter((s) => !s.includes(','));
    const withComma = unique.filter((s) => s.includes(','));
    const items: SourceItem[] = [];
    const collect = async (filter: { sellerSkus?: string; sellerSku?: string }) => {
      let token: string | undefined;
      do {
        const page = await this.summaries(filter, token);
        items.push(...this.toItems(page));
        token = page.pagination?.nextToken;
      } while (token);
    };
    for (let i = 0; i < plain.length; i += MAX_SELLER_SKUS) {
      await collect({ sellerSkus: plain.slice(i, i + MAX_SELLER_SKUS).join(',') });
    }
    for (const sku of withComma) await collect({ sellerSku: sku });
    return items;
  }

  async health(): Promise<ConnectorHealth> {
    const secretExpiresAt = (await this.tokens.expiry(this.name)).credentials[0]?.expiresAt ?? null;
    const expiresInDays = secretExpiresAt ? Math.floor((secretExpiresAt.getTime() - Date.now()) / DAY_MS) : null;
    const secretNote =
      expiresInDays === null
        ? ''
        : expiresInDays < 0
          ? `; LWA client secret expired ${-expiresInDays} day(s) ago per clientSecretExpiresAt (rotate it in Seller Central)`
          : `; LWA client secret expires in ${expiresInDays} day(s)`;
    try {
      // A fresh grant, not a cached token: health must prove the credentials still work today.
      await this.tokens.refresh(this.name);
      const page = await this.summaries({ details: 'false' });
      const count = page.payload?.inventorySummaries?.length ?? 0;
      return {
        name: this.name,
        ok: true,
        detail: `LWA token grant and FBA inventory summaries OK (marketplace ${this.config.marketplaceId}, ${count} item(s) on the first page)${secretNote}`,
        expiresInDays,
        expiresAt: secretExpiresAt,
      };
    } catch (err) {
      return { name: this.name, ok: false, detail: `${(err as Error).message}${secretNote}`, expiresInDays, expiresAt: secretExpiresAt };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private toItems(page: InventorySummariesResponse): SourceItem[] {
    const summaries = page.payload?.inventorySummaries;
    if (!Array.isArray(summaries)) {
      throw new AmazonApiError('amazon getInventorySummaries: response has no payload.inventorySummaries', 200, undefined, undefined);
    }
    return summaries.map((s, i) => {
      if (typeof s.sellerSku !== 'string' || s.sellerSku === '') {
        throw new AmazonApiError(`amazon getInventorySummaries: inventory summary #${i + 1} has no sellerSku`, 200, undefined, undefined);
      }
      const quantity = s.inventoryDetails?.fulfillableQuantity;
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 0) {
        throw new AmazonApiError(
          `amazon getInventorySummaries: SKU ${s.sellerSku} has no whole inventoryDetails.fulfillableQuantity (got ${JSON.stringify(quantity)})`,
          200,
          undefined,
          undefined,
        );
      }
      const item: SourceItem = { sku: s.sellerSku, quantity };
      if (s.productName) item.productName = s.productName;
      return item;
    });
  }

  /** One getInventorySummaries call; details default to true (fulfillableQuantity drives allocation). */
  private async summaries(
    filter: { sellerSkus?: string; sellerSku?: string; details?: 'true' | 'false' },
    nextToken?: string,
  ): Promise<InventorySummariesResponse> {
    const query = {
      details: filter.details ?? 'true',
      granularityType: 'Marketplace',
      granularityId: this.config.marketplaceId,
      marketplaceIds: this.config.marketplaceId,
      sellerSkus: filter.sellerSkus,
      sellerSku: filter.sellerSku,
      nextToken,
    };
    const res = await this.spGet('getInventorySummaries', query, nextToken !== undefined);
    return res.json<InventorySummariesResponse>();
  }

  /** A GET to SP-API with the access token; one fresh grant and retry when the token is refused. */
  private async spGet(operation: string, query: Record<string, string | undefined>, paging: boolean): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.accessToken(this.name);
      let res: HttpResponse;
      try {
        res = await this.http.request({
          url: SUMMARIES_PATH,
          query,
          operation,
          bucket: SP_BUCKET,
          headers: { 'x-amz-access-token': token, 'x-amz-date': amzDate(), 'user-agent': USER_AGENT, accept: 'application/json' },
          acceptStatus: [401, 403],
        });
      } catch (err) {
        throw this.toApiError(err, operation, paging);
      }
      if (res.status !== 401 && res.status !== 403) return res;
      const errors = parseErrors(res.text);
      const requestId = res.headers.get('x-amzn-requestid') ?? undefined;
      const refused = res.status === 401 || errors.some((e) => e.code === 'Unauthorized' || /expired/i.test(`${e.message} ${e.details}`));
      if (refused && attempt === 1) {
        this.logger.info({ system: 'amazon', operation, status: res.status }, 'access token refused; requesting a new one');
        this.tokens.invalidate(this.name, token);
        continue;
      }
      throw new AmazonApiError(
        `amazon ${operation}: access denied (HTTP ${res.status}${attempt > 1 ? ', again with a fresh LWA token' : ''}): ` +
          `${describeErrors(errors, res.text.slice(0, 200))}. Check that the app is authorised for this seller and has the Amazon Fulfillment role` +
          (requestId ? ` (x-amzn-RequestId ${requestId})` : ''),
        res.status,
        errors[0]?.code,
        requestId,
      );
    }
  }

  private toApiError(err: unknown, operation: string, paging: boolean): Error {
    if (!(err instanceof HttpError)) return err as Error;
    const errors = parseErrors(err.body);
    const requestId = err.headers.get('x-amzn-requestid') ?? undefined;
    const what = describeErrors(errors, err.body.slice(0, 200) || 'no body');
    const ref = requestId ? ` (x-amzn-RequestId ${requestId})` : '';
    if (paging && err.status === 400 && /token/i.test(what)) {
      return new AmazonPaginationError(
        `amazon ${operation}: the pagination nextToken was rejected (${what}). SP-API nextTokens expire 30 s after ` +
          `they are issued and a listing cannot be resumed; read the inventory again from the first page${ref}`,
        err.status,
        errors[0]?.code,
        requestId,
      );
    }
    return new AmazonApiError(`amazon ${operation}: HTTP ${err.status}: ${what}${ref}`, err.status, errors[0]?.code, requestId);
  }

  /** The LWA refresh-token grant (caching and single flight are the token manager's). */
  private async grant(): Promise<GrantedToken> {
    const { clientId, clientSecret, refreshToken, tokenUrl } = this.config;
    const missing = [
      ['clientId', clientId],
      ['clientSecret', clientSecret],
      ['refreshToken', refreshToken],
    ].filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0) {
      throw new AmazonAuthError(`amazon: LWA credentials missing in integrations.amazon: ${missing.join(', ')}`);
    }
    let res: HttpResponse;
    try {
      res = await this.http.request({
        method: 'POST',
        url: tokenUrl,
        operation: 'lwaRefreshToken',
        headers: { 'user-agent': USER_AGENT, accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: clientId!, client_secret: clientSecret! }),
        acceptStatus: [400, 401],
      });
    } catch (err) {
      if (err instanceof HttpError) throw new AmazonAuthError(`amazon: LWA token endpoint answered HTTP ${err.status}: ${err.body.slice(0, 200)}`);
      throw err;
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: string; error_description?: string };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw new AmazonAuthError(`amazon: LWA token endpoint answered HTTP ${res.status} with non-JSON: ${res.text.slice(0, 200)}`);
    }
    if (res.status !== 200) {
      const hint =
        body.error === 'invalid_client'
          ? ' Check clientId and clientSecret (LWA client secrets rotate; a rotated-out secret fails like this).'
          : body.error === 'invalid_grant'
            ? ' The refresh token is wrong, revoked, or belongs to another app: authorise the app again in Seller Central.'
            : '';
      throw new AmazonAuthError(
        `amazon: LWA token grant refused (HTTP ${res.status} ${body.error ?? 'unknown error'}: ${body.error_description ?? 'no description'}).${hint}`,
        body.error,
      );
    }
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number' || body.expires_in <= 0) {
      throw new AmazonAuthError('amazon: LWA token response lacks access_token or a positive expires_in');
    }
    return { accessToken: body.access_token, expiresIn: body.expires_in };
  }
}
