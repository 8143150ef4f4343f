import type { Command } from 'commander';
import { runCommand } from '../context.js';

export function registerYahooToken(program: Command): void {
  program
    .command('yahoo-token')
    .description('authorise Tsunagi at Yahoo! (OAuth authorization code) and store the refresh token encrypted')
    .option('--timeout <seconds>', 'how long to wait for the browser redirect', '300')
    .action((opts: { timeout: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const { runAuthorizationFlow } = await import('../../connectors/yahoo/oauth.js');
        const { yahooClientConfig } = await import('../../connectors/yahoo/config.js');
        const config = yahooClientConfig(ctx.integrations.yahoo as import('../../connectors/yahoo/config.js').YahooBlock);
        const { expiresAt } = await runAuthorizationFlow({
          config,
          credentials: ctx.credentials,
          timeoutMs: Number(opts.timeout) * 1000,
          logger: ctx.logger,
          onUrl: (url) => {
            out.notice('Open this URL in a browser, sign in as the store operator and allow access:');
            out.notice(`  ${url}`);
            out.notice(`Waiting for the redirect to ${config.redirectUri} ...`);
            // The simulator's consent page answers at once; follow it like a browser would.
            if (ctx.sandbox) void fetch(url, { redirect: 'follow' }).catch(() => {});
          },
        });
        out.result({ stored: true, expiresAt: expiresAt.toISOString() });
        out.line(`[SUCCESS] Yahoo! refresh token stored (encrypted); it expires ${out.time(expiresAt)}.`);
      }),
    );
}
