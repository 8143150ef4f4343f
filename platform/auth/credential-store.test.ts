import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { DatabaseCredentialStore, decrypt, encrypt } from './credential-store.js';

describe('credential store', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('stores secrets encrypted and reads them back', async () => {
    const key = randomBytes(32);
    const store = new DatabaseCredentialStore(t.db, key);
    const expires = new Date('2026-12-19T00:00:00Z');
    await store.put('yahoo.refreshToken', 'rt-secret-value', expires);
    const raw = await t.db.orm.em.getConnection().execute(`select ciphertext from credential where name = 'yahoo.refreshToken'`);
    expect(raw[0].ciphertext).not.toContain('rt-secret-value');
    const got = await store.get('yahoo.refreshToken');
    expect(got?.value).toBe('rt-secret-value');
    expect(got?.expiresAt?.toISOString()).toBe(expires.toISOString());
    expect(await store.get('missing')).toBeNull();
  });

  it('refuses to decrypt with another key', () => {
    const sealed = encrypt(randomBytes(32), 'x');
    expect(() => decrypt(randomBytes(32), sealed)).toThrow(/secret key differs/);
  });
});
