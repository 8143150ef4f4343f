// A local Rakuten RMS Inventory API 2.0 for sandbox mode and tests: ESA auth with an expiring license key,
// all-or-nothing bulk validation with Rakuten's error codes, per-endpoint rate limits, and the license
// expiry endpoint. State is one Map keyed by (manageNumber, variantId).
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import type { RateLimit } from '../../platform/http/index.js';
import {
  BULK_GET_LIMIT,
  BULK_UPSERT_LIMIT,
  MAX_ID_BYTES,
  MAX_QUANTITY,
  PATHS,
  esaAuthorization,
  pairKey,
  parseRakutenCode,
  type RakutenErrorDetail,
} from './client.js';

export const RAKUTEN_SANDBOX_CREDENTIALS = {
  serviceSecret: 'SP000000_sandboxServiceSecret',
  licenseKey: 'SL000000_sandboxLicenseKey',
} as const;

export interface RakutenSimulatorOptions {
  /** JSON snapshot of the inventory; undefined = memory only. */
  stateFile?: string;
  /** Per-endpoint limits (defaults: bulk-upsert 1/s, bulk-get 5/s); false = no 429s. */
  rateLimit?: false | { upsert?: RateLimit; get?: RateLimit };
  credentials?: { serviceSecret: string; licenseKey: string };
  /** When the license key stops working; default 90 days after the simulator is created. */
  licenseExpiresAt?: Date;
  /** Must match the client's config.defaultVariantId for the control methods to read the same rows. */
  defaultVariantId?: string;
}

interface Row {
  manageNumber: string;
  variantId: string;
  quantity: number;
  /** Epoch milliseconds. */
  created: number;
  updated: number;
}

interface Snapshot {
  inventories: Row[];
  /** The sandbox key's expiry (ISO), fixed when the key is issued. */
  licenseExpiresAt?: string;
}

type Mode = 'ABSOLUTE' | 'RELATIVE';

interface Entry {
  manageNumber: string;
  variantId: string;
  mode: Mode;
  quantity: number;
}

const LICENSE_DAYS = 90;
const JST_OFFSET_MS = 9 * 3_600_000;

/** "2026-11-28T23:59:59", JST wall time without offset (the license endpoint's form). */
const jstLocal = (ms: number) => new Date(ms + JST_OFFSET_MS).toISOString().slice(0, 19);
/** ISO 8601 with the +09:00 offset (inventory timestamps). */
const jstIso = (ms: number) => `${jstLocal(ms)}+09:00`;

const error = (code: string, message: string, propertyPath?: string): RakutenErrorDetail =>
  propertyPath === undefined ? { code, message } : { code, message, metadata: { propertyPath } };

const errorResponse = (status: number, errors: RakutenErrorDetail[], headers?: Record<string, string>): SimResponse => ({
  status,
  headers,
  body: { errors },
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class RakutenSimulator {
  readonly faults = new FaultPlan();
  licenseExpiresAt: Date;
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<Snapshot>;
  private readonly rows = new Map<string, Row>();
  private readonly authorization: string;
  private readonly licenseKey: string;
  private readonly defaultVariantId: string | undefined;
  private readonly upsertBucket: TokenBucket | undefined;
  private readonly getBucket: TokenBucket | undefined;

  constructor(opts: RakutenSimulatorOptions = {}) {
    const credentials = opts.credentials ?? RAKUTEN_SANDBOX_CREDENTIALS;
    this.authorization = esaAuthorization(credentials.serviceSecret, credentials.licenseKey);
    this.licenseKey = credentials.licenseKey;
    this.defaultVariantId = opts.defaultVariantId;
    if (opts.rateLimit !== false) {
      const upsert = opts.rateLimit?.upsert ?? { perSecond: 1, burst: 1 };
      const get = opts.rateLimit?.get ?? { perSecond: 5, burst: 5 };
      this.upsertBucket = new TokenBucket(upsert.perSecond, upsert.burst);
      this.getBucket = new TokenBucket(get.perSecond, get.burst);
    }
    this.state = new PersistentState<Snapshot>(opts.stateFile, () => ({ inventories: [] }));
    const stored = this.state.data.licenseExpiresAt;
    this.licenseExpiresAt = opts.licenseExpiresAt ?? (stored ? new Date(stored) : this.issueLicense());
    // The Map and the snapshot array share row objects: quantity changes need no copying.
    for (const row of this.state.data.inventories) this.rows.set(pairKey(row.manageNumber, row.variantId), row);
    this.server = new SimulatorServer('rakuten', async (req) => {
      await this.faults.wait(req);
      return this.handle(req);
    });
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  async close(): Promise<void> {
    await this.server.close();
    this.state.flush();
  }

  /** A new key's expiry, kept in the state file: the same date at every start, as a real key's. */
  private issueLicense(): Date {
    // Whole seconds: the expiry-date API reports seconds, so the date it reports is the one enforced.
    const expiresAt = new Date(Math.floor((Date.now() + LICENSE_DAYS * 86_400_000) / 1000) * 1000);
    this.state.data.licenseExpiresAt = expiresAt.toISOString();
    this.state.changed();
    return expiresAt;
  }

  /** Removes every inventory row (the catalogue). */
  clear(): void {
    this.rows.clear();
    this.state.data.inventories.length = 0;
    this.state.changed();
  }

  /** The first-start state: no rows and a freshly issued 90-day license key. */
  reset(): void {
    this.clear();
    this.licenseExpiresAt = this.issueLicense();
  }

  /** Number of inventory rows held. */
  get size(): number {
    return this.rows.size;
  }

  /** Sets a row's quantity by SKU master code, creating the row when missing. */
  setQuantity(code: string, quantity: number): void {
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
      throw new Error(`rakuten simulator: quantity for ${code} must be an integer 0–${MAX_QUANTITY}, got ${quantity}`);
    }
    const { manageNumber, variantId } = parseRakutenCode(code, this.defaultVariantId);
    this.write(manageNumber, variantId, quantity, Date.now());
    this.state.changed();
  }

  /** The row's quantity by SKU master code; null when Rakuten holds no such row. */
  getQuantity(code: string): number | null {
    const { manageNumber, variantId } = parseRakutenCode(code, this.defaultVariantId);
    return this.rows.get(pairKey(manageNumber, variantId))?.quantity ?? null;
  }

  seed(codes: string[], quantity: number): void {
    for (const code of codes) this.setQuantity(code, quantity);
  }

  /** Creates, with quantity 0, the rows of the codes Rakuten does not hold yet; answers how many. */
  addMissing(codes: string[]): number {
    const missing = [...new Set(codes)].filter((code) => this.getQuantity(code) === null);
    this.seed(missing, 0);
    return missing.length;
  }

  private write(manageNumber: string, variantId: string, quantity: number, now: number): void {
    const key = pairKey(manageNumber, variantId);
    const row = this.rows.get(key);
    if (row) {
      row.quantity = quantity;
      row.updated = now;
      return;
    }
    const created: Row = { manageNumber, variantId, quantity, created: now, updated: now };
    this.rows.set(key, created);
    this.state.data.inventories.push(created);
  }

  private handle(req: SimRequest): SimResponse {
    const fault = this.faults.match(req);
    if (fault) return fault;
    const denied = this.authenticate(req);
    if (denied) return denied;

    if (req.path === PATHS.licenseExpiry) {
      if (req.method !== 'GET') return this.notAllowed(req);
      return this.licenseExpiry(req);
    }
    if (req.path === PATHS.bulkUpsert) {
      if (req.method !== 'POST') return this.notAllowed(req);
      return this.limited(this.upsertBucket, 'bulk-upsert') ?? this.bulkUpsert(req.body);
    }
    if (req.path === PATHS.bulkGet) {
      if (req.method !== 'POST') return this.notAllowed(req);
      return this.limited(this.getBucket, 'bulk-get') ?? this.bulkGet(req.body);
    }
    const single = /^\/es\/2\.0\/inventories\/manage-numbers\/([^/]+)\/variants\/([^/]+)$/.exec(req.path);
    if (single) return this.single(req, single[1], single[2]);
    return errorResponse(404, [error('NOT_FOUND', `no such endpoint: ${req.method} ${req.path}`)]);
  }

  private authenticate(req: SimRequest): SimResponse | undefined {
    if (req.headers.authorization !== this.authorization) {
      return errorResponse(401, [error('GA0001', 'Un-Authorised: serviceSecret or licenseKey is invalid')]);
    }
    if (Date.now() >= this.licenseExpiresAt.getTime()) {
      return errorResponse(401, [error('GA0001', `Un-Authorised: licenseKey expired at ${jstLocal(this.licenseExpiresAt.getTime())} JST`)]);
    }
    return undefined;
  }

  private limited(bucket: TokenBucket | undefined, endpoint: string): SimResponse | undefined {
    if (!bucket || bucket.take()) return undefined;
    return errorResponse(429, [error('TOO_MANY_REQUESTS', `rate limit of ${endpoint} exceeded`)], {
      'retry-after': String(bucket.retryAfterSeconds()),
    });
  }

  private notAllowed(req: SimRequest): SimResponse {
    return errorResponse(405, [error('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}`)]);
  }

  private licenseExpiry(req: SimRequest): SimResponse {
    const licenseKey = req.query.get('licenseKey');
    if (!licenseKey) return errorResponse(400, [error('BAD_REQUEST', 'licenseKey query parameter is required', 'licenseKey')]);
    if (licenseKey !== this.licenseKey) return errorResponse(401, [error('GA0001', 'Un-Authorised: licenseKey does not match')]);
    return { status: 200, body: { expiryDate: jstLocal(this.licenseExpiresAt.getTime()) } };
  }

  /** The request's `inventories` array, or the 400 that refuses it. */
  private inventoriesOf(body: string, limit: number): unknown[] | SimResponse {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return errorResponse(400, [error('IE0004', 'request body is not valid JSON')]);
    }
    if (!isObject(parsed) || !Array.isArray(parsed.inventories)) {
      return errorResponse(400, [error('IE0004', 'inventories is required and must be an array', 'inventories')]);
    }
    const list = parsed.inventories;
    if (list.length === 0) return errorResponse(400, [error('IE0004', 'inventories must not be empty', 'inventories')]);
    if (list.length > limit) {
      return errorResponse(400, [error('IE1101', `inventories holds ${list.length} entries; at most ${limit} are allowed`, 'inventories')]);
    }
    return list;
  }

  /** Checks manageNumber and variantId of one entry; returns the pair with manageNumber lower-cased. */
  private identity(value: Record<string, unknown>, path: string, errors: RakutenErrorDetail[]): { manageNumber: string; variantId: string } | undefined {
    let ok = true;
    for (const field of ['manageNumber', 'variantId'] as const) {
      const v = value[field];
      if (typeof v !== 'string' || v === '') {
        errors.push(error('IE0004', `${field} is required and must be a non-empty string`, `${path}${field}`));
        ok = false;
      } else if (Buffer.byteLength(v) > MAX_ID_BYTES) {
        errors.push(error('IE0004', `${field} must be at most ${MAX_ID_BYTES} bytes`, `${path}${field}`));
        ok = false;
      }
    }
    return ok ? { manageNumber: (value.manageNumber as string).toLowerCase(), variantId: value.variantId as string } : undefined;
  }

  /** Checks mode and quantity, and the quantity the write would leave. */
  private change(value: Record<string, unknown>, key: string, path: string, errors: RakutenErrorDetail[]): { mode: Mode; quantity: number } | undefined {
    const { mode, quantity } = value;
    let ok = true;
    if (mode !== 'ABSOLUTE' && mode !== 'RELATIVE') {
      errors.push(error('IE0004', 'mode must be ABSOLUTE or RELATIVE', `${path}mode`));
      ok = false;
    }
    if (typeof quantity !== 'number' || !Number.isInteger(quantity)) {
      errors.push(error('IE0004', 'quantity is required and must be an integer', `${path}quantity`));
      ok = false;
    }
    if (!ok) return undefined;
    const q = quantity as number;
    if (mode === 'ABSOLUTE') {
      if (q < 0 || q > MAX_QUANTITY) {
        errors.push(error('IE0117', `quantity must be between 0 and ${MAX_QUANTITY}`, `${path}quantity`));
        return undefined;
      }
      return { mode, quantity: q };
    }
    const row = this.rows.get(key);
    if (!row) {
      errors.push(error('IE0500', 'RELATIVE update of an inventory that does not exist', `${path}mode`));
      return undefined;
    }
    const result = row.quantity + q;
    if (result < 0 || result > MAX_QUANTITY) {
      errors.push(error('IE0117', `quantity would become ${result}; it must stay between 0 and ${MAX_QUANTITY}`, `${path}quantity`));
      return undefined;
    }
    return { mode: 'RELATIVE', quantity: q };
  }

  private bulkUpsert(body: string): SimResponse {
    const list = this.inventoriesOf(body, BULK_UPSERT_LIMIT);
    if (!Array.isArray(list)) return list;
    const errors: RakutenErrorDetail[] = [];
    const entries: Entry[] = [];
    const firstIndex = new Map<string, number>();
    list.forEach((value, i) => {
      const entry = this.uniqueEntry(value, i, firstIndex, errors);
      if (!entry) return;
      const { id, key } = entry;
      const change = this.change(entry.value, key, `inventories[${i}].`, errors);
      if (change) entries.push({ ...id, ...change });
    });
    // All or nothing: one bad entry refuses the call, and every bad entry is listed.
    if (errors.length > 0) return errorResponse(400, errors);
    const now = Date.now();
    for (const e of entries) {
      const current = this.rows.get(pairKey(e.manageNumber, e.variantId))?.quantity ?? 0;
      this.write(e.manageNumber, e.variantId, e.mode === 'ABSOLUTE' ? e.quantity : current + e.quantity, now);
    }
    this.state.changed();
    return { status: 204 };
  }

  /** Entry i of a bulk call: an object naming a valid pair not already named earlier in the same call. */
  private uniqueEntry(value: unknown, i: number, firstIndex: Map<string, number>, errors: RakutenErrorDetail[]) {
    if (!isObject(value)) {
      errors.push(error('IE0004', 'each entry must be an object', `inventories[${i}]`));
      return undefined;
    }
    const id = this.identity(value, `inventories[${i}].`, errors);
    if (!id) return undefined;
    const key = pairKey(id.manageNumber, id.variantId);
    const first = firstIndex.get(key);
    if (first !== undefined) {
      errors.push(error('IE1102', `duplicate of inventories[${first}] (${id.manageNumber}/${id.variantId})`, `inventories[${i}]`));
      return undefined;
    }
    firstIndex.set(key, i);
    return { value, id, key };
  }

  private bulkGet(body: string): SimResponse {
    const list = this.inventoriesOf(body, BULK_GET_LIMIT);
    if (!Array.isArray(list)) return list;
    const errors: RakutenErrorDetail[] = [];
    const keys: string[] = [];
    const firstIndex = new Map<string, number>();
    list.forEach((value, i) => {
      const entry = this.uniqueEntry(value, i, firstIndex, errors);
      if (entry) keys.push(entry.key);
    });
    if (errors.length > 0) return errorResponse(400, errors);
    const inventories = [];
    for (const key of keys) {
      const row = this.rows.get(key);
      if (row) inventories.push(this.present(row));
    }
    return { status: 200, body: { inventories } };
  }

  private present(row: Row) {
    return {
      manageNumber: row.manageNumber,
      variantId: row.variantId,
      quantity: row.quantity,
      created: jstIso(row.created),
      updated: jstIso(row.updated),
    };
  }

  private single(req: SimRequest, rawManageNumber: string, rawVariantId: string): SimResponse {
    let ids: Record<string, unknown>;
    try {
      ids = { manageNumber: decodeURIComponent(rawManageNumber), variantId: decodeURIComponent(rawVariantId) };
    } catch {
      return errorResponse(400, [error('IE0004', 'manageNumber or variantId is not valid percent-encoding')]);
    }
    const errors: RakutenErrorDetail[] = [];
    const id = this.identity(ids, '', errors);
    if (!id) return errorResponse(400, errors);
    const key = pairKey(id.manageNumber, id.variantId);
    const notFound = () => errorResponse(404, [error('IE0404', `no inventory for ${id.manageNumber}/${id.variantId}`)]);

    switch (req.method) {
      case 'GET': {
        const row = this.rows.get(key);
        return row ? { status: 200, body: this.present(row) } : notFound();
      }
      case 'PUT': {
        let body: unknown;
        try {
          body = JSON.parse(req.body);
        } catch {
          return errorResponse(400, [error('IE0004', 'request body is not valid JSON')]);
        }
        if (!isObject(body)) return errorResponse(400, [error('IE0004', 'request body must be an object with mode and quantity')]);
        const change = this.change(body, key, '', errors);
        if (!change) return errorResponse(400, errors);
        const current = this.rows.get(key)?.quantity ?? 0;
        this.write(id.manageNumber, id.variantId, change.mode === 'ABSOLUTE' ? change.quantity : current + change.quantity, Date.now());
        this.state.changed();
        return { status: 204 };
      }
      case 'DELETE': {
        const row = this.rows.get(key);
        if (!row) return notFound();
        this.rows.delete(key);
        const list = this.state.data.inventories;
        list.splice(list.indexOf(row), 1);
        this.state.changed();
        return { status: 204 };
      }
      default:
        return this.notAllowed(req);
    }
  }
}
