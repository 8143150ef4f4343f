import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { UsageError } from '../output.js';
import { cliActor, operatorName } from './identity.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_LIFETIME_SECONDS = 30 * 86_400;

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('issue an API token (JWT) for sandbox and development use; stdout carries the token alone')
    .option('--role <role>', 'operator, manager, admin or partner', 'operator')
    .option('--name <name>', 'who the token is for (default: you)')
    .option('--expires-in <duration>', 'lifetime, e.g. 12h or 30m', '12h')
    .action((opts: { role: string; name?: string; expiresIn: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const lifetime = /^(\d+)([smhd])$/.exec(opts.expiresIn);
        if (!lifetime) throw new UsageError(`--expires-in must look like 12h or 30m, got "${opts.expiresIn}"`);
        if (Number(lifetime[1]) * UNIT_SECONDS[lifetime[2]!]! > MAX_LIFETIME_SECONDS) {
          throw new UsageError(`--expires-in ${opts.expiresIn} is longer than 30d; issue a new token when this one runs out`);
        }
        const actor = { ...cliActor(opts.role), ...(opts.name ? { name: opts.name } : {}) };
        const { issueToken, signingKey } = await import('../../platform/auth/tokens.js');
        const key = signingKey(ctx.config);
        if (!key) throw new UsageError('the API trusts an identity provider (gateway.jwt.jwksUrl) and no TSUNAGI_JWT_SECRET is set: get tokens from the provider');
        const token = await issueToken(key, actor, opts.expiresIn);
        // Whoever holds the signing key can mint any role: each token minted here is on the audit trail.
        await ctx.reporting.audit({
          actor: operatorName(), action: 'auth.issue-token', subject: actor.name, detail: { role: actor.role, expiresIn: opts.expiresIn },
        });
        out.result({ token });
        out.line(token);
      }),
    );
}
