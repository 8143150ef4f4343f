import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSandbox } from '../../connectors/sandbox/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { openEmbeddedDatabase } from '../db/embedded.js';
import { DatabaseCredentialStore, decrypt, encrypt, resolveSecretKey } from './credential-store.js';

const PASSPHRASE = 'correct horse battery staple, and then some more';

/** A ciphertext exactly as the store wrote it before v2: AES-256-GCM under one SHA-256 of the secret, no AAD. */
function sealV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('credential store', () => {
  let t: TestDatabase;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'tsunagi-cred-'));
    dirs.push(d);
    return d;
  };
  const sql = (text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute(text, params);
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  afterEach(() => sql('delete from credential'));

  it('stores secrets encrypted and reads them back', async () => {
    const store = new DatabaseCredentialStore(t.db, resolveSecretKey(PASSPHRASE, tempDir()));
    const expires = new Date('2026-12-19T00:00:00Z');
    await store.put('yahoo.refreshToken', 'rt-secret-value', expires);
    const raw = await sql(`select ciphertext from credential where name = 'yahoo.refreshToken'`);
    expect(raw[0].ciphertext).toMatch(/^v2:/);
    expect(raw[0].ciphertext).not.toContain('rt-secret-value');
    const got = await store.get('yahoo.refreshToken');
    expect(got?.value).toBe('rt-secret-value');
    expect(got?.expiresAt?.toISOString()).toBe(expires.toISOString());
    expect(await store.get('missing')).toBeNull();
  });

  it('derives each key with a KDF and a fresh salt: one SHA-256 of the passphrase no longer opens it', () => {
    const key = resolveSecretKey(PASSPHRASE, tempDir());
    const a = encrypt(key, 'x', 'same');
    const b = encrypt(key, 'x', 'same');
    expect(a.split(':')[1]).not.toBe(b.split(':')[1]);
    const sha = createHash('sha256').update(PASSPHRASE).digest();
    expect(key.derive(Buffer.from(a.split(':')[1]!, 'base64')).equals(sha)).toBe(false);
  });

  it('refuses to decrypt with another key', () => {
    const sealed = encrypt(resolveSecretKey(PASSPHRASE, tempDir()), 'x', 'x');
    expect(() => decrypt(resolveSecretKey(`${PASSPHRASE}!`, tempDir()), 'x', sealed)).toThrow(/secret key differs/);
    expect(() => decrypt(resolveSecretKey(undefined, tempDir()), 'x', sealed)).toThrow(/secret key differs/);
  });

  it('binds each ciphertext to its name: rows swapped in the table are refused', async () => {
    const store = new DatabaseCredentialStore(t.db, resolveSecretKey(PASSPHRASE, tempDir()));
    await store.put('a.token', 'value-of-a');
    await store.put('b.token', 'value-of-b');
    await sql(`update credential set ciphertext = case name when 'a.token' then (select ciphertext from credential where name = 'b.token')
               else (select ciphertext from credential where name = 'a.token') end`);
    await expect(store.get('a.token')).rejects.toThrow(/altered or moved/);
    await expect(store.get('b.token')).rejects.toThrow(/altered or moved/);
  });

  it('enforces a 16-byte authentication tag', () => {
    const key = resolveSecretKey(PASSPHRASE, tempDir());
    const parts = encrypt(key, 'x', 'secret').split(':');
    for (const bytes of [4, 8, 12, 15]) {
      const short = [...parts.slice(0, 3), Buffer.from(parts[3]!, 'base64').subarray(0, bytes).toString('base64'), parts[4]].join(':');
      expect(() => decrypt(key, 'x', short)).toThrow(/authentication tag of the wrong length/);
    }
    expect(() => decrypt(key, 'x', 'v9:a:b')).toThrow(/unknown format/);
  });

  it.each([
    ['a configured passphrase', PASSPHRASE, createHash('sha256').update(PASSPHRASE).digest()],
    ['the key file', undefined, undefined],
  ])('re-encrypts rows of the old v1 format at startup (%s)', async (_kind, passphrase, legacyKey) => {
    const dataDir = tempDir();
    const key = resolveSecretKey(passphrase, dataDir);
    const v1Key = legacyKey ?? key.legacy;
    await sql(`insert into credential (name, ciphertext, expires_at, updated_at) values (?, ?, null, now()), (?, ?, null, now())`, [
      'yahoo.refreshToken', sealV1(v1Key, 'old-refresh-token'), 'other', sealV1(v1Key, 'other-value'),
    ]);
    const store = new DatabaseCredentialStore(t.db, key);
    await expect(store.get('other')).rejects.toThrow(/old v1 format/);
    expect((await store.upgrade()).sort()).toEqual(['other', 'yahoo.refreshToken']);
    const rows = await sql(`select name, ciphertext from credential order by name`);
    expect(rows.every((r) => String(r.ciphertext).startsWith('v2:'))).toBe(true);
    expect((await store.get('yahoo.refreshToken'))?.value).toBe('old-refresh-token');
    expect((await store.get('other'))?.value).toBe('other-value');
    expect(await store.upgrade()).toEqual([]);
  });

  it('leaves a v1 row it cannot read (another key) untouched', async () => {
    await sql(`insert into credential (name, ciphertext, expires_at, updated_at) values ('x', ?, null, now())`, [sealV1(randomBytes(32), 'x')]);
    const store = new DatabaseCredentialStore(t.db, resolveSecretKey(PASSPHRASE, tempDir()));
    expect(await store.upgrade()).toEqual([]);
    expect((await sql(`select ciphertext from credential where name = 'x'`))[0].ciphertext).toMatch(/^v1:/);
  });

  it('keeps the data directory, the database files and the sandbox owner-only; the key file 0600', async () => {
    const fresh = join(tempDir(), 'data');
    resolveSecretKey(undefined, fresh);
    expect(mode(fresh)).toBe(0o700);
    expect(mode(join(fresh, 'secret.key'))).toBe(0o600);

    // A data directory an earlier version created 0755 is tightened.
    const old = join(tempDir(), 'data');
    mkdirSync(join(old, 'pglite'), { recursive: true });
    chmodSync(old, 0o755);
    chmodSync(join(old, 'pglite'), 0o755);
    const db = await openEmbeddedDatabase(old);
    const sandbox = await openSandbox({ dataDir: old });
    try {
      expect(mode(old)).toBe(0o700);
      expect(mode(join(old, 'pglite'))).toBe(0o700);
      expect(mode(join(old, 'sandbox'))).toBe(0o700);
    } finally {
      await sandbox.close();
      await db.close();
    }
  }, 60_000);
});
