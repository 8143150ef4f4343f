// Standard Webhooks (standard-webhooks.com, spec v1.0.0): the signature scheme of the webhooks the OMS sends and of
// any we send. Signed content is `${id}.${timestamp}.${rawBody}`; `v1,` + base64(HMAC-SHA256) with the secret's
// decoded bytes as the key; the signature header may list several (key rotation); timestamps more than five
// minutes from now, either way, are refused. Verification reads the raw bytes, never a re-serialised body.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** The reference library's WEBHOOK_TOLERANCE_IN_SECONDS. */
export const TOLERANCE_SECONDS = 5 * 60;

export type StandardWebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

/** The HMAC key of a `whsec_…` secret: base64 of its bytes (a secret without the prefix is taken as base64 too). */
export function secretKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  if (key.length < 16) throw new Error('a Standard Webhooks secret must be whsec_ + base64 of at least 16 random bytes');
  return key;
}

/** A new `whsec_` secret (24 random bytes, the reference library's size). */
export const newSecret = () => `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;

/** `v1,<base64>` for one message. */
export function sign(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of one delivery attempt (the id stays the same across retries, the timestamp does not). */
export function signedHeaders(secret: string, id: string, body: string | Buffer, now = Date.now()): StandardWebhookHeaders {
  const timestamp = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(secret, id, timestamp, body) };
}

export type Header = string | string[] | undefined;

/**
 * Why the delivery is not authentic, or null when it is: a missing header, a timestamp outside the window, or no
 * `v1` signature that matches (compared in constant time; unknown versions are ignored, as the spec says).
 */
export function verify(secret: string, headers: Record<string, Header>, body: Buffer, now = Date.now()): string | null {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = one('webhook-id');
  const ts = one('webhook-timestamp');
  const signatures = one('webhook-signature');
  if (!id || !ts || !signatures) return 'missing webhook-id, webhook-timestamp or webhook-signature';
  if (!/^\d{1,12}$/.test(ts)) return 'webhook-timestamp is not unix seconds';
  if (Math.abs(now / 1000 - Number(ts)) > TOLERANCE_SECONDS) return 'webhook-timestamp is outside the 5-minute window';
  const expected = Buffer.from(sign(secret, id, Number(ts), body).slice(3), 'base64');
  for (const entry of signatures.split(' ')) {
    const [version, mac] = entry.split(',', 2);
    if (version !== 'v1' || !mac) continue;
    const given = Buffer.from(mac, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return 'no webhook-signature matches';
}
