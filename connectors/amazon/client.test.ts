// Contract test: AmazonClient against AmazonSimulator over real HTTP on 127.0.0.1, happy and error paths,
// plus the simulator's own protocol rules checked with plain fetch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenManager } from '../../platform/auth/token-manager.js';
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import type { SourceItem } from '../../subgraphs/inventory/ports.js';
import { SimulatorServer, type SimRequest } from '../sandbox/server.js';
import { AmazonApiError, AmazonAuthError, AmazonClient, AmazonPaginationError, type AmazonConfig } from './client.js';
import {
  AMAZON_JP_MARKETPLACE_ID,
  AMAZON_SANDBOX_CREDENTIALS,
  AmazonSimulator,
  spApiErrorResponse,
  SUMMARIES_PATH,
  type AmazonSimulatorOptions,
} from './simulator.js';

const FAST: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 3, backoffBaseMs: 20, backoffMaxMs: 200 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function configFor(url: string, over: Partial<AmazonConfig> = {}): AmazonConfig {
  return {
    endpoint: url,
    tokenUrl: `${url}/auth/o2/token`,
    marketplaceId: AMAZON_JP_MARKETPLACE_ID,
    ...AMAZON_SANDBOX_CREDENTIALS,
    clientSecretExpiresAt: undefined,
    rateLimit: { perSecond: 1000, burst: 1000 },
    ...over,
  };
}

async function setup(simOpts: AmazonSimulatorOptions = {}, over: Partial<AmazonConfig> = {}, policy: Partial<HttpPolicy> = FAST) {
  const sim = new AmazonSimulator({ rateLimit: false, ...simOpts });
  const url = await sim.listen();
  open.push(sim);
  const outcomes: CallOutcome[] = [];
  const client = new AmazonClient({ config: configFor(url, over), policy, onOutcome: (o) => outcomes.push(o) });
  open.push(client);
  return { sim, client, url, outcomes };
}

async function collect(client: AmazonClient): Promise<SourceItem[][]> {
  const pages: SourceItem[][] = [];
  for await (const page of client.pages()) pages.push(page);
  return pages;
}

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/auth/o2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: AMAZON_SANDBOX_CREDENTIALS.clientId,
      client_secret: AMAZON_SANDBOX_CREDENTIALS.clientSecret,
      refresh_token: AMAZON_SANDBOX_CREDENTIALS.refreshToken,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const FULL_QUERY = { granularityType: 'Marketplace', granularityId: AMAZON_JP_MARKETPLACE_ID, marketplaceIds: AMAZON_JP_MARKETPLACE_ID };

async function summaries(url: string, accessToken: string | undefined, query: Record<string, string>) {
  const res = await fetch(`${url}${SUMMARIES_PATH}?${new URLSearchParams(query)}`, {
    headers: accessToken ? { 'x-amz-access-token': accessToken } : {},
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

describe('AmazonSimulator protocol', () => {
  it('grants LWA access tokens and answers credential errors the way LWA does', async () => {
    const { url } = await setup();
    const post = async (fields: Record<string, string>) => {
      const res = await fetch(`${url}/auth/o2/token`, { method: 'POST', body: new URLSearchParams(fields) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, requestId: res.headers.get('x-amzn-requestid') };
    };
    const good = {
      grant_type: 'refresh_token',
      client_id: AMAZON_SANDBOX_CREDENTIALS.clientId,
      client_secret: AMAZON_SANDBOX_CREDENTIALS.clientSecret,
      refresh_token: AMAZON_SANDBOX_CREDENTIALS.refreshToken,
    };
    const ok = await post(good);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(String(ok.body.access_token)).toMatch(/^Atza\|/);
    expect(ok.requestId).toBeTruthy();

    expect(await post({ ...good, grant_type: 'authorization_code' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const { refresh_token: _omit, ...noRefresh } = good;
    const missing = await post(noRefresh);
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(missing.body.error_description).toContain('refresh_token');
    expect(await post({ ...good, client_secret: 'wrong' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await post({ ...good, client_id: 'wrong' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await post({ ...good, refresh_token: 'Atzr|wrong' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses requests without a valid access token with 403 Unauthorized', async () => {
    const { url } = await setup();
    const none = await summaries(url, undefined, FULL_QUERY);
    expect(none.status).toBe(403);
    expect(none.body.errors[0].code).toBe('Unauthorized');
    expect(none.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(none.headers.get('x-amzn-ratelimit-limit')).toBeNull();
    const forged = await summaries(url, 'Atza|forged', FULL_QUERY);
    expect(forged.status).toBe(403);
    expect(forged.body.errors[0].details).toContain('invalid');
  });

  it('answers 400 InvalidInput naming each missing or invalid parameter, with the rate-limit header', async () => {
    const { url } = await setup();
    const t = await token(url);
    for (const name of Object.keys(FULL_QUERY)) {
      const { [name as keyof typeof FULL_QUERY]: _drop, ...rest } = FULL_QUERY;
      const res = await summaries(url, t, rest);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ code: 'InvalidInput' });
      expect(res.body.errors[0].message).toContain(name);
      expect(res.headers.get('x-amzn-ratelimit-limit')).toBe('2.0');
    }
    const cases: [Record<string, string>, string][] = [
      [{ granularityType: 'Country' }, 'granularityType'],
      [{ marketplaceIds: `${AMAZON_JP_MARKETPLACE_ID},ATVPDKIKX0DER` }, 'marketplaceIds'],
      [{ marketplaceIds: 'ATVPDKIKX0DER' }, 'marketplaceIds'],
      [{ granularityId: 'ATVPDKIKX0DER' }, 'granularityId'],
      [{ details: 'yes' }, 'details'],
      [{ startDateTime: 'yesterday' }, 'startDateTime'],
      [{ startDateTime: '2000-01-01T00:00:00Z' }, '18 months'],
      [{ sellerSkus: Array.from({ length: 51 }, (_, i) => `S${i}`).join(',') }, 'sellerSkus'],
      [{ nextToken: 'not-a-token' }, 'Next token'],
    ];
    for (const [change, named] of cases) {
      const res = await summaries(url, t, { ...FULL_QUERY, ...change });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].code).toBe('InvalidInput');
      expect(res.body.errors[0].message).toContain(named);
    }
    const fifty = await summaries(url, t, { ...FULL_QUERY, sellerSkus: Array.from({ length: 50 }, (_, i) => `S${i}`).join(',') });
    expect(fifty.status).toBe(200);
  });

  it('omits inventoryDetails unless details=true and pages with nextTokens that need URL-encoding', async () => {
    const { sim, url } = await setup({ pageSize: 3 });
    sim.seed(5);
    const t = await token(url);
    const plain = await summaries(url, t, FULL_QUERY);
    expect(plain.status).toBe(200);
    expect(plain.body.payload.granularity).toEqual({ granularityType: 'Marketplace', granularityId: AMAZON_JP_MARKETPLACE_ID });
    expect(plain.body.payload.inventorySummaries).toHaveLength(3);
    expect(plain.body.payload.inventorySummaries[0].inventoryDetails).toBeUndefined();
    expect(plain.body.payload.inventorySummaries[0]).toMatchObject({ sellerSku: 'AMZ-000001', condition: 'NewItem' });
    const nextToken = plain.body.pagination.nextToken as string;
    expect(nextToken).toMatch(/[+/=]/);
    const second = await summaries(url, t, { ...FULL_QUERY, details: 'true', nextToken });
    expect(second.body.payload.inventorySummaries.map((s: any) => s.sellerSku)).toEqual(['AMZ-000004', 'AMZ-000005']);
    expect(second.body.payload.inventorySummaries[0].inventoryDetails.fulfillableQuantity).toBe(sim.getQuantity('AMZ-000004'));
    expect(second.body.pagination).toBeUndefined();
    // A token stays valid until it expires, so a retried page request gets the same page.
    const again = await summaries(url, t, { ...FULL_QUERY, nextToken });
    expect(again.status).toBe(200);
  });

  it('throttles beyond 2 req/s burst 2 with 429 QuotaExceeded and no rate-limit header', async () => {
    const { url } = await setup({ rateLimit: { perSecond: 2, burst: 2 } });
    const t = await token(url);
    const results = await Promise.all([1, 2, 3].map(() => summaries(url, t, FULL_QUERY)));
    const throttled = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.body.errors[0].code).toBe('QuotaExceeded');
    expect(throttled[0]!.headers.get('x-amzn-ratelimit-limit')).toBeNull();
    expect(throttled[0]!.headers.get('x-amzn-requestid')).toBeTruthy();
  });

  it('seeds deterministic SKUs covering every allocation tier, and keeps state across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amazon-sim-'));
    try {
      const file = join(dir, 'amazon.json');
      const first = new AmazonSimulator({ stateFile: file });
      first.seed(20);
      first.setQuantity('AMZ-P-001', 42);
      expect(first.size).toBe(21);
      const quantities = first.skus().map((s) => first.getQuantity(s)!);
      expect(first.skus().slice(0, 2)).toEqual(['AMZ-000001', 'AMZ-000002']);
      for (const [lo, hi] of [[0, 0], [1, 5], [6, 9], [10, 19], [20, Infinity]]) {
        expect(quantities.some((q) => q >= lo! && q <= hi!)).toBe(true);
      }
      expect(() => first.setQuantity('AMZ-000001', 1.5)).toThrow(/whole number/);
      expect(() => first.setQuantity('x'.repeat(41), 1)).toThrow(/1–40 characters/);
      expect(() => first.seed(10, { start: 999_995 })).toThrow(/AMZ-<6 digits>/);
      await first.close();

      const second = new AmazonSimulator({ stateFile: file });
      expect(second.size).toBe(21);
      expect(second.getQuantity('AMZ-P-001')).toBe(42);
      expect(second.getQuantity('AMZ-000001')).toBe(0);
      expect(second.getQuantity('NOPE')).toBeNull();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AmazonClient', () => {
  it('reads every page, following nextToken until it is absent', async () => {
    const { sim, client } = await setup({ pageSize: 5 });
    sim.seed(23);
    const pages = await collect(client);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    const items = pages.flat();
    expect(items.map((i) => i.sku)).toEqual(sim.skus());
    for (const item of items) expect(item.quantity).toBe(sim.getQuantity(item.sku));
    expect(items[0]).toEqual({ sku: 'AMZ-000001', quantity: 0, productName: 'サンプル商品 AMZ-000001' });
    expect(sim.stats.summariesRequests).toBe(5);
    expect(sim.stats.tokenGrants).toBe(1);
  });

  it('takes its token from the shared token manager: 50 concurrent calls cause one LWA grant; the secret expiry is declared', async () => {
    const sim = new AmazonSimulator({ rateLimit: false });
    const url = await sim.listen();
    open.push(sim);
    sim.seed(3);
    const tokens = new TokenManager();
    const client = new AmazonClient({ config: configFor(url, { clientSecretExpiresAt: '2027-01-31' }), policy: FAST, tokens });
    open.push(client);
    const results = await Promise.all(Array.from({ length: 50 }, () => client.getItems(['AMZ-000001'])));
    expect(results.every((r) => r.length === 1)).toBe(true);
    expect(sim.stats.tokenGrants).toBe(1);
    const expiry = await tokens.expiry('amazon');
    expect(expiry.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(expiry.credentials).toEqual([{ what: 'LWA client secret', expiresAt: new Date('2027-01-31') }]);
  });

  it('sends the LWA grant form-encoded and the SP-API headers and query', async () => {
    const seen: SimRequest[] = [];
    const capture = new SimulatorServer('capture', (req) => {
      seen.push(req);
      if (req.path === '/auth/o2/token') return { status: 200, body: { access_token: 'Atza|captured', token_type: 'bearer', expires_in: 3600 } };
      return { status: 200, body: { payload: { granularity: {}, inventorySummaries: [] } } };
    });
    const url = await capture.listen();
    open.push(capture);
    const client = new AmazonClient({ config: configFor(url), policy: FAST });
    open.push(client);
    await collect(client);
    const [grant, call] = seen;
    expect(grant!.method).toBe('POST');
    expect(grant!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(grant!.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: AMAZON_SANDBOX_CREDENTIALS.refreshToken,
      client_id: AMAZON_SANDBOX_CREDENTIALS.clientId,
      client_secret: AMAZON_SANDBOX_CREDENTIALS.clientSecret,
    });
    expect(call!.path).toBe(SUMMARIES_PATH);
    expect(call!.headers['x-amz-access-token']).toBe('Atza|captured');
    expect(call!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(call!.headers['user-agent']).toBe('Tsunagi/0.1 (Language=TypeScript)');
    expect(Object.fromEntries(call!.query)).toEqual({ ...FULL_QUERY, details: 'true' });
  });

  it('yields an empty first page for an empty inventory', async () => {
    const { client } = await setup();
    expect(await collect(client)).toEqual([[]]);
  });

  it('fails with AmazonPaginationError when a nextToken has expired', async () => {
    // One request per 250 ms on the client side against 100-ms nextTokens: the second page cannot be fetched in time.
    const { sim, client } = await setup({ pageSize: 2, nextTokenTtlMs: 100 }, { rateLimit: { perSecond: 4, burst: 1 } });
    sim.seed(6);
    const pages: SourceItem[][] = [];
    const err = await (async () => {
      for await (const page of client.pages()) pages.push(page);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmazonPaginationError);
    expect((err as Error).message).toMatch(/nextToken was rejected.*expire 30 s.*read the inventory again/);
    expect((err as AmazonPaginationError).upstreamCode).toBe('InvalidInput');
    expect(pages).toHaveLength(1);
    expect(sim.stats.summariesRequests).toBe(2);
  });

  it('keeps a slow consumer within the nextToken lifetime by reading pages ahead', async () => {
    const { sim, client } = await setup({ pageSize: 2, nextTokenTtlMs: 300 });
    sim.seed(6);
    let count = 0;
    for await (const page of client.pages()) {
      count += page.length;
      await sleep(450);
    }
    expect(count).toBe(6);
  });

  it('stops reading when the consumer breaks off early', async () => {
    const { sim, client } = await setup({ pageSize: 2 }, { rateLimit: { perSecond: 4, burst: 1 } });
    sim.seed(10);
    for await (const page of client.pages()) {
      expect(page).toHaveLength(2);
      break;
    }
    // The first page and the one being read ahead when the consumer stopped; not the other three.
    expect(sim.stats.summariesRequests).toBe(2);
  });

  it('looks up specific SKUs in calls of at most 50, skipping unknown ones', async () => {
    const { sim, client } = await setup();
    sim.seed(130);
    sim.setQuantity('BOX,RED', 4);
    const wanted = [...sim.skus().slice(0, 120), 'AMZ-999999', 'AMZ-000001', 'BOX,RED'];
    const items = await client.getItems(wanted);
    expect(items).toHaveLength(121);
    expect(new Set(items.map((i) => i.sku)).size).toBe(121);
    expect(items.find((i) => i.sku === 'BOX,RED')?.quantity).toBe(4);
    // 121 plain SKUs → 50 + 50 + 21, and one call for the SKU with a comma.
    expect(sim.stats.summariesRequests).toBe(4);
    expect(await client.getItems([])).toEqual([]);
    await expect(client.getItems([' '])).rejects.toThrow(/empty SKU/);
  });

  it('caches the access token across calls', async () => {
    const { sim, client } = await setup();
    sim.seed(3);
    await collect(client);
    await client.getItems(['AMZ-000001']);
    await collect(client);
    expect(sim.stats.tokenGrants).toBe(1);
  });

  it('renews the access token before it expires', async () => {
    const { sim, client } = await setup({ tokenTtlSeconds: 1 });
    sim.seed(3);
    await collect(client);
    await sleep(1000);
    await collect(client);
    expect(sim.stats.tokenGrants).toBe(2);
    expect(sim.stats.summariesRequests).toBe(2);
  });

  it('re-grants once when SP-API answers 403 for an expired token', async () => {
    const { sim, client } = await setup();
    sim.seed(3);
    await collect(client);
    sim.expireAccessTokens();
    const items = (await collect(client)).flat();
    expect(items).toHaveLength(3);
    expect(sim.stats.tokenGrants).toBe(2);
    expect(sim.stats.summariesRequests).toBe(3);
  });

  it('gives up with a clear error when a fresh token is refused as well', async () => {
    const { sim, client } = await setup();
    sim.faults.add({ path: SUMMARIES_PATH, response: spApiErrorResponse(403) });
    const err = await collect(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmazonApiError);
    expect((err as AmazonApiError).status).toBe(403);
    expect((err as Error).message).toMatch(/access denied .*again with a fresh LWA token.*Unauthorized/);
    expect(sim.stats.tokenGrants).toBe(2);
    expect(sim.stats.summariesRequests).toBe(2);
  });

  it('reports a wrong client secret as invalid_client without retrying', async () => {
    const { sim, client } = await setup({}, { clientSecret: 'wrong-secret-value' });
    const err = await collect(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmazonAuthError);
    expect((err as AmazonAuthError).upstreamCode).toBe('invalid_client');
    expect((err as Error).message).toMatch(/HTTP 401 invalid_client.*clientSecret/);
    expect((err as Error).message).not.toContain('wrong-secret-value');
    expect(sim.stats.tokenRequests).toBe(1);
    expect(sim.stats.summariesRequests).toBe(0);
  });

  it('reports a wrong refresh token as invalid_grant', async () => {
    const { client } = await setup({}, { refreshToken: 'Atzr|revoked' });
    const err = await client.getItems(['AMZ-000001']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmazonAuthError);
    expect((err as AmazonAuthError).upstreamCode).toBe('invalid_grant');
    expect((err as Error).message).toMatch(/authorise the app again/);
  });

  it('names missing credentials', async () => {
    const { sim, client } = await setup({}, { clientId: undefined, refreshToken: undefined });
    await expect(collect(client)).rejects.toThrow('LWA credentials missing in integrations.amazon: clientId, refreshToken');
    expect(sim.stats.tokenRequests).toBe(0);
  });

  it('recovers from the simulator’s 429s with backoff', async () => {
    const patient = { ...FAST, retries: 6, backoffMaxMs: 400 };
    const { sim, client } = await setup({ rateLimit: { perSecond: 10, burst: 2 } }, {}, patient);
    sim.seed(10);
    const results = await Promise.all(sim.skus().slice(0, 5).map((s) => client.getItems([s])));
    expect(results.map((r) => r[0]?.sku)).toEqual(sim.skus().slice(0, 5));
    expect(sim.stats.throttled).toBeGreaterThan(0);
  });

  it('honours Retry-After on a 429', async () => {
    const { sim, client, outcomes } = await setup();
    sim.seed(2);
    sim.faults.add({ path: SUMMARIES_PATH, times: 1, response: spApiErrorResponse(429, { 'retry-after': '1' }) });
    const started = Date.now();
    expect((await collect(client)).flat()).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(outcomes.find((o) => o.operation === 'getInventorySummaries')).toMatchObject({ ok: true, attempts: 2 });
  });

  it('retries a 500 and succeeds', async () => {
    const { sim, client, outcomes } = await setup();
    sim.seed(2);
    sim.faults.add({ path: SUMMARIES_PATH, times: 2, response: spApiErrorResponse(500) });
    expect((await collect(client)).flat()).toHaveLength(2);
    expect(sim.stats.summariesRequests).toBe(3);
    expect(outcomes.find((o) => o.operation === 'getInventorySummaries')).toMatchObject({ ok: true, status: 200, attempts: 3 });
  });

  it('fails with the SP-API error once retries of a 503 are exhausted', async () => {
    const { sim, client } = await setup();
    sim.faults.add({ path: SUMMARIES_PATH, response: spApiErrorResponse(503) });
    const err = await collect(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmazonApiError);
    expect((err as AmazonApiError).status).toBe(503);
    expect((err as Error).message).toMatch(/HTTP 503: ServiceUnavailable.*x-amzn-RequestId/);
    expect(sim.stats.summariesRequests).toBe(4);
  });

  it('does not retry a 400 and names the parameter SP-API rejected', async () => {
    const { sim, client, outcomes } = await setup({}, { marketplaceId: 'ATVPDKIKX0DER' });
    const err = await collect(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmazonApiError);
    expect(err).not.toBeInstanceOf(AmazonPaginationError);
    expect((err as AmazonApiError).upstreamCode).toBe('InvalidInput');
    expect((err as Error).message).toMatch(/HTTP 400: InvalidInput: Invalid marketplaceIds: ATVPDKIKX0DER/);
    expect(sim.stats.summariesRequests).toBe(1);
    expect(outcomes.find((o) => o.operation === 'getInventorySummaries')).toMatchObject({ ok: false, status: 400, attempts: 1 });
  });

  it('reports health with a fresh token grant and the client secret expiry', async () => {
    const expires = new Date(Date.now() + 10.5 * 86_400_000).toISOString();
    const { sim, client } = await setup({}, { clientSecretExpiresAt: expires });
    sim.seed(3);
    await collect(client);
    const health = await client.health();
    expect(health).toMatchObject({ name: 'amazon', ok: true, expiresInDays: 10 });
    expect(health.detail).toContain('FBA inventory summaries OK');
    expect(health.detail).toContain('expires in 10 day(s)');
    expect(sim.stats.tokenGrants).toBe(2);
  });

  it('reports unhealthy credentials without throwing', async () => {
    const { client } = await setup({}, { clientSecret: 'wrong' });
    const health = await client.health();
    expect(health).toMatchObject({ name: 'amazon', ok: false, expiresInDays: null });
    expect(health.detail).toContain('invalid_client');
  });

  it('rejects a clientSecretExpiresAt that is not a date', () => {
    expect(() => new AmazonClient({ config: configFor('http://127.0.0.1:1', { clientSecretExpiresAt: 'soon' }) })).toThrow(
      /clientSecretExpiresAt "soon" is not an ISO 8601 date/,
    );
  });
});
