// The encrypted credential store: secrets at rest in PostgreSQL under AES-256-GCM. The root secret comes from
// config (TSUNAGI_SECRET_KEY, a passphrase stretched with scrypt) or, in sandbox and single-machine set-ups,
// from a random key file created in the data directory (expanded with HKDF). Each ciphertext has its own salt,
// and is bound to its credential's name as associated data, so that rows cannot be swapped.
//
// Format v2: "v2:<salt>:<iv>:<tag>:<ciphertext>" (base64; 16-byte salt, 12-byte IV, 16-byte tag).
// Format v1 (before): "v1:<iv>:<tag>:<ciphertext>" under one SHA-256 of the passphrase (or the key file's bytes),
// no associated data. `upgrade()` re-encrypts v1 rows at startup; v1 is never written or read otherwise.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { ensurePrivateDir } from '../private-dir.js';
import type { CredentialStore, StoredCredential } from './credentials.js';
import { Credential } from './entities/credential.js';

export type { CredentialStore, StoredCredential } from './credentials.js';

const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** scrypt cost: 16 MiB and about 50 ms per derivation; derived keys are cached per salt. */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const HKDF_INFO = 'tsunagi credential store v2';

export interface SecretKey {
  /** The AES-256 key for one ciphertext's salt. */
  derive(salt: Buffer): Buffer;
  /** The v1 key (read only by `upgrade`). */
  readonly legacy: Buffer;
}

function passphraseKey(passphrase: string): SecretKey {
  return {
    derive: (salt) => scryptSync(passphrase, salt, 32, SCRYPT),
    legacy: createHash('sha256').update(passphrase).digest(),
  };
}

function randomKey(bytes: Buffer): SecretKey {
  return { derive: (salt) => Buffer.from(hkdfSync('sha256', bytes, salt, HKDF_INFO, 32)), legacy: bytes };
}

/** The root secret: a passphrase from config, or the data directory's key file (created 0600 on first use). */
export function resolveSecretKey(configured: string | undefined, dataDir: string): SecretKey {
  if (configured) {
    if (configured.length < 32) throw new Error('secrets.key (TSUNAGI_SECRET_KEY) must be at least 32 characters');
    return passphraseKey(configured);
  }
  ensurePrivateDir(dataDir);
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  const bytes = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (bytes.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
  return randomKey(bytes);
}

const aad = (name: string) => Buffer.from(`tsunagi-credential:${name}`, 'utf8');

export function encrypt(key: SecretKey, name: string, plaintext: string, salt = randomBytes(SALT_BYTES)): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.derive(salt), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(name));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v2', salt, iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64'))).join(':');
}

export function decrypt(key: SecretKey, name: string, sealed: string): string {
  const parts = sealed.split(':');
  if (parts[0] === 'v1') throw new Error(`credential ${name} is stored in the old v1 format; it is re-encrypted at startup`);
  if (parts[0] !== 'v2' || parts.length !== 5) throw new Error(`credential ${name} has an unknown format`);
  const [salt, iv, tag, data] = parts.slice(1).map((p) => Buffer.from(p, 'base64'));
  if (salt!.length !== SALT_BYTES || iv!.length !== IV_BYTES || tag!.length !== TAG_BYTES) {
    throw new Error(`credential ${name} is malformed (salt, IV or authentication tag of the wrong length)`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key.derive(salt!), iv!, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(name));
  decipher.setAuthTag(tag!);
  try {
    return Buffer.concat([decipher.update(data!), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`credential ${name} cannot be decrypted: the secret key differs from the one it was stored with, or the row was altered or moved`);
  }
}

/** Reads a v1 ciphertext (upgrade only). */
function decryptV1(key: SecretKey, sealed: string): string {
  const [, iv, tag, data] = sealed.split(':');
  const tagBytes = Buffer.from(tag ?? '', 'base64');
  if (!iv || tagBytes.length !== TAG_BYTES || data === undefined) throw new Error('malformed v1 credential');
  const decipher = createDecipheriv('aes-256-gcm', key.legacy, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
}

/** Caches derived keys by salt: a row is read many times, and scrypt is deliberately slow. */
export function cached(key: SecretKey): SecretKey {
  const keys = new Map<string, Buffer>();
  return {
    legacy: key.legacy,
    derive(salt) {
      const id = salt.toString('base64');
      let k = keys.get(id);
      if (!k) keys.set(id, (k = key.derive(salt)));
      return k;
    },
  };
}

export class DatabaseCredentialStore implements CredentialStore {
  private readonly key: SecretKey;

  constructor(
    private readonly db: Database,
    key: SecretKey,
  ) {
    this.key = cached(key);
  }

  async get(name: string): Promise<StoredCredential | null> {
    const row = await this.db.em().findOne(Credential, { name });
    if (!row) return null;
    return { value: decrypt(this.key, name, row.ciphertext), expiresAt: row.expiresAt ?? null, updatedAt: row.updatedAt };
  }

  async put(name: string, value: string, expiresAt: Date | null = null): Promise<void> {
    const em = this.db.em();
    await em.upsert(Credential, { name, ciphertext: encrypt(this.key, name, value), expiresAt, updatedAt: new Date() });
  }

  /**
   * Re-encrypts rows still in the v1 format as v2 (run at every startup; a no-op once done). A row another
   * process rewrote meanwhile is left as that process wrote it. Returns the names re-encrypted.
   */
  async upgrade(logger?: Logger): Promise<string[]> {
    const em = this.db.em();
    const old = await em.find(Credential, { ciphertext: { $like: 'v1:%' } });
    const done: string[] = [];
    for (const row of old) {
      let plaintext: string;
      try {
        plaintext = decryptV1(this.key, row.ciphertext);
      } catch {
        logger?.warn({ credential: row.name }, 'v1 credential cannot be decrypted with the configured secret key; left as it is');
        continue;
      }
      const n = await em.nativeUpdate(Credential, { name: row.name, ciphertext: row.ciphertext }, { ciphertext: encrypt(this.key, row.name, plaintext) });
      if (n > 0) done.push(row.name);
    }
    if (done.length) logger?.info({ credentials: done }, 'credentials re-encrypted in the v2 format');
    return done;
  }
}

/**
 * The same sealing for data other than credentials (an order's buyer): v2 ciphertexts bound to a name, under the
 * store's root secret. One salt per sealer, so the key is derived once per process rather than once per row
 * (scrypt costs ~50 ms); every ciphertext still carries its salt and a random IV, and opens with decrypt().
 */
export class FieldSealer {
  private readonly key: SecretKey;
  private readonly salt = randomBytes(SALT_BYTES);

  constructor(key: SecretKey) {
    this.key = cached(key);
  }

  seal(name: string, plaintext: string): string {
    return encrypt(this.key, name, plaintext, this.salt);
  }

  open(name: string, sealed: string): string {
    return decrypt(this.key, name, sealed);
  }

  /**
   * A stable keyed pseudonym of `value`: hex HMAC-SHA256 under a key derived from the root secret for `purpose`.
   * The same value gives the same pseudonym wherever the same root secret is configured; without it, none can be
   * traced back or recomputed.
   */
  pseudonym(purpose: string, value: string): string {
    const salt = createHash('sha256').update(`tsunagi pseudonym:${purpose}`).digest().subarray(0, SALT_BYTES);
    return createHmac('sha256', this.key.derive(salt)).update(value, 'utf8').digest('hex');
  }
}
