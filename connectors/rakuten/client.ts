// Rakuten RMS Inventory API 2.0: a stock TARGET. Reads with bulk-get, writes absolute quantities with
// bulk-upsert, and reports the license key's expiry (keys run out every 90 days).
import type { RakutenConfig } from './config.js';
import { DEFAULT_POLICY, HttpClient, HttpError, retryAfterMs, type CallOutcome, type HttpPolicy, type HttpResponse, type RequestOptions } from '../../platform/http/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import { AppError, UpstreamError } from '../../platform/errors.js';
import { daysLeft, type ConnectorHealth, type HealthCheck, type StockTarget, type StockUpdate, type StockWriteResult } from '../../subgraphs/inventory/ports.js';

export type { RakutenConfig } from './config.js';

export const BULK_UPSERT_LIMIT = 400;
export const BULK_GET_LIMIT = 1000;
export const MAX_QUANTITY = 99999;
/** manageNumber and variantId are each at most 32 bytes (UTF-8). */
export const MAX_ID_BYTES = 32;

export const PATHS = {
  bulkUpsert: '/es/2.0/inventories/bulk-upsert',
  bulkGet: '/es/2.0/inventories/bulk-get',
  item: '/es/2.0/inventories/manage-numbers/',
  licenseExpiry: '/es/1.0/license-management/license-key/expiry-date',
} as const;

/** One Rakuten inventory row's identity. */
export interface RakutenSku {
  manageNumber: string;
  variantId: string;
}

/** An entry of Rakuten's error body `{"errors":[...]}`. */
export interface RakutenErrorDetail {
  code: string;
  message: string;
  metadata?: { propertyPath?: string };
}

/** A listing code that cannot name a Rakuten item: the SKU master's fault, not Rakuten's. */
export class RakutenCodeError extends AppError {
  readonly code = 'USER_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'RakutenCodeError';
  }
}

/** A call Rakuten answered with an error body; `errors` holds its entries. */
export class RakutenApiError extends UpstreamError {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: RakutenErrorDetail[],
  ) {
    super(message, errors[0]?.code);
    this.name = 'RakutenApiError';
  }
}

/** 401: the license key expired or the credentials are wrong. Nothing works until an operator fixes it. */
export class RakutenAuthError extends RakutenApiError {
  constructor(message: string, status: number, errors: RakutenErrorDetail[]) {
    super(message, status, errors);
    this.name = 'RakutenAuthError';
  }
}

/**
 * Turns a SKU master rakuten_item_number into the pair Rakuten keys inventory by. The code is
 * `manageNumber` or `manageNumber:variantId`; a bare manageNumber uses defaultVariantId, or the (lower-cased)
 * manageNumber itself when none is configured (UNCONFIRMED, see README). manageNumber is lower-cased because
 * Rakuten stores it so; variantId is case-sensitive and kept as written.
 */
export function parseRakutenCode(code: string, defaultVariantId?: string): RakutenSku {
  const colon = code.indexOf(':');
  const manageNumber = (colon < 0 ? code : code.slice(0, colon)).trim().toLowerCase();
  const variantId = colon < 0 ? (defaultVariantId?.trim() || manageNumber) : code.slice(colon + 1).trim();
  if (manageNumber === '') throw new RakutenCodeError(`rakuten_item_number "${code}" has no manageNumber`);
  if (variantId === '') throw new RakutenCodeError(`rakuten_item_number "${code}" has an empty variantId after ":"`);
  if (Buffer.byteLength(manageNumber) > MAX_ID_BYTES) {
    throw new RakutenCodeError(`rakuten_item_number "${code}": manageNumber is longer than ${MAX_ID_BYTES} bytes`);
  }
  if (Buffer.byteLength(variantId) > MAX_ID_BYTES) {
    throw new RakutenCodeError(`rakuten_item_number "${code}": variantId is longer than ${MAX_ID_BYTES} bytes`);
  }
  return { manageNumber, variantId };
}

/** Map key of a pair; manageNumber already lower-cased. */
export const pairKey = (manageNumber: string, variantId: string) => `${manageNumber}\u0000${variantId}`;

/** Rakuten writes times in JST without an offset ("2026-11-28T23:59:59"). */
export function parseJst(value: string): Date {
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  return new Date(hasOffset ? value : `${value}+09:00`);
}

export function esaAuthorization(serviceSecret: string, licenseKey: string): string {
  return `ESA ${Buffer.from(`${serviceSecret}:${licenseKey}`).toString('base64')}`;
}

export interface RakutenClientOptions {
  config: RakutenConfig;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

/** health() stays ok but says so when the key runs out within this many days. */
const RENEW_WARNING_DAYS = 14;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseErrors(body: string): RakutenErrorDetail[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors.filter((e): e is RakutenErrorDetail => typeof e === 'object' && e !== null && typeof (e as RakutenErrorDetail).code === 'string');
  } catch {
    return [];
  }
}

const describe = (e: RakutenErrorDetail) =>
  `${e.code} ${e.message}${e.metadata?.propertyPath ? ` (${e.metadata.propertyPath})` : ''}`;

export class RakutenClient implements StockTarget, HealthCheck {
  readonly channel = 'rakuten' as const;
  readonly maxWriteBatch = BULK_UPSERT_LIMIT;
  readonly maxReadBatch = BULK_GET_LIMIT;
  private readonly http: HttpClient;
  private readonly policy: HttpPolicy;
  private readonly logger: Logger;
  private readonly authorization: string;
  private readonly licenseKey: string;
  private readonly defaultVariantId: string | undefined;

  constructor(opts: RakutenClientOptions) {
    const { config } = opts;
    if (!config.serviceSecret) throw new Error('rakuten: serviceSecret is not configured (RAKUTEN_SERVICE_SECRET)');
    if (!config.licenseKey) throw new Error('rakuten: licenseKey is not configured (RAKUTEN_LICENSE_KEY)');
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.logger = opts.logger ?? silentLogger;
    this.authorization = esaAuthorization(config.serviceSecret, config.licenseKey);
    this.licenseKey = config.licenseKey;
    this.defaultVariantId = config.defaultVariantId;
    this.http = new HttpClient({
      system: 'rakuten',
      baseUrl: config.endpoint,
      policy: this.policy,
      rateLimits: { upsert: config.upsertRateLimit, get: config.getRateLimit },
      logger: this.logger,
      onOutcome: opts.onOutcome,
    });
  }

  /** The pair a SKU master code stands for, with this client's defaultVariantId. */
  parseCode(code: string): RakutenSku {
    return parseRakutenCode(code, this.defaultVariantId);
  }

  async getStock(codes: string[]): Promise<Map<string, number | null>> {
    if (codes.length > this.maxReadBatch) {
      throw new Error(`rakuten getStock: ${codes.length} codes exceed bulk-get's limit of ${this.maxReadBatch} per call`);
    }
    const result = new Map<string, number | null>();
    // Codes that differ only in manageNumber case name one row: ask once (Rakuten refuses duplicate pairs).
    const pairs = new Map<string, RakutenSku>();
    const keyOfCode = new Map<string, string>();
    for (const code of codes) {
      result.set(code, null);
      try {
        const sku = this.parseCode(code);
        const key = pairKey(sku.manageNumber, sku.variantId);
        pairs.set(key, sku);
        keyOfCode.set(code, key);
      } catch (err) {
        // No listing can exist under an unusable code; setStock reports the reason for the item.
        this.logger.warn({ code, error: (err as Error).message }, 'rakuten: unusable item code reads as no listing');
      }
    }
    if (pairs.size === 0) return result;
    const res = await this.call({
      method: 'POST',
      url: PATHS.bulkGet,
      body: { inventories: [...pairs.values()] },
      operation: 'bulkGetInventories',
      bucket: 'get',
    });
    const body = res.json<{ inventories?: { manageNumber: string; variantId: string; quantity: number }[] }>();
    const found = new Map<string, number>();
    for (const row of body.inventories ?? []) {
      if (!Number.isInteger(row.quantity)) {
        throw new Error(`rakuten bulk-get: quantity of ${row.manageNumber}/${row.variantId} is not an integer: ${JSON.stringify(row.quantity)}`);
      }
      found.set(pairKey(row.manageNumber.toLowerCase(), row.variantId), row.quantity);
    }
    for (const [code, key] of keyOfCode) result.set(code, found.get(key) ?? null);
    return result;
  }

  async setStock(updates: StockUpdate[], opts: { signal?: AbortSignal } = {}): Promise<StockWriteResult[]> {
    if (updates.length > this.maxWriteBatch) {
      throw new Error(`rakuten setStock: ${updates.length} updates exceed bulk-upsert's limit of ${this.maxWriteBatch} per call`);
    }
    const results: StockWriteResult[] = new Array(updates.length);
    // sent[j] is the index in updates of bulk-upsert entry j: Rakuten's propertyPath counts entries sent.
    const sent: number[] = [];
    const entries: (RakutenSku & { mode: 'ABSOLUTE'; quantity: number })[] = [];
    updates.forEach((u, i) => {
      try {
        entries.push({ ...this.parseCode(u.code), mode: 'ABSOLUTE', quantity: u.quantity });
        sent.push(i);
      } catch (err) {
        results[i] = { code: u.code, ok: false, error: (err as Error).message };
      }
    });
    if (entries.length === 0) return results;
    try {
      await this.call({
        method: 'POST', url: PATHS.bulkUpsert, body: { inventories: entries }, operation: 'bulkUpsertInventories', bucket: 'upsert', signal: opts.signal,
      });
    } catch (err) {
      if (!(err instanceof RakutenApiError) || err.status !== 400) throw err;
      const byEntry = new Map<number, RakutenErrorDetail[]>();
      for (const e of err.errors) {
        const m = /^inventories\[(\d+)\]/.exec(e.metadata?.propertyPath ?? '');
        const j = m ? Number(m[1]) : -1;
        if (j >= 0 && j < entries.length) byEntry.set(j, [...(byEntry.get(j) ?? []), e]);
      }
      // No entry named: the request as a whole was refused, which is the caller's error to see.
      if (byEntry.size === 0) throw err;
      // Rakuten applies a bulk call all or nothing (UNCONFIRMED, see README): the rest were not written either.
      const named = [...byEntry].slice(0, 3).map(([j, errs]) => `inventories[${j}]: ${errs.map(describe).join(', ')}`);
      const more = byEntry.size > 3 ? ` (and ${byEntry.size - 3} more entries)` : '';
      const rejected = `batch rejected because of ${named.join('; ')}${more}`;
      sent.forEach((i, j) => {
        const errs = byEntry.get(j);
        results[i] = { code: updates[i].code, ok: false, error: errs ? errs.map(describe).join('; ') : rejected };
      });
      return results;
    }
    for (const i of sent) results[i] = { code: updates[i].code, ok: true };
    return results;
  }

  async health(): Promise<ConnectorHealth> {
    const name = 'rakuten';
    let expiryDate: string;
    try {
      const res = await this.call({ url: PATHS.licenseExpiry, query: { licenseKey: this.licenseKey }, operation: 'getLicenseExpiryDate' });
      expiryDate = res.json<{ expiryDate?: unknown }>().expiryDate as string;
    } catch (err) {
      const expiresInDays = err instanceof RakutenAuthError ? 0 : null;
      return { name, ok: false, detail: (err as Error).message, expiresInDays };
    }
    const expiry = typeof expiryDate === 'string' ? parseJst(expiryDate) : new Date(NaN);
    if (Number.isNaN(expiry.getTime())) {
      return { name, ok: false, detail: `license expiry endpoint returned no usable expiryDate: ${JSON.stringify(expiryDate)}`, expiresInDays: null };
    }
    if (expiry.getTime() <= Date.now()) {
      return { name, ok: false, detail: 'license key expired; renew it in RMS (WEB APIサービス > 利用設定)', expiresInDays: 0, expiresAt: expiry };
    }
    const days = daysLeft(expiry);
    const renew = days < RENEW_WARNING_DAYS ? '; renew it in RMS soon' : '';
    return { name, ok: true, detail: `license key expires in ${days} days${renew}`, expiresInDays: days, expiresAt: expiry };
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /**
   * Sends one request with ESA auth. A 409 write conflict (CE0001) is retried with backoff like a 5xx;
   * 400 and 401 become RakutenApiError / RakutenAuthError carrying Rakuten's error entries.
   */
  private async call(req: RequestOptions): Promise<HttpResponse> {
    const request = { ...req, headers: { authorization: this.authorization, accept: 'application/json', ...req.headers } };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.http.request(request);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        if (err.status === 409 && attempt <= this.policy.retries && !req.signal?.aborted) {
          const backoff = Math.min(this.policy.backoffMaxMs, this.policy.backoffBaseMs * 2 ** (attempt - 1));
          const delay = retryAfterMs(err.headers.get('retry-after')) ?? Math.round(backoff / 2 + Math.random() * (backoff / 2));
          this.logger.debug({ operation: req.operation, attempt, delayMs: delay }, 'rakuten: write conflict, retrying');
          await sleep(delay);
          continue;
        }
        throw this.translate(err, req.operation, attempt);
      }
    }
  }

  private translate(err: HttpError, operation: string, attempts: number): Error {
    const errors = parseErrors(err.body);
    const detail = errors.length > 0 ? errors.map(describe).join('; ') : err.body.slice(0, 300);
    if (err.status === 401) {
      const ga0001 = errors.find((e) => e.code === 'GA0001');
      const message = ga0001
        ? `rakuten ${operation}: Rakuten refused the license key (401 GA0001 ${ga0001.message}): the license key has expired ` +
          '(keys last 90 days) and must be renewed in RMS (店舗様向け情報・サービス > WEB APIサービス > 利用設定 > WEB API > licenseKey), ' +
          'then set RAKUTEN_LICENSE_KEY; if it has not expired, serviceSecret or licenseKey is wrong'
        : `rakuten ${operation}: Rakuten refused the credentials (401 ${detail}); check RAKUTEN_SERVICE_SECRET and RAKUTEN_LICENSE_KEY`;
      return new RakutenAuthError(message, 401, errors);
    }
    if (err.status === 409) {
      return new RakutenApiError(`rakuten ${operation}: write conflict persisted after ${attempts} attempts (409 ${detail})`, 409, errors);
    }
    if (errors.length > 0) return new RakutenApiError(`rakuten ${operation}: HTTP ${err.status}: ${detail}`, err.status, errors);
    return err;
  }
}
