// Contract test: YahooClient and the YConnect flow against YahooSimulator over real HTTP on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialStore, StoredCredential } from '../../platform/auth/credentials.js';
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { YahooApiError, YahooAuthError, YahooClient } from './client.js';
import { authorizeUrl, DAY_MS, exchangeCode, runAuthorizationFlow, YAHOO_REFRESH_TOKEN_CREDENTIAL, type YahooConfig } from './oauth.js';
import { YAHOO_SANDBOX_CREDENTIALS, YAHOO_SIM_ERROR_CODES, YahooSimulator, yahooSandboxConfig } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 3000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 40 };

class MemoryCredentials implements CredentialStore {
  readonly values = new Map<string, StoredCredential>();
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async put(name: string, value: string, expiresAt: Date | null = null) {
    this.values.set(name, { value, expiresAt, updatedAt: new Date() });
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface Harness {
  sim: YahooSimulator;
  config: YahooConfig;
  credentials: MemoryCredentials;
  outcomes: CallOutcome[];
  client: YahooClient;
}

const open: { close(): Promise<void> }[] = [];

async function harness(simOpts: ConstructorParameters<typeof YahooSimulator>[0] = { rateLimit: false }, overrides: Partial<YahooConfig> = {}, store = true): Promise<Harness> {
  const sim = new YahooSimulator(simOpts);
  const url = await sim.listen();
  open.push(sim);
  const config = yahooSandboxConfig(url, { rateLimit: { perSecond: 1000, burst: 1000 }, ...overrides });
  const credentials = new MemoryCredentials();
  if (store) await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, sim.issueRefreshToken(), new Date(Date.now() + 28 * DAY_MS));
  const outcomes: CallOutcome[] = [];
  const client = new YahooClient({ config, credentials, policy, onOutcome: (o) => outcomes.push(o) });
  open.push(client);
  return { sim, config, credentials, outcomes, client };
}

const ops = (outcomes: CallOutcome[], operation: string) => outcomes.filter((o) => o.operation === operation);

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

describe('YahooClient stock calls', () => {
  test('setStock then getStock round-trips absolute quantities, with item:subcode and unknown codes', async () => {
    const { sim, client } = await harness();
    sim.seed(['YH0-01234', 'YH0-01235'], 3);
    sim.addItem('YH0-01236:red-s', 1);
    expect(client.channel).toBe('yahoo');
    expect(client.maxWriteBatch).toBe(1000);
    expect(client.maxReadBatch).toBe(1000);

    const results = await client.setStock([
      { code: 'YH0-01234', quantity: 10 },
      { code: 'YH0-01236:red-s', quantity: 0 },
    ]);
    expect(results).toEqual([
      { code: 'YH0-01234', ok: true },
      { code: 'YH0-01236:red-s', ok: true },
    ]);
    expect(sim.getQuantity('YH0-01234')).toBe(10);
    expect(sim.getQuantity('YH0-01236:red-s')).toBe(0);

    const stock = await client.getStock(['YH0-01234', 'YH0-01235', 'YH0-01236:red-s', 'NOPE-1']);
    expect([...stock]).toEqual([
      ['YH0-01234', 10],
      ['YH0-01235', 3],
      ['YH0-01236:red-s', 0],
      ['NOPE-1', null],
    ]);
    expect(await client.setStock([])).toEqual([]);
  });

  test('items Yahoo refuses come back failed with their ErrorCode; the rest of the batch is applied', async () => {
    const { sim, client } = await harness();
    sim.seed(['A-1', 'A-2'], 5);
    const results = await client.setStock([
      { code: 'A-1', quantity: 7 },
      { code: 'UNKNOWN-9', quantity: 1 },
      { code: 'bad_code', quantity: 1 },
      { code: 'A-2', quantity: 0 },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(results[1]!.error).toMatch(new RegExp(`^${YAHOO_SIM_ERROR_CODES.itemNotFound}: `));
    expect(results[2]!.error).toMatch(new RegExp(`^${YAHOO_SIM_ERROR_CODES.invalidItemCode}: `));
    expect(sim.getQuantity('A-1')).toBe(7);
    expect(sim.getQuantity('A-2')).toBe(0);
    expect(sim.getQuantity('UNKNOWN-9')).toBeNull();
  });

  test('a requested code missing from the ResultSet is failed "not in response"', async () => {
    const { sim, client } = await harness();
    sim.faults.add({
      path: '/setStock',
      times: 1,
      response: {
        status: 200,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0"?><ResultSet totalResultsAvailable="1"><Result><ItemCode>A-1</ItemCode><SubCode></SubCode><Quantity>4</Quantity></Result></ResultSet>',
      },
    });
    const results = await client.setStock([
      { code: 'A-1', quantity: 4 },
      { code: 'A-2', quantity: 4 },
    ]);
    expect(results[0]).toEqual({ code: 'A-1', ok: true });
    expect(results[1]!.ok).toBe(false);
    expect(results[1]!.error).toMatch(/not in response/);
  });

  test('more than 1000 items are refused before anything is sent; bad quantities and codes too', async () => {
    const { client, outcomes } = await harness();
    const many = Array.from({ length: 1001 }, (_, i) => ({ code: `C-${i}`, quantity: 1 }));
    await expect(client.setStock(many)).rejects.toThrow(/1001 items given, the API accepts at most 1000/);
    await expect(client.getStock(many.map((u) => u.code))).rejects.toThrow(/at most 1000/);
    await expect(client.setStock([{ code: 'A-1', quantity: -1 }])).rejects.toThrow(/quantity for "A-1" must be an integer/);
    await expect(client.setStock([{ code: 'A-1', quantity: 1.5 }])).rejects.toThrow(/must be an integer/);
    await expect(client.setStock([{ code: 'A-1,A-2', quantity: 1 }])).rejects.toThrow(/comma/);
    await expect(client.setStock([{ code: 'A-1', quantity: 1 }, { code: 'A-1', quantity: 2 }])).rejects.toThrow(/twice/);
    expect(outcomes).toHaveLength(0);
  });

  test('exactly 1000 items go out in one call', async () => {
    const { sim, client, outcomes } = await harness();
    const codes = Array.from({ length: 1000 }, (_, i) => `B-${i}`);
    sim.seed(codes, 0);
    const results = await client.setStock(codes.map((code, i) => ({ code, quantity: i })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(ops(outcomes, 'setStock')).toHaveLength(1);
    const stock = await client.getStock(codes);
    expect(stock.get('B-999')).toBe(999);
  });

  test('an <Error> response becomes a YahooApiError naming code and message, and 4xx is not retried', async () => {
    const { client, outcomes } = await harness({ rateLimit: false }, { sellerId: 'other-store' });
    const err = (await client.setStock([{ code: 'A-1', quantity: 1 }]).catch((e: unknown) => e)) as YahooApiError;
    expect(err).toBeInstanceOf(YahooApiError);
    expect(err.status).toBe(403);
    expect(err.upstreamCode).toBe(YAHOO_SIM_ERROR_CODES.sellerMismatch);
    expect(err.message).toMatch(/yahoo setStock: HTTP 403: sim-seller-mismatch: seller_id "other-store" is not the store/);
    expect(ops(outcomes, 'setStock')[0]!.attempts).toBe(1);
  });

  test('an injected 400 is not retried; the next call goes through', async () => {
    const { sim, client, outcomes } = await harness();
    sim.seed(['A-1'], 1);
    sim.faults.add({
      path: '/getStock',
      times: 1,
      response: { status: 400, headers: { 'content-type': 'application/xml' }, body: '<Error><Message>item_code is invalid</Message><Code>ed-00001</Code></Error>' },
    });
    await expect(client.getStock(['A-1'])).rejects.toThrow('yahoo getStock: HTTP 400: ed-00001: item_code is invalid');
    expect(ops(outcomes, 'getStock')[0]!.attempts).toBe(1);
    expect((await client.getStock(['A-1'])).get('A-1')).toBe(1);
  });

  test('5xx is retried with backoff and then succeeds', async () => {
    const { sim, client, outcomes } = await harness();
    sim.seed(['A-1'], 1);
    sim.faults.add({ path: '/setStock', times: 2, response: { status: 503, body: '<Error><Message>maintenance</Message></Error>' } });
    expect(await client.setStock([{ code: 'A-1', quantity: 9 }])).toEqual([{ code: 'A-1', ok: true }]);
    const [call] = ops(outcomes, 'setStock');
    expect(call!.attempts).toBe(3);
    expect(call!.ok).toBe(true);
    expect(sim.getQuantity('A-1')).toBe(9);
  });

  test('5xx that persists fails with the Yahoo message after the configured retries', async () => {
    const { sim, client, outcomes } = await harness();
    sim.faults.add({ path: '/getStock', response: { status: 500, body: '<Error><Message>internal error</Message><Code>px-50000</Code></Error>' } });
    await expect(client.getStock(['A-1'])).rejects.toThrow('yahoo getStock: HTTP 500: px-50000: internal error');
    expect(ops(outcomes, 'getStock')[0]!.attempts).toBe(4);
  });

  test('429 from the simulator is honoured: the client waits Retry-After and succeeds', async () => {
    const { sim, client, outcomes } = await harness({ rateLimit: { perSecond: 1, burst: 1 } });
    sim.seed(['A-1'], 1);
    await client.getStock(['A-1']);
    const started = Date.now();
    expect((await client.getStock(['A-1'])).get('A-1')).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const second = ops(outcomes, 'getStock')[1]!;
    expect(second.attempts).toBe(2);
    expect(second.ok).toBe(true);
  });
});

describe('YahooClient tokens', () => {
  test('the access token is cached; after it expires the 401 invalid_token triggers one refresh and a retry', async () => {
    const { sim, client, outcomes } = await harness();
    sim.seed(['A-1'], 1);
    await client.setStock([{ code: 'A-1', quantity: 2 }]);
    await client.getStock(['A-1']);
    expect(ops(outcomes, 'token:refresh_token')).toHaveLength(1);

    sim.expireAccessTokens();
    expect(await client.setStock([{ code: 'A-1', quantity: 3 }])).toEqual([{ code: 'A-1', ok: true }]);
    expect(ops(outcomes, 'token:refresh_token')).toHaveLength(2);
    const sets = ops(outcomes, 'setStock');
    expect(sets.map((o) => o.status)).toEqual([200, 401, 200]);
    expect(sim.getQuantity('A-1')).toBe(3);
  });

  test('concurrent calls share one refresh', async () => {
    const { sim, client, outcomes } = await harness();
    sim.seed(['A-1', 'A-2'], 1);
    await Promise.all([client.getStock(['A-1']), client.getStock(['A-2']), client.setStock([{ code: 'A-1', quantity: 4 }])]);
    expect(ops(outcomes, 'token:refresh_token')).toHaveLength(1);
  });

  test('an unknown refresh token gives invalid_grant and tells the operator to run tsunagi yahoo-token', async () => {
    const { client, credentials, outcomes } = await harness();
    await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, 'rt.revoked', new Date(Date.now() + DAY_MS));
    const err = (await client.getStock(['A-1']).catch((e: unknown) => e)) as YahooAuthError;
    expect(err).toBeInstanceOf(YahooAuthError);
    expect(err.upstreamCode).toBe('invalid_grant');
    expect(err.message).toMatch(/rejected the refresh token.*invalid_grant.*Run `tsunagi yahoo-token`/);
    expect(ops(outcomes, 'token:refresh_token')[0]!.attempts).toBe(1);
    expect(ops(outcomes, 'getStock')).toHaveLength(0);
  });

  test('a refresh token past its lifetime is refused by the simulator with invalid_grant', async () => {
    const { client } = await harness({ rateLimit: false, refreshTokenTtlSeconds: 0 });
    await expect(client.setStock([{ code: 'A-1', quantity: 1 }])).rejects.toThrow(/refresh token has expired.*tsunagi yahoo-token/);
  });

  test('a wrong client secret is reported as invalid_client', async () => {
    const { client } = await harness({ rateLimit: false }, { clientSecret: 'wrong' });
    await expect(client.getStock(['A-1'])).rejects.toThrow(/rejected the client credentials \(invalid_client.*check yahoo.clientId and yahoo.clientSecret/);
  });

  test('no stored token: clear error; config.refreshToken is the fallback', async () => {
    const { client } = await harness({ rateLimit: false }, {}, false);
    await expect(client.getStock(['A-1'])).rejects.toThrow(/no refresh token stored.*tsunagi yahoo-token/);

    const sim = new YahooSimulator({ rateLimit: false });
    open.push(sim);
    const url = await sim.listen();
    sim.seed(['A-1'], 6);
    const fallback = new YahooClient({ config: yahooSandboxConfig(url, { refreshToken: sim.issueRefreshToken() }), credentials: new MemoryCredentials(), policy });
    open.push(fallback);
    expect((await fallback.getStock(['A-1'])).get('A-1')).toBe(6);
  });

  test('health reports the days left on the refresh token and fails when it is missing, expired or refused', async () => {
    const { sim, client, credentials } = await harness();
    const token = sim.issueRefreshToken();
    await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, token, new Date(Date.now() + 12 * DAY_MS - 3_600_000));
    expect(await client.health()).toMatchObject({ name: 'yahoo', ok: true, detail: 'refresh token expires in 12 days', expiresInDays: 12 });

    await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, token, new Date(Date.now() + 2 * DAY_MS - 3_600_000));
    expect(await client.health()).toMatchObject({ ok: true, expiresInDays: 2, detail: 'refresh token expires in 2 days: run `tsunagi yahoo-token` soon' });

    await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, token, new Date(Date.now() - 1000));
    const expired = await client.health();
    expect(expired).toMatchObject({ ok: false, expiresInDays: 0 });
    expect(expired.detail).toMatch(/^refresh token expired: run `tsunagi yahoo-token`/);
    expect(expired.expiresAt).toBeInstanceOf(Date);

    await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, 'rt.revoked', new Date(Date.now() + 5 * DAY_MS - 3_600_000));
    const refused = await client.health();
    expect(refused).toMatchObject({ ok: false, expiresInDays: 5 });
    expect(refused.detail).toMatch(/invalid_grant.*tsunagi yahoo-token/);

    credentials.values.clear();
    expect(await client.health()).toMatchObject({ ok: false, expiresInDays: null, detail: expect.stringMatching(/no refresh token/) });
  });
});

describe('YConnect authorization-code flow', () => {
  async function flowSetup() {
    const sim = new YahooSimulator({ rateLimit: false });
    open.push(sim);
    const url = await sim.listen();
    const port = await freePort();
    const config = yahooSandboxConfig(url, { redirectUri: `http://127.0.0.1:${port}/callback` });
    return { sim, config, credentials: new MemoryCredentials() };
  }

  test('the full flow over HTTP: wrong state refused, code exchanged, refresh token stored for 28 days, client works', async () => {
    const { sim, config, credentials } = await flowSetup();
    const pages: { status: number; text: string }[] = [];
    let browser: Promise<void> = Promise.resolve();
    const before = Date.now();
    const result = await runAuthorizationFlow({
      config,
      credentials,
      timeoutMs: 5000,
      onUrl: (url) => {
        const consent = new URL(url);
        expect(consent.origin + consent.pathname).toBe(config.authorizeUrl);
        expect(consent.searchParams.get('client_id')).toBe(YAHOO_SANDBOX_CREDENTIALS.clientId);
        expect(consent.searchParams.get('redirect_uri')).toBe(config.redirectUri);
        expect(consent.searchParams.get('scope')).toBe('openid profile');
        // A forged callback first (CSRF): refused, and the flow keeps waiting for the real one.
        browser = (async () => {
          const forged = await fetch(`${config.redirectUri}?code=attacker-code&state=forged`);
          pages.push({ status: forged.status, text: await forged.text() });
          const res = await fetch(url); // the simulator's consent stand-in redirects back to the callback
          pages.push({ status: res.status, text: await res.text() });
        })();
      },
    });
    await browser;
    expect(pages[0]!.status).toBe(400);
    expect(pages[0]!.text).toMatch(/state parameter does not match/);
    expect(pages[1]!.status).toBe(200);
    expect(pages[1]!.text).toMatch(/authorization complete/);

    const stored = await credentials.get(YAHOO_REFRESH_TOKEN_CREDENTIAL);
    expect(stored!.value).toMatch(/^rt\./);
    expect(stored!.expiresAt!.getTime()).toBe(result.expiresAt.getTime());
    expect(result.expiresAt.getTime() - before).toBeGreaterThanOrEqual(28 * DAY_MS);
    expect(result.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(28 * DAY_MS);

    // The callback server is gone once the flow is over.
    await expect(fetch(`${config.redirectUri}?code=x&state=y`)).rejects.toThrow();

    sim.seed(['A-1'], 2);
    const client = new YahooClient({ config, credentials, policy });
    open.push(client);
    expect(await client.setStock([{ code: 'A-1', quantity: 8 }])).toEqual([{ code: 'A-1', ok: true }]);
    expect((await client.health()).expiresInDays).toBe(28);
  });

  test('a refusal on the consent page ends the flow with the OAuth error', async () => {
    const { config, credentials } = await flowSetup();
    const flow = runAuthorizationFlow({
      config,
      credentials,
      timeoutMs: 5000,
      onUrl: (url) => {
        const state = new URL(url).searchParams.get('state');
        void fetch(`${config.redirectUri}?error=access_denied&error_description=user+cancelled&state=${state}`);
      },
    });
    await expect(flow).rejects.toThrow('yahoo: authorization was not granted (access_denied: user cancelled)');
    expect(credentials.values.size).toBe(0);
  });

  test('no redirect within timeoutMs: the flow fails and frees the port', async () => {
    const { config, credentials } = await flowSetup();
    await expect(runAuthorizationFlow({ config, credentials, timeoutMs: 150, onUrl: () => undefined })).rejects.toThrow(/no authorization reached .* within 0 s/);
    await expect(fetch(config.redirectUri)).rejects.toThrow();
  });

  test('exchangeCode: a code works once, then invalid_grant; the redirect_uri must match', async () => {
    const { config } = await flowSetup();
    const consent = async () => {
      const res = await fetch(authorizeUrl(config, 'st-1'), { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.searchParams.get('state')).toBe('st-1');
      return location.searchParams.get('code')!;
    };
    const code = await consent();
    const tokens = await exchangeCode(config, code);
    expect(tokens).toMatchObject({ expiresIn: 3600 });
    expect(tokens.accessToken).toMatch(/^at\./);
    expect(tokens.refreshToken).toMatch(/^rt\./);
    await expect(exchangeCode(config, code)).rejects.toThrow(/rejected the authorization code.*invalid_grant/);

    const other = await consent();
    await expect(exchangeCode({ ...config, redirectUri: 'http://127.0.0.1:1/elsewhere' }, other)).rejects.toThrow(/redirect_uri does not match/);
  });
});

describe('YahooSimulator protocol rules', () => {
  async function rawSetup() {
    const sim = new YahooSimulator({ rateLimit: false, accessTokenTtlSeconds: 3600 });
    open.push(sim);
    const url = await sim.listen();
    const basic = `Basic ${Buffer.from(`${YAHOO_SANDBOX_CREDENTIALS.clientId}:${YAHOO_SANDBOX_CREDENTIALS.clientSecret}`).toString('base64')}`;
    const tokenRes = await fetch(`${url}/yconnect/v2/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: sim.issueRefreshToken() }),
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const post = (op: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${url}/ShoppingWebService/V1/${op}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      });
    return { sim, url, post, basic };
  }
  const seller = YAHOO_SANDBOX_CREDENTIALS.sellerId;

  test('quantity syntax: bare number sets, +n / -n adjust, below 0 refused per item, INI refused, junk rejected', async () => {
    const { sim, post } = await rawSetup();
    sim.seed(['A-1', 'A-2', 'A-3', 'A-4'], 5);
    const res = await post('setStock', { seller_id: seller, item_code: 'A-1,A-2,A-3,A-4', quantity: '+3,-2,-6,INI' });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<ItemCode>A-1</ItemCode><SubCode></SubCode><Quantity>8</Quantity>');
    expect(body).toContain('<ItemCode>A-2</ItemCode><SubCode></SubCode><Quantity>3</Quantity>');
    expect(body).toContain(`<ItemCode>A-3</ItemCode><SubCode></SubCode><ErrorCode>${YAHOO_SIM_ERROR_CODES.belowZero}</ErrorCode>`);
    expect(body).toContain('<ErrorCode>st-02104</ErrorCode>');
    expect([sim.getQuantity('A-1'), sim.getQuantity('A-2'), sim.getQuantity('A-3'), sim.getQuantity('A-4')]).toEqual([8, 3, 5, 5]);

    const junk = await post('setStock', { seller_id: seller, item_code: 'A-1', quantity: 'ten' });
    expect(junk.status).toBe(400);
    expect(await junk.text()).toMatch(/<Error><Message>quantity value 1 \("ten"\) is not a number.*<Code>sim-invalid-parameter<\/Code><\/Error>/);
  });

  test('count mismatch, more than 1000 codes, wrong encoding, missing or wrong seller_id are request errors', async () => {
    const { sim, post } = await rawSetup();
    sim.seed(['A-1', 'A-2'], 5);
    const mismatch = await post('setStock', { seller_id: seller, item_code: 'A-1,A-2', quantity: '1' });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toMatch(/item_code has 2 codes but quantity has 1 values/);

    const codes = Array.from({ length: 1001 }, (_, i) => `A-${i}`).join(',');
    const tooMany = await post('getStock', { seller_id: seller, item_code: codes });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toMatch(/1001 codes; at most 1000/);

    const json = await post('getStock', { seller_id: seller, item_code: 'A-1' }, { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(await json.text()).toMatch(/x-www-form-urlencoded/);

    expect((await post('getStock', { item_code: 'A-1' })).status).toBe(400);
    expect((await post('getStock', { seller_id: 'someone-else', item_code: 'A-1' })).status).toBe(403);
    expect(sim.getQuantity('A-1')).toBe(5);
  });

  test('Bearer auth: missing, unknown and expired tokens get 401 with the WWW-Authenticate shape', async () => {
    const { sim, post } = await rawSetup();
    const none = await post('getStock', { seller_id: seller, item_code: 'A-1' }, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="yahooapis.jp"');
    const unknown = await post('getStock', { seller_id: seller, item_code: 'A-1' }, { authorization: 'Bearer at.nope' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="yahooapis.jp", error="invalid_token", error_description="invalid token"');
    sim.expireAccessTokens();
    const expired = await post('getStock', { seller_id: seller, item_code: 'A-1' });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="yahooapis.jp", error="invalid_token", error_description="expired token"');
  });

  test('token endpoint: Basic auth required, unknown grants refused', async () => {
    const { url, basic } = await rawSetup();
    const token = (headers: Record<string, string>, form: Record<string, string>) =>
      fetch(`${url}/yconnect/v2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
    const noAuth = await token({}, { grant_type: 'refresh_token', refresh_token: 'x' });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: 'invalid_client' });
    const badGrant = await token({ authorization: basic }, { grant_type: 'password' });
    expect(badGrant.status).toBe(400);
    expect(await badGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  test('state survives a restart through the state file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yahoo-sim-'));
    try {
      const file = join(dir, 'yahoo.json');
      const first = new YahooSimulator({ stateFile: file, rateLimit: false });
      first.seed(['P-1', 'P-2'], 4);
      first.setQuantity('P-2', 9);
      const refresh = first.issueRefreshToken();
      await first.close();

      const second = new YahooSimulator({ stateFile: file, rateLimit: false });
      open.push(second);
      expect(second.size).toBe(2);
      expect(second.getQuantity('P-2')).toBe(9);
      const url = await second.listen();
      const client = new YahooClient({ config: yahooSandboxConfig(url, { refreshToken: refresh }), credentials: new MemoryCredentials(), policy });
      open.push(client);
      expect((await client.getStock(['P-1'])).get('P-1')).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
