// Contract test: PimClient against PimSimulator over real HTTP on 127.0.0.1, error paths included (expired token,
// single-use refresh tokens, 429, a 500 mid-pagination, an expired page cursor).
import { readFileSync } from 'node:fs';
import type { CredentialStore, StoredCredential } from '../../platform/auth/credentials.js';
import { TokenManager } from '../../platform/auth/token-manager.js';
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { MappingSet } from '../../platform/transform/index.js';
import type { ProductPage } from '../../subgraphs/catalog/ports.js';
import { PimClient, PRODUCTS_PATH } from './client.js';
import type { PimConfig } from './config.js';
import { PIM_TO_CATALOG } from './product.js';
import { demoProduct, PIM_SANDBOX_CREDENTIALS, PIM_TOKEN_PATH, PimSimulator, type PimSimulatorOptions } from './simulator.js';

const policy: HttpPolicy = { timeoutMs: 5000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 50 };
const mappings = MappingSet.parse(JSON.parse(readFileSync('config/data-mappings.json', 'utf8')), 'config/data-mappings.json');
const HOUR = 3_600_000;

/** The credential store's contract in memory: the token manager keeps the PIM's refresh token there. */
class MemoryCredentials implements CredentialStore {
  readonly values = new Map<string, StoredCredential>();
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async put(name: string, value: string, expiresAt: Date | null = null) {
    this.values.set(name, { value, expiresAt, updatedAt: new Date() });
  }
}

let sim: PimSimulator;
let client: PimClient;
let credentials: MemoryCredentials;
let outcomes: CallOutcome[];

async function start(simOpts: PimSimulatorOptions = {}, config: Partial<PimConfig> = {}) {
  sim = new PimSimulator({ rateLimit: false, ...simOpts });
  const url = await sim.listen();
  outcomes = [];
  credentials = new MemoryCredentials();
  client = new PimClient({
    config: {
      system: 'pim', endpoint: url, tokenUrl: `${url}${PIM_TOKEN_PATH}`, ...PIM_SANDBOX_CREDENTIALS, pageSize: 100, overlapSeconds: 60,
      maxListingRestarts: 3, csv: { encoding: 'utf-8', delimiter: ';', maxRows: 1000, maxBytes: 1 << 20 }, rateLimit: { perSecond: 1000, burst: 100 },
      ...config,
    },
    mapping: mappings.get(PIM_TO_CATALOG),
    credentials,
    tokens: new TokenManager({ credentials }),
    policy,
    onOutcome: (o) => outcomes.push(o),
  });
}

afterEach(async () => {
  await client?.close();
  await sim?.close();
});

const skus = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `SKU-${String(from + i).padStart(5, '0')}`);

/** Products last changed `ago` ms back, so that an incremental read can tell them from newer ones. */
function seedOld(list: string[], ago = 2 * HOUR) {
  const at = new Date(Math.floor((Date.now() - ago) / 1000) * 1000);
  for (const sku of list) sim.putRaw(demoProduct(sku, at));
}

async function readAll(updatedSince: Date | null = null): Promise<ProductPage[]> {
  const pages: ProductPage[] = [];
  for await (const page of client.products({ updatedSince })) pages.push(page);
  return pages;
}

const listCalls = () => outcomes.filter((o) => o.operation === 'listProducts');

describe('PimClient listing', () => {
  it('reads every product in search_after pages of 100, following _links.next, mapped to catalog records', async () => {
    await start();
    sim.seed(skus(250));
    const pages = await readAll();
    expect(pages.map((p) => p.records.length)).toEqual([100, 100, 50]);
    expect(listCalls()).toHaveLength(3);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.sku))).size).toBe(250);
    expect(pages[0]!.serverTime).toBeInstanceOf(Date);
    const first = pages[0]!.records[0]!;
    const raw = sim.getProduct(first.sku)!;
    expect(first.nameJa).toBe(raw.values!.name_ja![0]!.data);
    expect(first.nameEn).toBe(raw.values!.name_en![0]!.data);
    expect(first.descriptionEn).toMatch(/Made in Japan/);
    expect(first.categories).toEqual(raw.categories);
    expect(first.imageRefs).toEqual([`${first.sku}-1`, `${first.sku}-2`]);
    // Weight in grams as given; lengths in centimetres (one with a decimal) become millimetres.
    expect(first.weightGrams).toBe(Number((raw.values!.weight![0]!.data as { amount: string }).amount));
    const cm = (code: string) => Number((raw.values![code]![0]!.data as { amount: string }).amount);
    expect(first.dimensionsMm).toEqual({ length: Math.round(cm('length') * 10), width: cm('width') * 10, height: cm('height') * 10 });
    // Attributes the mapping does not read are kept: a plain one as its value, a localised one per locale/channel.
    expect(first.attributes.colour).toBe(raw.values!.colour![0]!.data);
    expect(first.attributes.catch_copy).toEqual({ 'ja_JP/ecommerce': expect.any(String), 'en_US/ecommerce': expect.any(String) });
    expect(first.updatedAt?.toISOString()).toBe(new Date(raw.updated!).toISOString());
  });

  it('reads only products updated after the watermark, less the overlap', async () => {
    await start({}, { overlapSeconds: 60 });
    seedOld(skus(120));
    sim.update('SKU-00007', { values: { name_en: 'Renamed' } });
    sim.update('SKU-00111', { values: { name_ja: '新しい名前' } });
    const pages = await readAll(new Date(Date.now() - HOUR));
    expect(pages.flatMap((p) => p.records.map((r) => r.sku)).sort()).toEqual(['SKU-00007', 'SKU-00111']);
    const url = new URL(listCalls()[0]!.url + '?x');
    expect(url.pathname).toBe(PRODUCTS_PATH);
    // A product changed exactly at the watermark is read again (overlap): equal timestamps are normal.
    const at = new Date(sim.getProduct('SKU-00007')!.updated!);
    expect((await readAll(at)).flatMap((p) => p.records.map((r) => r.sku)).sort()).toEqual(['SKU-00007', 'SKU-00111']);
  });

  it('names products the PIM holds but that cannot be read, and reads the others', async () => {
    await start();
    sim.seed(skus(3));
    sim.update('SKU-00002', { values: { weight: { amount: '3', unit: 'STONE' } } });
    sim.update('SKU-00003', { values: { height: null } });
    const [page] = await readAll();
    expect(page!.records.map((r) => r.sku)).toEqual(['SKU-00001']);
    expect(page!.invalid).toEqual([
      { sku: 'SKU-00002', error: expect.stringMatching(/^weight unit "STONE" is not one of MILLIGRAM, GRAM, KILOGRAM/) },
      { sku: 'SKU-00003', error: 'length, width and height come together: some are missing' },
    ]);
  });
});

describe('PimClient auth', () => {
  it('gets a token by the password grant once, then refreshes with single-use refresh tokens', async () => {
    await start();
    sim.seed(skus(5));
    await readAll();
    await readAll();
    expect(sim.stats).toMatchObject({ passwordGrants: 1, refreshGrants: 0 });
    const stored = (await credentials.get('pim.refreshToken'))!;
    expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 13 * 24 * HOUR);
    // An expired access token mid-listing: refused with 401, refreshed once, the page asked again.
    sim.seed(skus(150, 100));
    const pages: ProductPage[] = [];
    for await (const page of client.products({ updatedSince: null })) {
      pages.push(page);
      if (pages.length === 1) sim.expireAccessTokens();
    }
    expect(pages.reduce((n, p) => n + p.records.length, 0)).toBe(155);
    expect(sim.stats).toMatchObject({ passwordGrants: 1, refreshGrants: 1 });
    const next = (await credentials.get('pim.refreshToken'))!;
    expect(next.value).not.toBe(stored.value);
  });

  it('falls back to the password grant when the stored refresh token was already used', async () => {
    await start();
    sim.seed(skus(2));
    await readAll();
    const spent = (await credentials.get('pim.refreshToken'))!.value;
    sim.expireAccessTokens();
    await readAll();
    // Another process would hold the spent token: the PIM refuses it, the password grant stands in.
    await credentials.put('pim.refreshToken', spent);
    sim.expireAccessTokens();
    await readAll();
    expect(sim.stats).toMatchObject({ passwordGrants: 2, refreshGrants: 1 });
  });

  it('says in health why the credentials are refused', async () => {
    await start({}, { password: 'wrong' });
    const health = await client.health();
    expect(health).toMatchObject({ name: 'pim', ok: false, expiresInDays: null });
    expect(health.detail).toMatch(/refused the password grant \(Invalid username and password combination\.\)/);
    await client.close();
    await sim.close();
    await start();
    expect(await client.health()).toMatchObject({ ok: true, detail: 'token grant and product listing work' });
  });
});

describe('PimClient error paths', () => {
  it('waits out 429 with Retry-After and goes on', async () => {
    await start({ rateLimit: { perSecond: 2, burst: 2 } });
    sim.seed(skus(350));
    const pages = await readAll();
    expect(pages.reduce((n, p) => n + p.records.length, 0)).toBe(350);
    expect(sim.stats.throttled).toBeGreaterThan(0);
    expect(listCalls().every((o) => o.ok)).toBe(true);
    expect(listCalls().some((o) => o.attempts > 1)).toBe(true);
  }, 20_000);

  it('resumes a listing whose page answered 500: the same page is asked again, nothing read twice', async () => {
    await start();
    sim.seed(skus(300));
    sim.faults.add({ path: PRODUCTS_PATH, after: 2, times: 2, response: { status: 500, body: { code: 500, message: 'Internal error' } } });
    const pages = await readAll();
    const read = pages.flatMap((p) => p.records.map((r) => r.sku));
    expect(read).toHaveLength(300);
    expect(new Set(read).size).toBe(300);
    expect(listCalls().map((o) => o.attempts)).toEqual([1, 1, 3]);
  });

  it('starts a listing again when a page cursor expired, skipping what it already read', async () => {
    await start();
    sim.seed(skus(250));
    // The second request (the first next-page link) finds its cursor expired.
    sim.faults.add({
      path: PRODUCTS_PATH, after: 1, times: 1,
      response: { status: 422, body: { code: 422, message: 'The search_after cursor is invalid or has expired: start the listing again from its first page.' } },
    });
    const pages = await readAll();
    const read = pages.flatMap((p) => p.records.map((r) => r.sku));
    expect(read).toHaveLength(250);
    expect(new Set(read).size).toBe(250);
    // page 1, expired page 2, page 1 again (all skipped), page 2, page 3
    expect(pages.map((p) => p.records.length)).toEqual([100, 0, 100, 50]);
  });

  it('gives up after the configured number of restarts', async () => {
    // Cursors that expire at once: every next page is refused by the simulator itself.
    await start({ cursorTtlMs: 0 }, { maxListingRestarts: 1 });
    sim.seed(skus(250));
    await expect(readAll()).rejects.toThrow(/page cursor refused \(The search_after cursor is invalid or has expired/);
    expect(listCalls().map((o) => o.ok)).toEqual([true, false, true, false]);
  });

  it('never follows a next-page link to another host with its token', async () => {
    await start();
    sim.faults.add({ path: PRODUCTS_PATH, times: 1, response: { status: 200, body: { _links: { next: { href: 'http://example.com/api/rest/v1/products' } }, _embedded: { items: [] } } } });
    await expect(readAll()).rejects.toThrow(/the next-page link points to http:\/\/example\.com, not to the configured API/);
  });
});

describe('PimSimulator contract', () => {
  const token = async () => {
    const res = await fetch(`${sim.url}${PIM_TOKEN_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${PIM_SANDBOX_CREDENTIALS.clientId}:${PIM_SANDBOX_CREDENTIALS.secret}`).toString('base64')}`,
      },
      body: JSON.stringify({ grant_type: 'password', username: PIM_SANDBOX_CREDENTIALS.username, password: PIM_SANDBOX_CREDENTIALS.password }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const get = async (path: string, bearer?: string) => {
    const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    return { status: res.status, body: (await res.json()) as { code?: number; message?: string; _links?: { next?: { href: string } } } };
  };

  it('refuses more than 100 items a page, a missing token, an expired cursor and an unsupported filter', async () => {
    await start();
    sim.seed(skus(30));
    const bearer = await token();
    expect(await get(`${PRODUCTS_PATH}?pagination_type=search_after&limit=101`, bearer)).toEqual({ status: 422, body: { code: 422, message: 'You cannot request more than 100 items.' } });
    expect((await get(`${PRODUCTS_PATH}?pagination_type=search_after&limit=10`)).status).toBe(401);
    const first = await get(`${PRODUCTS_PATH}?pagination_type=search_after&limit=10`, bearer);
    const next = first.body._links!.next!.href;
    expect((await get(next, bearer)).status).toBe(200);
    sim.expireCursors();
    expect(await get(next, bearer)).toMatchObject({ status: 422, body: { message: expect.stringMatching(/search_after cursor is invalid or has expired/) } });
    const search = encodeURIComponent(JSON.stringify({ updated: [{ operator: 'SINCE LAST N DAYS', value: 3 }] }));
    expect((await get(`${PRODUCTS_PATH}?pagination_type=search_after&search=${search}`, bearer)).status).toBe(422);
    sim.expireAccessTokens();
    expect(await get(`${PRODUCTS_PATH}?pagination_type=search_after`, bearer)).toMatchObject({ status: 401, body: { message: 'The access token provided has expired.' } });
  });
});
