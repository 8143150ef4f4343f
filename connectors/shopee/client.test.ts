// Contract test: the Shopee client (signing, envelope, tokens, authorisation, health) against ShopeeSimulator
// over real HTTP on 127.0.0.1; the cross-process refresh on the real PostgreSQL server.
import { createServer } from 'node:net';
import { DatabaseCredentialStore, resolveSecretKey } from '../../platform/auth/credential-store.js';
import { TokenManager } from '../../platform/auth/token-manager.js';
import { databaseLock } from '../../platform/db/lease.js';
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { authorizationUrl, authorizeShop } from './auth.js';
import { PATHS, shopCredential, ShopeeApiError, ShopeeClient, signature, signatureBase } from './client.js';
import type { ShopeeConfig } from './config.js';
import { ShopeeShops } from './shops.js';
import { MemoryCredentials } from './testing.js';
import { SHOPEE_SANDBOX_PARTNER, sandboxShopId, ShopeeSimulator, shopeeSandboxConfig, type ShopeeSimulatorOptions } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 40 };
const SG = sandboxShopId('SG');
const MY = sandboxShopId('MY');

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function simulator(opts: ShopeeSimulatorOptions = { rateLimit: false }, markets = ['SG', 'MY']): Promise<{ sim: ShopeeSimulator; url: string }> {
  const sim = new ShopeeSimulator(opts);
  const url = await sim.listen();
  open.push(sim);
  sim.ensureShops(markets.map((c) => ({ shopId: sandboxShopId(c), country: c })));
  return { sim, url };
}

interface Harness {
  sim: ShopeeSimulator;
  config: ShopeeConfig;
  credentials: MemoryCredentials;
  client: ShopeeClient;
  shops: ShopeeShops;
  outcomes: CallOutcome[];
}

/** A simulator with SG and MY, both authorised (refresh tokens stored), and a client for them. */
async function harness(simOpts?: ShopeeSimulatorOptions, overrides: Partial<ShopeeConfig> = {}, clientPolicy = policy): Promise<Harness> {
  const { sim, url } = await simulator(simOpts);
  const config = shopeeSandboxConfig(url, overrides, ['SG', 'MY']);
  const credentials = new MemoryCredentials();
  for (const shop of config.shops) {
    await credentials.put(shopCredential('shopee', config.partnerId, shop.shopId, 'refresh_token'), sim.issueTokens(shop.shopId!).refreshToken);
  }
  const outcomes: CallOutcome[] = [];
  const client = new ShopeeClient({ config, credentials, policy: clientPolicy, onOutcome: (o) => outcomes.push(o) });
  const shops = new ShopeeShops(client);
  open.push(shops);
  return { sim, config, credentials, client, shops, outcomes };
}

/** A signed call built by hand (what a client with its own clock or key would send). */
async function raw(url: string, path: string, opts: { timestamp?: number; key?: string; shop?: { accessToken: string; shopId: number }; body?: unknown } = {}) {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const q = new URLSearchParams({
    partner_id: String(SHOPEE_SANDBOX_PARTNER.partnerId), timestamp: String(timestamp),
    sign: signature(opts.key ?? SHOPEE_SANDBOX_PARTNER.partnerKey, signatureBase(SHOPEE_SANDBOX_PARTNER.partnerId, path, timestamp, opts.shop)),
    ...(opts.shop ? { access_token: opts.shop.accessToken, shop_id: String(opts.shop.shopId) } : {}),
  });
  const res = await fetch(`${url}${path}?${q}`, opts.body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(opts.body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('signing', () => {
  test('matches the contract vectors: shop calls over partner_id+path+timestamp+access_token+shop_id, public calls over partner_id+path+timestamp', () => {
    const key = 'test_partner_key_do_not_use';
    const shop = signatureBase(2001887, '/api/v2/product/update_stock', 1655714431, { accessToken: '59777174636562737266615546704c6d', shopId: 14701711 });
    expect(shop).toBe('2001887/api/v2/product/update_stock165571443159777174636562737266615546704c6d14701711');
    expect(signature(key, shop)).toBe('c3757275dd96af4b688d6f1e52c467947dab54b20fe805f5ea8d6296fe5db4f3');
    expect(signature(key, signatureBase(2001887, '/api/v2/auth/token/get', 1655714431))).toBe('4a6a330674a2765a19871ccc8cb466b9a9b873c0c85c8c190da2cd571ee81230');
  });

  test('a call signed with the wrong partner key is refused with error_sign, once (not retried), and changes nothing', async () => {
    const { sim, url } = await simulator();
    sim.seed('SG', ['SKU-1'], 5);
    const { accessToken } = sim.issueTokens(SG);
    const wrong = await raw(url, PATHS.shopInfo, { key: 'not-the-partner-key', shop: { accessToken, shopId: SG } });
    expect(wrong).toMatchObject({ status: 200, body: { error: 'error_sign', message: 'Wrong sign.' } });
    expect(typeof wrong.body.request_id).toBe('string');
    // The signature covers the shop: a token and signature for SG replayed against MY is refused.
    const forged = signature(SHOPEE_SANDBOX_PARTNER.partnerKey, signatureBase(SHOPEE_SANDBOX_PARTNER.partnerId, PATHS.shopInfo, Math.floor(Date.now() / 1000), { accessToken, shopId: SG }));
    const q = new URLSearchParams({ partner_id: String(SHOPEE_SANDBOX_PARTNER.partnerId), timestamp: String(Math.floor(Date.now() / 1000)), sign: forged, access_token: accessToken, shop_id: String(MY) });
    expect(((await (await fetch(`${url}${PATHS.shopInfo}?${q}`)).json()) as { error: string }).error).toBe('error_sign');

    const outcomes: CallOutcome[] = [];
    const client = new ShopeeClient({
      config: shopeeSandboxConfig(url, { partnerKey: 'not-the-partner-key' }, ['SG']), credentials: new MemoryCredentials(), policy, onOutcome: (o) => outcomes.push(o),
    });
    open.push(client);
    const err = await client.request({ path: PATHS.accessTokenGet, method: 'POST', body: { refresh_token: 'x', partner_id: SHOPEE_SANDBOX_PARTNER.partnerId, shop_id: SG } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShopeeApiError);
    expect(err).toMatchObject({ error: 'error_sign', retryable: false, code: 'UPSTREAM_FAILED' });
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: false, attempts: 1, status: 200 });
    expect(sim.getQuantity('SG', 'SKU-1')).toBe(5);
  });

  test('the timestamp must be within 5 minutes of the server clock, either way; the auth link too', async () => {
    const { sim, url } = await simulator();
    const { accessToken } = sim.issueTokens(SG);
    const t = Math.floor(Date.now() / 1000);
    const shop = { accessToken, shopId: SG };
    expect((await raw(url, PATHS.shopInfo, { timestamp: t - 240, shop })).body.error).toBe('');
    expect((await raw(url, PATHS.shopInfo, { timestamp: t - 360, shop })).body).toMatchObject({ error: 'error_param', message: 'Invalid timestamp' });
    expect((await raw(url, PATHS.shopInfo, { timestamp: t + 360, shop })).body).toMatchObject({ error: 'error_param', message: 'Invalid timestamp' });

    const client = new ShopeeClient({ config: shopeeSandboxConfig(url, {}, ['SG']), credentials: new MemoryCredentials(), policy });
    open.push(client);
    const stale = new URL(authorizationUrl(client, 'http://127.0.0.1:9/cb', t - 301));
    stale.searchParams.set('shop_id', String(SG));
    expect(await (await fetch(stale, { redirect: 'manual' })).json()).toMatchObject({ error: 'error_param', message: 'Invalid timestamp' });
    const fresh = new URL(authorizationUrl(client, 'http://127.0.0.1:9/cb'));
    fresh.searchParams.set('shop_id', String(SG));
    const res = await fetch(fresh, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:9/cb\\?code=[0-9a-f]+&shop_id=${SG}$`));
  });
});

describe('the envelope', () => {
  test('an error is judged by `error` whatever the HTTP status, carries code, message and request_id, and is not retried', async () => {
    const { sim, client, outcomes } = await harness();
    sim.faults.add({ path: PATHS.shopInfo, times: 1, response: { status: 200, body: { request_id: 'r-1', error: 'common.error_permission', message: 'No permission to current api.' } } });
    const err = (await client.shopInfo(client.shop('SG')).catch((e: unknown) => e)) as ShopeeApiError;
    expect(err).toBeInstanceOf(ShopeeApiError);
    expect(err.message).toBe('shopee get_shop_info (SG): common.error_permission: No permission to current api. (request_id r-1)');
    expect(err.baseCode).toBe('error_permission');
    expect(outcomes.filter((o) => o.operation === 'get_shop_info SG').at(-1)).toMatchObject({ ok: false, attempts: 1, status: 200 });

    // A success envelope under HTTP 403 would be odd, but an error one under 4xx is read the same way.
    sim.faults.add({ path: PATHS.shopInfo, times: 1, response: { status: 403, body: { request_id: 'r-2', error: 'error_auth', message: 'No permission to current api.' } } });
    await expect(client.shopInfo(client.shop('SG'))).rejects.toMatchObject({ error: 'error_auth', status: 403 });
  });

  test('busy, inner and server errors are retried with backoff; an HTTP 502 page too; then the call succeeds', async () => {
    const { sim, client, outcomes } = await harness();
    await client.shopInfo(client.shop('SG'));
    sim.faults.add({ path: PATHS.shopInfo, times: 1, response: { status: 200, body: { request_id: 'a', error: 'error_system_busy', message: 'Our system is taking some time to respond, please try later.' } } });
    sim.faults.add({ path: PATHS.shopInfo, times: 1, response: { status: 200, body: { request_id: 'b', error: 'product.error_inner', message: 'System error' } } });
    sim.faults.add({ path: PATHS.shopInfo, times: 1, response: { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' } });
    const info = await client.shopInfo(client.shop('SG'));
    expect(info.region).toBe('SG');
    expect(outcomes.at(-1)).toMatchObject({ operation: 'get_shop_info SG', ok: true, attempts: 4 });
  });

  test('a retryable error that does not clear fails after the retry budget with the last error', async () => {
    const { sim, client, outcomes } = await harness();
    await client.shopInfo(client.shop('SG'));
    sim.faults.add({ path: PATHS.shopInfo, response: { status: 200, body: { request_id: 'z', error: 'error_server', message: 'Something wrong. Please try later.' } } });
    await expect(client.shopInfo(client.shop('SG'))).rejects.toMatchObject({ error: 'error_server', retryable: true });
    expect(outcomes.at(-1)).toMatchObject({ ok: false, attempts: 4 });
  });

  test('the rate limit: calls past it get error_system_busy and are retried until they pass', async () => {
    // The client's own limit is set far above the simulator's, so the simulator's is what stops the burst.
    const backoff = { ...policy, retries: 8, backoffBaseMs: 50, backoffMaxMs: 400 };
    const { sim, shops, outcomes } = await harness({ rateLimit: { perSecond: 20, burst: 3 } }, { rateLimit: { perSecond: 1000, burst: 1000 } }, backoff);
    sim.seed('SG', Array.from({ length: 10 }, (_, i) => `SKU-${i}`), 0);
    const sg = shops.target('SG');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => sg.setStock([{ code: `SKU-${i}`, quantity: i + 1 }])));
    expect(results.flat().every((r) => r.ok)).toBe(true);
    expect(sim.counts.busy).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.operation === 'update_stock SG' && o.attempts > 1).length).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect(sim.getQuantity('SG', `SKU-${i}`)).toBe(i + 1);
  });
});

describe('tokens', () => {
  test('an expired access token is refreshed once for 50 concurrent callers; the new refresh token is stored before use', async () => {
    const { sim, client, shops, credentials } = await harness();
    sim.seed('SG', ['SKU-1'], 4);
    const sg = shops.target('SG');
    expect(await sg.getStock(['SKU-1'])).toEqual(new Map([['SKU-1', 4]]));
    const before = sim.counts.refreshes;
    const name = shopCredential('shopee', client.config.partnerId, SG, 'refresh_token');
    const storedBefore = (await credentials.get(name))!.value;
    sim.expireAccessTokens();
    const answers = await Promise.all(Array.from({ length: 50 }, () => sg.getStock(['SKU-1'])));
    expect(answers.every((a) => a.get('SKU-1') === 4)).toBe(true);
    expect(sim.counts.refreshes - before).toBe(1);
    const storedAfter = (await credentials.get(name))!;
    expect(storedAfter.value).not.toBe(storedBefore);
    expect(sim.knowsRefreshToken(storedAfter.value)).toBe(true);
    expect(sim.knowsRefreshToken(storedBefore)).toBe(false);
    expect(storedAfter.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29.9 * 86_400_000);
  });

  test('a used refresh token is refused (error_auth "Invalid refresh_token."), and the client says to authorise again', async () => {
    const { sim, url } = await simulator();
    const { refreshToken } = sim.issueTokens(SG);
    const body = { refresh_token: refreshToken, partner_id: SHOPEE_SANDBOX_PARTNER.partnerId, shop_id: SG };
    const first = await raw(url, PATHS.accessTokenGet, { body });
    expect(first.body).toMatchObject({ error: '', expire_in: 14400, shop_id: SG });
    expect(first.body.refresh_token).not.toBe(refreshToken);
    expect(await raw(url, PATHS.accessTokenGet, { body })).toMatchObject({ body: { error: 'error_auth', message: 'Invalid refresh_token.' } });
    expect(await raw(url, PATHS.accessTokenGet, { body: { ...body, refresh_token: first.body.refresh_token, shop_id: MY } })).toMatchObject({ body: { error: 'error_shop_refresh_token' } });

    const config = shopeeSandboxConfig(url, {}, ['SG']);
    const credentials = new MemoryCredentials();
    await credentials.put(shopCredential('shopee', config.partnerId, SG, 'refresh_token'), refreshToken);
    const client = new ShopeeClient({ config, credentials, policy });
    open.push(client);
    await expect(client.shopInfo(config.shops[0]!)).rejects.toThrow(
      /^shopee access_token\/get \(SG\): error_auth: Invalid refresh_token\. \(request_id [0-9a-f]+\)\. Run `tsunagi shopee authorize --country SG` to authorise the shop again$/,
    );
  });

  test('a refresh after the authorisation ended is refused with shop_access_expired', async () => {
    const { sim, client } = await harness();
    sim.setAuthorizationEnd('SG', Math.floor(Date.now() / 1000) - 1);
    await expect(client.tokens.refresh(client.schemeOf(client.shop('SG')))).rejects.toMatchObject({ error: 'shop_access_expired' });
  });

  test('two processes refreshing one shop at once both get a token, and the shop stays authorised (database lock)', async () => {
    const { sim, url } = await simulator();
    const t: TestDatabase = await createTestDatabase();
    try {
      const config = shopeeSandboxConfig(url, {}, ['SG']);
      const key = resolveSecretKey('a-test-secret-key-of-at-least-32-characters', '/nonexistent');
      const processes = [0, 1].map(() => {
        const credentials = new DatabaseCredentialStore(t.db, key);
        const tokens = new TokenManager({ credentials, lock: databaseLock(t.db, { leaseMs: 10_000, waitMs: 10_000, pollMs: 5 }) });
        const client = new ShopeeClient({ config, credentials, tokens, policy });
        open.push(client);
        return client;
      });
      const store = new DatabaseCredentialStore(t.db, key);
      await store.put(shopCredential('shopee', config.partnerId, SG, 'refresh_token'), sim.issueTokens(SG).refreshToken);
      const shop = config.shops[0]!;
      const tokens = await Promise.all(processes.map((c) => c.tokens.refresh(c.schemeOf(shop))));
      expect(tokens[0]).not.toBe(tokens[1]);
      expect(sim.counts.refreshes).toBe(2);
      for (const c of processes) expect((await c.shopInfo(shop)).region).toBe('SG');
      // A third process starting now finds a refresh token that works.
      const stored = await store.get(shopCredential('shopee', config.partnerId, SG, 'refresh_token'));
      expect(sim.knowsRefreshToken(stored!.value)).toBe(true);
    } finally {
      await t.drop();
    }
  }, 30_000);
});

describe('authorisation', () => {
  test('the auth link, the redirect to the local callback, the code exchanged once, tokens stored with the 365-day end', async () => {
    const port = await freePort();
    const { sim, url } = await simulator();
    const config = shopeeSandboxConfig(url, { redirectUrl: `http://127.0.0.1:${port}/shopee/callback` }, ['SG', 'MY']);
    const credentials = new MemoryCredentials();
    const client = new ShopeeClient({ config, credentials, policy });
    open.push(client);
    let link = '';
    const done = await authorizeShop({
      client, shop: client.shop('SG'), timeoutMs: 10_000,
      onUrl: (u) => {
        link = u;
        const consent = new URL(u);
        consent.searchParams.set('shop_id', String(SG)); // the seller logs in to the SG shop
        void fetch(consent).catch(() => {});
      },
    });
    expect(new URL(link).pathname).toBe(PATHS.authPartner);
    expect(new URL(link).searchParams.get('redirect')).toBe(config.redirectUrl);
    expect(done.shopId).toBe(SG);
    expect(done.expiresAt!.getTime() - Date.now()).toBeGreaterThan(364.9 * 86_400_000);
    const refresh = await credentials.get(shopCredential('shopee', config.partnerId, SG, 'refresh_token'));
    expect(sim.knowsRefreshToken(refresh!.value)).toBe(true);
    expect((await credentials.get(shopCredential('shopee', config.partnerId, SG, 'authorization')))!.expiresAt).toEqual(done.expiresAt);
    expect((await client.shopInfo(client.shop('SG'))).region).toBe('SG');
  });

  test('a code works once; a seller who logs in to another shop is refused and nothing is stored', async () => {
    const port = await freePort();
    const { sim: _sim, url } = await simulator();
    const config = shopeeSandboxConfig(url, { redirectUrl: `http://127.0.0.1:${port}/cb` }, ['SG', 'MY']);
    const credentials = new MemoryCredentials();
    const client = new ShopeeClient({ config, credentials, policy });
    open.push(client);
    const codeFor = async (shopId: number) => {
      const consent = new URL(authorizationUrl(client));
      consent.searchParams.set('shop_id', String(shopId));
      return new URL((await fetch(consent, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    };
    const code = await codeFor(SG);
    await authorizeShop({ client, shop: client.shop('SG'), code, onUrl: () => {} });
    await expect(authorizeShop({ client, shop: client.shop('SG'), code, onUrl: () => {} })).rejects.toMatchObject({ error: 'invalid_code' });

    const wrongShop = authorizeShop({
      client, shop: client.shop('SG'), timeoutMs: 10_000,
      onUrl: (u) => {
        const consent = new URL(u);
        consent.searchParams.set('shop_id', String(MY));
        void fetch(consent).catch(() => {});
      },
    });
    await expect(wrongShop).rejects.toThrow(`the seller authorised shop ${MY}, but config lists shop ${SG} for SG`);
    expect(await credentials.get(shopCredential('shopee', config.partnerId, MY, 'refresh_token'))).toBeNull();
  });
});

describe('health', () => {
  test('each shop with its authorisation days left; the soonest is the system figure', async () => {
    const { sim, client } = await harness();
    const in3Days = Math.floor(Date.now() / 1000) + 3 * 86_400 - 60;
    sim.setAuthorizationEnd('MY', in3Days);
    const h = await client.health();
    expect(h).toMatchObject({ name: 'shopee', ok: true, expiresInDays: 3 });
    expect(h.expiresAt).toEqual(new Date(in3Days * 1000));
    expect(h.parts).toEqual([
      expect.objectContaining({ name: 'shopee:SG', ok: true, expiresInDays: 365, detail: 'authorised (Tsunagi sandbox SG); authorisation ends in 365 days' }),
      expect.objectContaining({ name: 'shopee:MY', ok: true, expiresInDays: 3, detail: 'authorised (Tsunagi sandbox MY); authorisation ends in 3 days: run `tsunagi shopee authorize --country MY` soon' }),
    ]);
    expect(h.detail).toBe("2 shops authorised; the first authorisation to end is shopee:MY's");
  });

  test('a shop without a refresh token, or listed under the wrong market, fails with what to do', async () => {
    const { url, sim } = await simulator({ rateLimit: false }, ['SG', 'MY']);
    const config = shopeeSandboxConfig(url, {}, ['SG', 'MY']);
    config.shops[1] = { ...config.shops[1]!, shopId: sandboxShopId('SG'), country: 'MY' };
    config.shops[0] = { ...config.shops[0]!, shopId: sandboxShopId('MY'), country: 'SG' };
    const credentials = new MemoryCredentials();
    await credentials.put(shopCredential('shopee', config.partnerId, sandboxShopId('MY'), 'refresh_token'), sim.issueTokens('MY').refreshToken);
    const client = new ShopeeClient({ config, credentials, policy });
    open.push(client);
    const h = await client.health();
    expect(h.ok).toBe(false);
    expect(h.parts![0]).toMatchObject({ name: 'shopee:SG', ok: false, detail: `shop_id ${sandboxShopId('MY')} is a MY shop, but config lists it as SG` });
    expect(h.parts![1]).toMatchObject({ name: 'shopee:MY', ok: false, detail: 'not authorised: run `tsunagi shopee authorize --country MY`', expiresInDays: null });
  });
});
