import type { Config } from '../config/index.js';
// Bearer JWT auth (jose). The token's `sub` names the caller and `role` is one of the four roles. Two kinds of
// token are accepted: HS256 tokens Tsunagi issues itself (`tsunagi token`, keyed by a shared secret) and tokens
// of an identity provider, checked against the keys it publishes at a JWKS URL.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ROLES, type Actor, type Role } from './roles.js';
import { AppError } from '../errors.js';

const ISSUER = 'tsunagi';
const MIN_SECRET_LENGTH = 32;
/** Identity-provider tokens must be signed with a public-key algorithm: a JWKS never vouches for an HMAC. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export class AuthError extends AppError {
  readonly code = 'UNAUTHENTICATED';
  override readonly name = 'AuthError';
}

/** The identity provider's keys could not be fetched: the token may be fine, so this is not a 401. */
export class AuthUnavailableError extends AppError {
  readonly code = 'UPSTREAM_FAILED';
  override readonly name = 'AuthUnavailableError';
}

/**
 * The signing secret: TSUNAGI_JWT_SECRET, else (sandbox / first start) a random one kept in dataDir so that
 * dev tokens issued by the CLI keep working across restarts.
 */
export function resolveJwtSecret(env: NodeJS.ProcessEnv, dataDir: string): Uint8Array {
  const configured = env.TSUNAGI_JWT_SECRET?.trim();
  if (configured) {
    if (configured.length < MIN_SECRET_LENGTH) throw new AuthError(`TSUNAGI_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    return new TextEncoder().encode(configured);
  }
  const file = join(dataDir, 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

/**
 * The HS256 key Tsunagi signs its own tokens with: gateway.jwt.secret (TSUNAGI_JWT_SECRET), else the data
 * directory's key file — unless an identity provider's JWKS is configured, where Tsunagi issues no tokens.
 */
export function signingKey(config: Pick<Config, 'gateway' | 'dataDir'>): Uint8Array | undefined {
  const { secret, jwksUrl } = config.gateway.jwt;
  if (secret) return new TextEncoder().encode(secret);
  return jwksUrl ? undefined : resolveJwtSecret({}, config.dataDir);
}

/** Issues a token for `name` with `role` (the `tsunagi token` command and tests). */
export async function issueToken(secret: Uint8Array, actor: Actor, expiresIn = '12h'): Promise<string> {
  if (!ROLES.includes(actor.role)) throw new AuthError(`unknown role ${actor.role}; roles are ${ROLES.join(', ')}`);
  return new SignJWT({ role: actor.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(actor.name)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(secret);
}

/** What a token is checked against: the HS256 secret, an identity provider's key set, or both. */
export interface JwtVerifier {
  secret?: Uint8Array;
  jwks?: JWTVerifyGetKey;
  /** Required `iss` of identity-provider tokens. */
  issuer?: string;
  /** Required `aud` of identity-provider tokens. */
  audience?: string;
}

/**
 * The verifier of the API's tokens, for the gateway and the CLI alike: the configured identity provider's keys and
 * Tsunagi's own HS256 key. With an identity provider and no configured secret, no key file is made up: only the
 * provider's tokens are accepted. `override` replaces the configured secret or JWKS URL (tests, the gateway's options).
 */
export function apiTokenVerifier(config: Pick<Config, 'gateway' | 'dataDir'>, override: { secret?: Uint8Array; jwksUrl?: string } = {}): JwtVerifier {
  const { jwt } = config.gateway;
  const jwksUrl = override.jwksUrl ?? jwt.jwksUrl;
  const secret = override.secret ?? (override.jwksUrl && !jwt.secret ? undefined : signingKey(config));
  return createJwtVerifier({ secret, jwksUrl, issuer: jwt.issuer, audience: jwt.audience });
}

/** A verifier; the JWKS is fetched on first use and cached, refetched when a token names an unknown key. */
export function createJwtVerifier(opts: { secret?: Uint8Array; jwksUrl?: string; issuer?: string; audience?: string }): JwtVerifier {
  if (!opts.secret && !opts.jwksUrl) throw new AuthError('JWT auth needs a secret or a JWKS URL');
  return {
    secret: opts.secret,
    jwks: opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined,
    issuer: opts.issuer,
    audience: opts.audience,
  };
}

async function verify(token: string, verifier: JwtVerifier): Promise<JWTPayload> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new AuthError('invalid token: not a JWT');
  }
  if (alg === 'HS256') {
    if (!verifier.secret) throw new AuthError('invalid token: HS256 tokens are not accepted here');
    return jwtVerify(token, verifier.secret, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp'] }).then(
      (r) => r.payload,
      (err: Error) => Promise.reject(new AuthError(`invalid token: ${err.message}`)),
    );
  }
  if (!verifier.jwks) throw new AuthError(`invalid token: ${alg ?? 'no'} algorithm; only Tsunagi's HS256 tokens are accepted here`);
  try {
    return (await jwtVerify(token, verifier.jwks, {
      issuer: verifier.issuer, audience: verifier.audience, algorithms: JWKS_ALGORITHMS, requiredClaims: ['exp'],
    })).payload;
  } catch (err) {
    // Fetch failures: network errors, a timeout, a non-200 answer or an unreadable key set (jose's generic error).
    const unreachable = !(err instanceof errors.JOSEError) || err.code === 'ERR_JOSE_GENERIC';
    if (unreachable || err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
      throw new AuthUnavailableError(`cannot fetch the identity provider's keys: ${(err as Error).message}`);
    }
    throw new AuthError(`invalid token: ${err.message}`);
  }
}

/**
 * The caller named by an `Authorization: Bearer` value and when its token expires (ms since the epoch; every
 * token must say: one without `exp` is refused). Throws AuthError when absent or invalid, and
 * AuthUnavailableError when the identity provider's keys cannot be fetched.
 */
export async function verifyBearer(key: Uint8Array | JwtVerifier, authorization: string | undefined | null): Promise<{ actor: Actor; expiresAt: number }> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  if (!match) throw new AuthError('missing bearer token');
  const token = match[1]!;
  let known = verified.get(key);
  if (!known) verified.set(key, (known = new Map()));
  const hit = known.get(token);
  if (hit && Date.now() < hit.expiresAt) return hit;
  if (hit) known.delete(token);
  const payload = await verify(token, key instanceof Uint8Array ? { secret: key } : key);
  const role = payload.role as Role;
  if (!payload.sub || !ROLES.includes(role)) throw new AuthError('token lacks a subject or a known role');
  const checked = { actor: { name: payload.sub, role }, expiresAt: payload.exp! * 1000 };
  if (known.size >= VERIFIED_MAX) known.delete(known.keys().next().value!);
  known.set(token, checked);
  return checked;
}

/** The caller named by an `Authorization: Bearer` value (see verifyBearer). */
export async function authenticate(key: Uint8Array | JwtVerifier, authorization: string | undefined | null): Promise<Actor> {
  return (await verifyBearer(key, authorization)).actor;
}

/**
 * Tokens already verified, per key: an HS256 check through WebCrypto costs more CPU than the rest of a small
 * query (profiled under the gateway benchmark), and a signed token cannot change, so its check holds until it
 * expires. Failures are never remembered. Bounded; the oldest entry goes first.
 */
const verified = new WeakMap<Uint8Array | JwtVerifier, Map<string, { actor: Actor; expiresAt: number }>>();
const VERIFIED_MAX = 10_000;
