import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { UsageError } from '../output.js';
import { cliActor } from './identity.js';

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('issue an API token (JWT) for sandbox and development use; stdout carries the token alone')
    .option('--role <role>', 'operator, manager, admin or partner', 'operator')
    .option('--name <name>', 'who the token is for (default: you)')
    .option('--expires-in <duration>', 'lifetime, e.g. 12h or 30m', '12h')
    .action((opts: { role: string; name?: string; expiresIn: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        if (!/^\d+[smhd]$/.test(opts.expiresIn)) throw new UsageError(`--expires-in must look like 12h or 30m, got "${opts.expiresIn}"`);
        const actor = { ...cliActor(opts.role), ...(opts.name ? { name: opts.name } : {}) };
        const { issueToken, signingKey } = await import('../../platform/auth/tokens.js');
        const key = signingKey(ctx.config);
        if (!key) throw new UsageError('the API trusts an identity provider (gateway.jwt.jwksUrl) and no TSUNAGI_JWT_SECRET is set: get tokens from the provider');
        const token = await issueToken(key, actor, opts.expiresIn);
        out.result({ token });
        out.line(token);
      }),
    );
}
