// Who runs a CLI command. Commands that need a role (rules approve/reject, stock set, rollback, cleanup) act as
// the subject of a signed token (--token or TSUNAGI_TOKEN, the JWTs the API takes, checked by the API's verifier);
// in sandbox mode without one they act as the local operator and say so. Other commands name the operator
// (TSUNAGI_USER, else the OS user) in the audit trail, with the role TSUNAGI_ROLE declares (default operator).
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { ROLES, type Actor, type Role } from '../../platform/auth/roles.js';
import { UsageError, type Output } from '../output.js';

/** Roles that may change state (as the API's WRITE); partners read only. */
export const WRITE_ROLES: Role[] = ['operator', 'manager', 'admin'];

export function operatorName(): string {
  return process.env.TSUNAGI_USER || userInfo().username;
}

export function cliActor(role?: string): Actor {
  const r = (role ?? process.env.TSUNAGI_ROLE ?? 'operator') as Role;
  if (!ROLES.includes(r)) throw new UsageError(`role must be one of ${ROLES.join(', ')}, got "${r}"`);
  return { name: operatorName(), role: r };
}

/** Adds --token to a command that needs a role. */
export function tokenOption(cmd: Command): Command {
  return cmd.option('--token <jwt>', 'a signed API token (tsunagi token, or your identity provider); default: TSUNAGI_TOKEN; required outside sandbox mode');
}

/**
 * The caller of a command that needs a role: the verified subject and role of --token / TSUNAGI_TOKEN, refused
 * (UNAUTHENTICATED) when missing outside sandbox mode or invalid, FORBIDDEN when its role is not in `roles`.
 */
export async function signedActor(ctx: AppContext, out: Output, token: string | undefined, roles: readonly Role[] = ROLES): Promise<Actor> {
  const { AuthError, apiTokenVerifier, authenticate } = await import('../../platform/auth/tokens.js');
  const jwt = (token ?? process.env.TSUNAGI_TOKEN)?.trim();
  let actor: Actor;
  if (!jwt) {
    if (!ctx.config.sandbox) {
      throw new AuthError('this command needs a signed token outside sandbox mode: pass --token <jwt> or set TSUNAGI_TOKEN (the JWT the API takes)');
    }
    actor = cliActor();
    out.notice(`[SANDBOX] No --token or TSUNAGI_TOKEN: acting as the local operator ${actor.name} (role ${actor.role}).`);
  } else {
    try {
      actor = await authenticate(apiTokenVerifier(ctx.config), `Bearer ${jwt}`);
    } catch (err) {
      if (err instanceof AuthError) throw new AuthError(`--token/TSUNAGI_TOKEN: ${err.message}`);
      throw err;
    }
  }
  if (!roles.includes(actor.role)) {
    const { ForbiddenError } = await import('../../platform/errors.js');
    throw new ForbiddenError(`${actor.name} has role ${actor.role}; this command needs ${roles.join(' or ')}`);
  }
  ctx.logger.info({ subject: actor.name, role: actor.role, signed: Boolean(jwt) }, `acting as ${actor.name} (${actor.role})${jwt ? ', signed token' : ', local operator in sandbox mode'}`);
  return actor;
}
