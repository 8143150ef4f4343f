// The token manager against a real token endpoint over HTTP whose refresh tokens are single-use and rotate, with
// the credential store and the refresh lock on real databases: a PostgreSQL scratch database, and the embedded
// PGlite. (Each connector's contract test checks its own scheme through the manager.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../test/support/db.js';
import { RotatingOAuthServer } from '../../test/support/rotating-oauth-server.js';
import { openDatabase, type Database } from '../db/index.js';
import { SCHEMA } from '../../app/schema.js';
import { databaseLock } from '../db/lease.js';
import { DatabaseCredentialStore, resolveSecretKey } from './credential-store.js';
import type { CredentialStore } from './credentials.js';
import { TokenManager, type GrantedToken, type TokenScheme } from './token-manager.js';

const KEY = resolveSecretKey('a passphrase of at least thirty-two characters', '/nonexistent');
const CREDENTIAL = 'shop.refreshToken';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function rotatingServer(): Promise<{ server: RotatingOAuthServer; url: string }> {
  const server = new RotatingOAuthServer('rt-0');
  const url = await server.listen();
  cleanup.push(() => server.close());
  return { server, url };
}

/** The scheme a connector with single-use refresh tokens declares: its grant call, and where the token lives. */
function shopScheme(url: string): TokenScheme {
  return {
    name: 'shop',
    async grant(refreshToken): Promise<GrantedToken> {
      const res = await fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken ?? '' }) });
      const body = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number; refresh_token_expires_in: number; error?: string };
      if (res.status !== 200) throw new Error(`shop: token grant refused (${body.error})`);
      return { accessToken: body.access_token, expiresIn: body.expires_in, refreshToken: body.refresh_token, refreshTokenExpiresIn: body.refresh_token_expires_in };
    },
    refreshToken: { credential: CREDENTIAL, singleUse: true },
  };
}

function manager(db: Database, url: string, opts: { lock?: boolean; credentials?: CredentialStore } = {}): TokenManager {
  const tokens = new TokenManager({
    credentials: opts.credentials ?? new DatabaseCredentialStore(db, KEY),
    lock: opts.lock === false ? undefined : databaseLock(db, { leaseMs: 10_000, waitMs: 10_000, pollMs: 10 }),
  });
  tokens.register(shopScheme(url));
  return tokens;
}

/** Two independent processes' worth of database: separate pools on one scratch database. */
async function twoPools(): Promise<[Database, Database]> {
  const t = await createTestDatabase();
  const second = await openDatabase({ url: t.url, dataDir: '/nonexistent', migrate: false, poolMax: 2, schema: SCHEMA });
  cleanup.push(() => t.drop(), () => second.close());
  return [t.db, second];
}

async function twoEmbeddedPools(): Promise<[Database, Database]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-tokens-'));
  const first = await openDatabase({ dataDir: dir, schema: SCHEMA });
  const second = await openDatabase({ dataDir: dir, migrate: false, schema: SCHEMA });
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }), () => first.close(), () => second.close());
  return [first, second];
}

describe('token manager', () => {
  test('50 concurrent callers of a single-use scheme: one grant, one refresh token consumed, its successor stored', async () => {
    const [db] = await twoPools();
    const { server, url } = await rotatingServer();
    const store = new DatabaseCredentialStore(db, KEY);
    await store.put(CREDENTIAL, 'rt-0');
    const tokens = manager(db, url, { credentials: store });
    const got = await Promise.all(Array.from({ length: 50 }, () => tokens.accessToken('shop')));
    expect(server.grants).toBe(1);
    expect(new Set(got)).toEqual(new Set(['at-1']));
    expect((await store.get(CREDENTIAL))!.value).toBe(server.current);
    const expiry = await tokens.expiry('shop');
    expect(expiry.refreshToken!.present).toBe(true);
    // The successor's lifetime comes from the grant (30 days).
    expect(expiry.refreshToken!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  describe.each([
    ['PostgreSQL', twoPools],
    ['the embedded PGlite', twoEmbeddedPools],
  ])('two processes refreshing a single-use token at once (%s)', (_backend, open) => {
    test('every refresh token is consumed by exactly one grant and the shop is never lost', async () => {
      const [dbA, dbB] = await open();
      const { server, url } = await rotatingServer();
      await new DatabaseCredentialStore(dbA, KEY).put(CREDENTIAL, 'rt-0');
      const a = manager(dbA, url);
      const b = manager(dbB, url);
      for (let round = 0; round < 5; round++) {
        const [ta, tb] = await Promise.all([a.refresh('shop'), b.refresh('shop')]);
        expect(ta).not.toBe(tb);
      }
      expect(server.refused).toBe(0);
      expect(server.grants).toBe(10);
      expect(new Set(server.consumed).size).toBe(10);
      // What is stored is the one token the server accepts now: either process can still refresh.
      expect((await new DatabaseCredentialStore(dbB, KEY).get(CREDENTIAL))!.value).toBe(server.current);
      await a.refresh('shop');
      expect(server.refused).toBe(0);
      // Starting the embedded PGlite and migrating it takes most of this, and much longer on a loaded machine.
    }, 120_000);
  });

  test('without the cross-process lock the same two processes spend one refresh token twice (what the lock prevents)', async () => {
    const [dbA, dbB] = await twoPools();
    const { server, url } = await rotatingServer();
    await new DatabaseCredentialStore(dbA, KEY).put(CREDENTIAL, 'rt-0');
    const results = await Promise.allSettled([manager(dbA, url, { lock: false }).refresh('shop'), manager(dbB, url, { lock: false }).refresh('shop')]);
    expect(server.refused).toBe(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  test('a 401 mid-life seen by 10 callers at once triggers exactly one refresh', async () => {
    const [db] = await twoPools();
    const { server, url } = await rotatingServer();
    await new DatabaseCredentialStore(db, KEY).put(CREDENTIAL, 'rt-0');
    const tokens = manager(db, url);
    const call = async (): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        const token = await tokens.accessToken('shop');
        const res = await fetch(`${url}/resource`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 401 || attempt > 1) return res.status;
        tokens.invalidate('shop', token);
      }
    };
    expect(await call()).toBe(200);
    expect(server.grants).toBe(1);
    server.revoke('at-1');
    expect(await Promise.all(Array.from({ length: 10 }, call))).toEqual(Array(10).fill(200));
    expect(server.grants).toBe(2);
  });

  test('a new refresh token that cannot be stored is not used: the access token is withheld with a clear error', async () => {
    const [db] = await twoPools();
    const { server, url } = await rotatingServer();
    const store = new DatabaseCredentialStore(db, KEY);
    await store.put(CREDENTIAL, 'rt-0');
    const failing: CredentialStore = {
      get: (name) => store.get(name),
      put: async () => {
        throw new Error('disk full');
      },
    };
    const tokens = manager(db, url, { credentials: failing });
    await expect(tokens.accessToken('shop')).rejects.toThrow('shop: the new refresh token could not be stored (disk full); the access token is not used');
    expect(server.grants).toBe(1);
    expect((await tokens.expiry('shop')).accessTokenExpiresAt).toBeNull();
  });

  test('declaration errors and unknown names are refused clearly', () => {
    const tokens = new TokenManager();
    expect(() => tokens.register({ name: 'x', grant: async () => ({ accessToken: 'a', expiresIn: 1 }), refreshToken: { credential: 'x.rt' } })).toThrow(
      'token manager: x keeps its refresh token in the credential store, but none was given',
    );
    expect(() => tokens.register({ name: 'y', grant: async () => ({ accessToken: 'a', expiresIn: 1 }), refreshToken: { singleUse: true } })).toThrow(
      'token manager: y has single-use refresh tokens but names no credential to store their successors in',
    );
    expect(() => tokens.invalidate('nope', 't')).toThrow('token manager: no auth scheme registered for "nope"');
  });
});
