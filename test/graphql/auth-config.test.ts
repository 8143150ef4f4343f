// The config's `gateway:` section (read from config.yaml with its ${ENV} placeholders) and JWT auth against an
// identity provider's JWKS, served here on 127.0.0.1 with a freshly generated RS256 key.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startGateway, type RunningGateway } from '../../gateway/index.js';
import { ConfigError } from '../../platform/config/index.js';
import { loadConfig } from '../../app/config.js';
import { gql, startHarness, within, withGatewayConfig, wsClient, type Harness } from './support.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'tsunagi-api';
const QUERY = '{ allocationRules { ruleSetId } }';

describe('the gateway section of the config', () => {
  const load = (env: Record<string, string>) => loadConfig('config/config.yaml', { PATH: process.env.PATH, ...env });

  test('defaults: port 4000 on loopback, introspection and GraphiQL by mode, in-process subgraphs, the documented limits', () => {
    expect(load({}).gateway).toEqual({
      port: 4000, host: '127.0.0.1', introspection: null, graphiql: null,
      jwt: { secret: undefined, jwksUrl: undefined, issuer: undefined, audience: undefined },
      limits: {
        maxDepth: 12, maxCost: 20_000, maxAliases: 100, maxListLength: 1000, maxTokens: 2000, maxBodyBytes: 32 * 1024 * 1024,
        requestsPerMinute: 3000, costPerMinute: 600_000, socketsPerClient: 20, socketsPerAddress: 200,
      },
      subgraphs: {
        urls: { inventory: undefined, catalog: undefined, orders: undefined, pricing: undefined, media: undefined, reporting: undefined },
        secret: undefined,
      },
    });
  });

  test('the environment fills it in', () => {
    const { gateway } = load({
      PORT: '8080', HOST: '0.0.0.0', TSUNAGI_GRAPHQL_INTROSPECTION: 'true', TSUNAGI_JWT_SECRET: 's'.repeat(40),
      TSUNAGI_JWKS_URL: 'https://idp.example.test/.well-known/jwks.json', TSUNAGI_JWT_ISSUER: ISSUER, TSUNAGI_JWT_AUDIENCE: AUDIENCE,
      TSUNAGI_SUBGRAPH_SECRET: 'k'.repeat(32), TSUNAGI_INVENTORY_URL: 'http://inventory:4001', TSUNAGI_REPORTING_URL: 'http://reporting:4006',
    });
    expect(gateway).toMatchObject({
      port: 8080, host: '0.0.0.0', introspection: true,
      jwt: { secret: 's'.repeat(40), jwksUrl: 'https://idp.example.test/.well-known/jwks.json', issuer: ISSUER, audience: AUDIENCE },
      subgraphs: { secret: 'k'.repeat(32), urls: { inventory: 'http://inventory:4001', reporting: 'http://reporting:4006', catalog: undefined } },
    });
  });

  test('bad values are refused naming the setting', () => {
    expect(() => load({ TSUNAGI_JWT_SECRET: 'short' })).toThrow(ConfigError);
    expect(() => load({ TSUNAGI_JWT_SECRET: 'short' })).toThrow(/gateway\.jwt\.secret: must be at least 32 characters/);
    expect(() => load({ TSUNAGI_SUBGRAPH_SECRET: 'short' })).toThrow(/gateway\.subgraphs\.secret: must be at least 32 characters/);
    expect(() => load({ TSUNAGI_JWKS_URL: 'not a url' })).toThrow(/gateway\.jwt\.jwksUrl: must be an http\(s\) URL/);
    expect(() => load({ TSUNAGI_CATALOG_URL: 'catalog:4002' })).toThrow(/gateway\.subgraphs\.urls\.catalog: must be an http\(s\) URL/);
    expect(() => load({ TSUNAGI_GRAPHQL_INTROSPECTION: 'yes' })).toThrow(/gateway\.introspection/);
    expect(() => load({ PORT: '70000' })).toThrow(/gateway\.port/);
  });

  test('an allowance smaller than the costliest query allowed is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsunagi-limits-'));
    try {
      for (const f of ['config.yaml', 'integrations.yaml', 'data-mappings.json']) {
        if (existsSync(join('config', f))) copyFileSync(join('config', f), join(dir, f));
      }
      writeFileSync(join(dir, 'config.yaml'), readFileSync(join(dir, 'config.yaml'), 'utf8').replace(/costPerMinute: \d+/, 'costPerMinute: 10'));
      expect(() => loadConfig(join(dir, 'config.yaml'), { PATH: process.env.PATH })).toThrow(/gateway\.limits\.costPerMinute: costPerMinute must be at least maxCost/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startGateway reads the config', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  test('distributed mode needs all six subgraph URLs and the secret', async () => {
    const { subgraphs } = h.app.ctx.config.gateway;
    const some = withGatewayConfig(h.app.ctx, { port: 0, subgraphs: { ...subgraphs, urls: { inventory: 'http://127.0.0.1:1', catalog: 'http://127.0.0.1:2' } } });
    await expect(startGateway(some)).rejects.toThrow('gateway.subgraphs.urls: distributed mode needs all six subgraph URLs; missing orders, pricing, media, reporting');
    const typo = withGatewayConfig(h.app.ctx, { port: 0, subgraphs: { ...subgraphs, urls: { inventroy: 'http://127.0.0.1:1' } } });
    await expect(startGateway(typo)).rejects.toThrow('gateway.subgraphs.urls: unknown subgraph inventroy');
    const urls = Object.fromEntries(['inventory', 'catalog', 'orders', 'pricing', 'media', 'reporting'].map((n, i) => [n, `http://127.0.0.1:${i + 1}`]));
    const noSecret = withGatewayConfig(h.app.ctx, { port: 0, subgraphs: { urls, secret: undefined } });
    await expect(startGateway(noSecret)).rejects.toThrow(/needs a subgraph secret/);
  });
});

describe('JWT auth with a JWKS URL', () => {
  let h: Harness;
  let jwks: Server;
  let jwksUrl: string;
  let jwksHits = 0;
  let idpKey: CryptoKey;
  let otherKey: CryptoKey;
  let gateway: RunningGateway;

  const idpToken = (claims: Record<string, unknown>, key: CryptoKey = idpKey, opts: { aud?: string; iss?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1' })
      .setSubject('alice@example.test')
      .setIssuer(opts.iss ?? ISSUER)
      .setAudience(opts.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  beforeAll(async () => {
    h = await startHarness();
    const pair = await generateKeyPair('RS256');
    idpKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' }] });
    jwks = createServer((req, res) => {
      jwksHits++;
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    // The identity provider only: no HS256 secret configured.
    const { jwt } = h.app.ctx.config.gateway;
    gateway = await startGateway(withGatewayConfig(h.app.ctx, { port: 0, jwt: { ...jwt, secret: undefined, jwksUrl, issuer: ISSUER, audience: AUDIENCE } }));
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => jwks?.close(resolve));
    await h?.close();
  });

  test("an identity provider's RS256 token is accepted over HTTP and on the WebSocket", async () => {
    const bearer = await idpToken({ role: 'operator' });
    const res = await gql(gateway.url, QUERY, {}, bearer);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { allocationRules: { ruleSetId: null } } });
    expect(jwksHits).toBe(1);

    const client = wsClient(gateway.wsUrl, bearer);
    try {
      const result = await within(client.iterate({ query: QUERY }).next(), 5000, 'the WebSocket answer');
      expect(result.value).toEqual({ data: { allocationRules: { ruleSetId: null } } });
    } finally {
      await client.dispose();
    }
    // The key set is cached, not fetched per request.
    expect(jwksHits).toBe(1);
  });

  test('a role still applies: a partner token may read but not change anything', async () => {
    const res = await gql(gateway.url, 'mutation { runStockSync(dryRun: true) { runId } }', {}, await idpToken({ role: 'partner' }));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await h.app.ctx.inventory.history.listRuns()).toEqual([]);
  });

  test('other keys, audiences, issuers, missing roles and HS256 tokens are refused with 401', async () => {
    const { issueToken } = await import('../../platform/auth/tokens.js');
    const refused = [
      await idpToken({ role: 'operator' }, otherKey),
      await idpToken({ role: 'operator' }, idpKey, { aud: 'another-api' }),
      await idpToken({ role: 'operator' }, idpKey, { iss: 'https://evil.example.test/' }),
      await idpToken({}),
      await idpToken({ role: 'superuser' }),
      await issueToken(new TextEncoder().encode('x'.repeat(40)), { name: 'mallory', role: 'admin' }),
    ];
    for (const bearer of refused) {
      const res = await gql(gateway.url, QUERY, {}, bearer);
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // With a JWKS and no configured secret no HS256 key is made up in the data directory.
    expect(existsSync(join(h.app.ctx.config.dataDir, 'jwt-secret'))).toBe(false);
  });

  test('an unreachable JWKS is 503 AUTH_UNAVAILABLE (HTTP) and close 1011 (WebSocket), not a 401', async () => {
    const { jwt } = h.app.ctx.config.gateway;
    const down = await startGateway(withGatewayConfig(h.app.ctx, {
      port: 0, jwt: { ...jwt, secret: undefined, jwksUrl: 'http://127.0.0.1:9/jwks.json', issuer: ISSUER, audience: AUDIENCE },
    }));
    try {
      const bearer = await idpToken({ role: 'operator' });
      const res = await gql(down.url, QUERY, {}, bearer);
      expect(res.status).toBe(503);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('AUTH_UNAVAILABLE');

      const client = wsClient(down.wsUrl, bearer);
      const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
      await client.iterate({ query: QUERY }).next().catch(() => undefined);
      expect(await within(closed, 5000, 'the socket to close')).toBe(1011);
      await client.dispose();
    } finally {
      await down.close();
    }
  });
});
