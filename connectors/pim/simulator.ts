// A local product master speaking the Akeneo REST API the client uses, enforcing what it enforces: client and
// user credentials, 1-hour access tokens, single-use refresh tokens, at most 100 products a page, search_after
// pages reached only through `_links.next` (whose cursor expires here: see README), the `updated` filter, and
// 429 + Retry-After over the rate limit. Timestamps have whole seconds, so equal ones are normal.
import { createHash, randomBytes } from 'node:crypto';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import { PRODUCTS_PATH } from './client.js';
import type { PimProduct, PimValue } from './product.js';

export const PIM_TOKEN_PATH = '/api/oauth/v1/token';

/** What sandbox mode configures the client with; the simulator accepts nothing else. */
export const PIM_SANDBOX_CREDENTIALS = {
  clientId: 'tsunagi_sandbox_client',
  secret: 'tsunagi-sandbox-pim-secret',
  username: 'tsunagi_sandbox',
  password: 'tsunagi-sandbox-pim-password',
} as const;

export interface PimSimulatorOptions {
  /** JSON snapshot of the products; undefined = memory only. */
  stateFile?: string;
  /** Requests per second per instance (Akeneo: 100); false = unlimited (benchmarks). */
  rateLimit?: false | { perSecond: number; burst: number };
  /** Access token lifetime, reported as expires_in and enforced. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** How long a next-page cursor stays valid. Default 5 minutes. */
  cursorTtlMs?: number;
  credentials?: { clientId: string; secret: string; username: string; password: string };
}

interface SimProduct extends PimProduct {
  /** The primary key the listing is sorted by (insertion order). */
  id: number;
}

interface SimState {
  products: SimProduct[];
  nextId: number;
}

interface Cursor {
  /** Index in the products list of the last product returned. */
  after: number;
  filter: (p: SimProduct) => boolean;
  search: string | null;
  limit: number;
  expiresAt: number;
}

const CATALOGUE = [
  { category: 'kitchen', ja: '三徳包丁', en: 'Santoku Knife', grams: 180 },
  { category: 'kitchen', ja: '急須', en: 'Teapot', grams: 420 },
  { category: 'kitchen', ja: '木製まな板', en: 'Wooden Cutting Board', grams: 950 },
  { category: 'stationery', ja: '万年筆', en: 'Fountain Pen', grams: 30 },
  { category: 'stationery', ja: '和紙ノート', en: 'Washi Notebook', grams: 160 },
  { category: 'beauty', ja: '化粧水', en: 'Face Lotion', grams: 220 },
  { category: 'beauty', ja: '椿油', en: 'Camellia Oil', grams: 90 },
  { category: 'toys', ja: 'けん玉', en: 'Kendama', grams: 140 },
  { category: 'toys', ja: '折り紙セット', en: 'Origami Set', grams: 250 },
] as const;
const BRANDS = ['Kaze Kobo', 'Hana no Sato', 'Yamato Craft', 'Tsunagi Select'];
const COLOURS = ['black', 'white', 'red', 'indigo', 'natural'];

const oauthError = (status: number, error: string, description: string): SimResponse => ({ status, body: { error, error_description: description } });
const apiError = (status: number, message: string, headers?: Record<string, string>): SimResponse => ({ status, headers, body: { code: status, message } });
const one = (data: unknown): PimValue[] => [{ locale: null, scope: null, data }];
/** Whole seconds, as the PIM stores them. */
const nowSeconds = () => new Date(Math.floor(Date.now() / 1000) * 1000);
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** `YYYY-MM-DD hh:mm:ss` (UTC) → ms; NaN when it is not that. */
function parseFilterTime(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) return Number.NaN;
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/** A deterministic product for a SKU: the same SKU always gets the same data. */
export function demoProduct(sku: string, updated: Date): PimProduct {
  const h = createHash('sha256').update(sku).digest();
  const item = CATALOGUE[h[0]! % CATALOGUE.length]!;
  const brand = BRANDS[h[1]! % BRANDS.length]!;
  const n = (h.readUInt16BE(2) % 90) + 10;
  const [l, w, ht] = [10 + (h[4]! % 30), 5 + (h[5]! % 20), 2 + (h[6]! % 15)];
  return {
    identifier: sku,
    enabled: true,
    family: 'goods',
    categories: [item.category],
    values: {
      name_ja: one(`${brand} ${item.ja} ${n}`),
      name_en: one(`${brand} ${item.en} ${n}`),
      description_ja: one(`${item.ja}（${brand}）。日本製。`),
      description_en: one(`${item.en} by ${brand}. Made in Japan.`),
      brand: one(brand),
      weight: one({ amount: String(item.grams + (h[7]! % 50)), unit: 'GRAM' }),
      length: one({ amount: `${l}.5`, unit: 'CENTIMETER' }),
      width: one({ amount: String(w), unit: 'CENTIMETER' }),
      height: one({ amount: String(ht), unit: 'CENTIMETER' }),
      images: one([`${sku}-1`, `${sku}-2`]),
      colour: one(COLOURS[h[8]! % COLOURS.length]),
      catch_copy: [
        { locale: 'ja_JP', scope: 'ecommerce', data: `${item.ja}の定番` },
        { locale: 'en_US', scope: 'ecommerce', data: `The classic ${item.en.toLowerCase()}` },
      ],
    },
    created: isoSeconds(updated),
    updated: isoSeconds(updated),
  };
}

export class PimSimulator {
  readonly faults = new FaultPlan();
  /** Counters for tests. */
  readonly stats = { passwordGrants: 0, refreshGrants: 0, listRequests: 0, throttled: 0 };
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<SimState>;
  private readonly index = new Map<string, number>();
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  private readonly cursors = new Map<string, Cursor>();
  private readonly bucket: TokenBucket | undefined;
  private readonly tokenTtlSeconds: number;
  private readonly cursorTtlMs: number;
  private readonly credentials: NonNullable<PimSimulatorOptions['credentials']>;

  constructor(opts: PimSimulatorOptions = {}) {
    const rate = opts.rateLimit === false ? undefined : (opts.rateLimit ?? { perSecond: 100, burst: 100 });
    this.bucket = rate ? new TokenBucket(rate.perSecond, rate.burst) : undefined;
    this.tokenTtlSeconds = opts.accessTokenTtlSeconds ?? 3600;
    this.cursorTtlMs = opts.cursorTtlMs ?? 5 * 60_000;
    this.credentials = opts.credentials ?? { ...PIM_SANDBOX_CREDENTIALS };
    this.state = new PersistentState<SimState>(opts.stateFile, () => ({ products: [], nextId: 1 }));
    this.state.data.products.forEach((p, i) => this.index.set(p.identifier, i));
    this.server = new SimulatorServer('pim', (req) => this.handle(req));
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

  /** Adds (or re-creates) a demo product per SKU, updated now or `updatedAt` (unix seconds: a catalogue last changed earlier). */
  seed(skus: string[], updatedAt?: number): number {
    if (updatedAt !== undefined && !Number.isSafeInteger(updatedAt)) throw new Error(`pim simulator: updatedAt must be unix seconds, got ${updatedAt}`);
    const updated = updatedAt === undefined ? nowSeconds() : new Date(updatedAt * 1000);
    for (const sku of skus) this.put(demoProduct(sku, updated));
    this.state.changed();
    return skus.length;
  }

  /** Replaces one product's attribute values (and enabled/categories when given); its `updated` becomes now. */
  update(sku: string, change: { values?: Record<string, unknown>; enabled?: boolean; categories?: string[] }): PimProduct {
    const i = this.index.get(sku);
    if (i === undefined) throw new Error(`pim simulator: no product ${sku}`);
    const p = this.state.data.products[i]!;
    for (const [code, data] of Object.entries(change.values ?? {})) {
      if (data === null) delete p.values![code];
      else p.values![code] = Array.isArray(data) && data.every((v) => v && typeof v === 'object' && 'locale' in v) ? (data as PimValue[]) : one(data);
    }
    if (change.enabled !== undefined) p.enabled = change.enabled;
    if (change.categories) p.categories = change.categories;
    p.updated = isoSeconds(nowSeconds());
    this.state.changed();
    return this.render(p);
  }

  /** Adds a product exactly as given (tests: invalid data the PIM nevertheless holds). */
  putRaw(product: PimProduct): void {
    this.put(product);
    this.state.changed();
  }

  getProduct(sku: string): PimProduct | null {
    const i = this.index.get(sku);
    return i === undefined ? null : this.render(this.state.data.products[i]!);
  }

  count(): number {
    return this.state.data.products.length;
  }

  clear(): void {
    this.state.data.products.length = 0;
    this.index.clear();
    this.cursors.clear();
    this.state.changed();
  }

  /** Empty catalogue and no tokens: the sandbox's first start. */
  reset(): void {
    this.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }

  /** Every access token issued so far expires now. */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.keys()) this.accessTokens.set(t, Date.now());
  }

  /** Every next-page cursor issued so far expires now. */
  expireCursors(): void {
    for (const c of this.cursors.values()) c.expiresAt = Date.now();
  }

  private put(product: PimProduct): void {
    const existing = this.index.get(product.identifier);
    if (existing !== undefined) {
      this.state.data.products[existing] = { ...product, id: this.state.data.products[existing]!.id };
      return;
    }
    this.index.set(product.identifier, this.state.data.products.length);
    this.state.data.products.push({ ...product, id: this.state.data.nextId++ });
  }

  private render(p: SimProduct): PimProduct {
    const { id: _id, ...product } = p;
    return structuredClone(product);
  }

  private handle(req: SimRequest): SimResponse {
    if (this.bucket && !this.bucket.take()) {
      this.stats.throttled++;
      return apiError(429, 'Too many requests', { 'retry-after': String(this.bucket.retryAfterSeconds()) });
    }
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.path === PIM_TOKEN_PATH) return req.method === 'POST' ? this.token(req) : apiError(405, 'Method not allowed');
    if (req.path === PRODUCTS_PATH) return req.method === 'GET' ? this.list(req) : apiError(405, 'Method not allowed');
    return apiError(404, 'Resource not found');
  }

  private token(req: SimRequest): SimResponse {
    const expected = `Basic ${Buffer.from(`${this.credentials.clientId}:${this.credentials.secret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return oauthError(401, 'invalid_client', 'The client credentials are invalid');
    let params: Record<string, unknown>;
    try {
      params = String(req.headers['content-type'] ?? '').includes('json') ? (JSON.parse(req.body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(req.body));
    } catch {
      return oauthError(400, 'invalid_request', 'The request body is not valid JSON');
    }
    if (params.grant_type === 'password') {
      if (params.username !== this.credentials.username || params.password !== this.credentials.password) {
        return oauthError(400, 'invalid_grant', 'Invalid username and password combination.');
      }
      this.stats.passwordGrants++;
    } else if (params.grant_type === 'refresh_token') {
      // Each refresh token works once.
      if (typeof params.refresh_token !== 'string' || !this.refreshTokens.delete(params.refresh_token)) {
        return oauthError(400, 'invalid_grant', 'Invalid refresh token');
      }
      this.stats.refreshGrants++;
    } else {
      return oauthError(400, 'unsupported_grant_type', 'Invalid grant_type parameter or parameter missing');
    }
    const accessToken = randomBytes(24).toString('base64url');
    const refreshToken = randomBytes(24).toString('base64url');
    this.accessTokens.set(accessToken, Date.now() + this.tokenTtlSeconds * 1000);
    this.refreshTokens.add(refreshToken);
    return { status: 200, body: { access_token: accessToken, expires_in: this.tokenTtlSeconds, token_type: 'bearer', scope: null, refresh_token: refreshToken } };
  }

  private list(req: SimRequest): SimResponse {
    const auth = req.headers.authorization ?? '';
    const expiresAt = auth.startsWith('Bearer ') ? this.accessTokens.get(auth.slice(7)) : undefined;
    if (expiresAt === undefined) return apiError(401, 'The access token provided is invalid.');
    if (expiresAt <= Date.now()) return apiError(401, 'The access token provided has expired.');
    this.stats.listRequests++;
    const q = req.query;
    if (q.get('pagination_type') !== 'search_after') return apiError(422, 'This simulator lists products with pagination_type=search_after only.');
    const limit = q.has('limit') ? Number(q.get('limit')) : 10;
    if (!Number.isInteger(limit) || limit < 1) return apiError(422, `"${q.get('limit')}" is not a valid limit number.`);
    if (limit > 100) return apiError(422, 'You cannot request more than 100 items.');
    let cursor: Cursor;
    const after = q.get('search_after');
    if (after !== null) {
      const found = this.cursors.get(after);
      if (!found || found.expiresAt <= Date.now() || found.limit !== limit || found.search !== q.get('search')) {
        return apiError(422, 'The search_after cursor is invalid or has expired: start the listing again from its first page.');
      }
      cursor = found;
    } else {
      const filter = this.filter(q.get('search'));
      if (typeof filter === 'string') return apiError(422, filter);
      cursor = { after: -1, filter, search: q.get('search'), limit, expiresAt: 0 };
    }
    const products = this.state.data.products;
    const items: PimProduct[] = [];
    let i = cursor.after + 1;
    for (; i < products.length && items.length < limit; i++) if (cursor.filter(products[i]!)) items.push(this.render(products[i]!));
    const self = `${this.url}${req.path}?${q.toString()}`;
    const links: Record<string, { href: string }> = { self: { href: self } };
    const first = new URLSearchParams(q);
    first.delete('search_after');
    links.first = { href: `${this.url}${req.path}?${first.toString()}` };
    if (items.length === limit && i < products.length) {
      const token = randomBytes(12).toString('base64url');
      this.purgeCursors();
      this.cursors.set(token, { ...cursor, after: i - 1, expiresAt: Date.now() + this.cursorTtlMs });
      const next = new URLSearchParams(first);
      next.set('search_after', token);
      links.next = { href: `${this.url}${req.path}?${next.toString()}` };
    }
    return { status: 200, body: { _links: links, _embedded: { items: items.map((p) => ({ _links: { self: { href: `${this.url}${PRODUCTS_PATH}/${encodeURIComponent(p.identifier)}` } }, ...p })) } } };
  }

  /** The `search` parameter's filter on `updated`; a string is the API's refusal. */
  private filter(search: string | null): ((p: SimProduct) => boolean) | string {
    if (search === null) return () => true;
    let parsed: Record<string, { operator?: unknown; value?: unknown }[]>;
    try {
      parsed = JSON.parse(search) as typeof parsed;
    } catch {
      return 'Search query parameter should be valid JSON.';
    }
    const tests: ((updatedMs: number) => boolean)[] = [];
    for (const [property, conditions] of Object.entries(parsed ?? {})) {
      if (property !== 'updated') return `Filter on property "${property}" is not supported by this simulator.`;
      if (!Array.isArray(conditions)) return 'Structure of filter "updated" should respect this structure: {"updated":[{"operator": "my_operator", "value": "my_value"}]}';
      for (const c of conditions) {
        if (c.operator === '>' || c.operator === '<') {
          const at = parseFilterTime(c.value);
          if (Number.isNaN(at)) return `Property "updated" expects a string with the format "yyyy-mm-dd H:i:s" as data, "${String(c.value)}" given.`;
          tests.push(c.operator === '>' ? (u) => u > at : (u) => u < at);
        } else if (c.operator === 'BETWEEN') {
          const [from, to] = Array.isArray(c.value) ? c.value.map(parseFilterTime) : [Number.NaN, Number.NaN];
          if (Number.isNaN(from) || Number.isNaN(to)) return 'Property "updated" with operator "BETWEEN" expects an array of two dates "yyyy-mm-dd H:i:s".';
          tests.push((u) => u >= from! && u <= to!);
        } else {
          return `Filter on property "updated" does not support operator "${String(c.operator)}" in this simulator (>, <, BETWEEN).`;
        }
      }
    }
    return (p) => {
      const updated = Date.parse(p.updated ?? '');
      return tests.every((t) => t(updated));
    };
  }

  private purgeCursors(): void {
    if (this.cursors.size < 1000) return;
    const now = Date.now();
    for (const [token, c] of this.cursors) if (c.expiresAt <= now) this.cursors.delete(token);
  }
}
