// Bearer JWT auth (HS256, jose). The token's `sub` names the caller and `role` is one of the four roles.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { ROLES, type Actor, type Role } from '../subgraphs/federation.js';

const ISSUER = 'tsunagi';
const MIN_SECRET_LENGTH = 32;

export class AuthError extends Error {
  override readonly name = 'AuthError';
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

/** The caller named by an `Authorization: Bearer` value; throws AuthError when absent or invalid. */
export async function authenticate(secret: Uint8Array, authorization: string | undefined | null): Promise<Actor> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  if (!match) throw new AuthError('missing bearer token');
  let payload;
  try {
    ({ payload } = await jwtVerify(match[1]!, secret, { issuer: ISSUER, algorithms: ['HS256'] }));
  } catch (err) {
    throw new AuthError(`invalid token: ${(err as Error).message}`);
  }
  const role = payload.role as Role;
  if (!payload.sub || !ROLES.includes(role)) throw new AuthError('token lacks a subject or a known role');
  return { name: payload.sub, role };
}
