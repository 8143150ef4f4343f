// The encrypted credential store: secrets at rest in PostgreSQL under AES-256-GCM. The key comes from
// config (TSUNAGI_SECRET_KEY) or, in sandbox and single-machine set-ups, from a key file created in the data
// directory with owner-only permissions.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../db/index.js';
import type { CredentialStore, StoredCredential } from './credentials.js';
import { Credential } from './entities/credential.js';

export type { CredentialStore, StoredCredential } from './credentials.js';

/** A 32-byte key from a passphrase, or from the data directory's key file (created on first use). */
export function resolveSecretKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) {
    if (configured.length < 32) throw new Error('secrets.key (TSUNAGI_SECRET_KEY) must be at least 32 characters');
    return createHash('sha256').update(configured).digest();
  }
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}

export function decrypt(key: Buffer, sealed: string): string {
  const [version, iv, tag, data] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('credential has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('credential cannot be decrypted: the secret key differs from the one it was stored with');
  }
}

export class DatabaseCredentialStore implements CredentialStore {
  constructor(
    private readonly db: Database,
    private readonly key: Buffer,
  ) {}

  async get(name: string): Promise<StoredCredential | null> {
    const row = await this.db.em().findOne(Credential, { name });
    if (!row) return null;
    return { value: decrypt(this.key, row.ciphertext), expiresAt: row.expiresAt ?? null, updatedAt: row.updatedAt };
  }

  async put(name: string, value: string, expiresAt: Date | null = null): Promise<void> {
    const em = this.db.em();
    await em.upsert(Credential, { name, ciphertext: encrypt(this.key, value), expiresAt, updatedAt: new Date() });
  }
}
