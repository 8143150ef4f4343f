import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { EXIT, UsageError } from '../output.js';
import { signedActor, tokenOption, WRITE_ROLES } from './identity.js';
import { parseTime, settleQueues } from './orders.js';

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description('webhooks received (the inbox)');
  tokenOption(webhooks.command('replay'))
    .description('process received webhooks again (idempotent: only what is new changes anything), and work them')
    .option('--since <time>', 'only those received since then (e.g. 2026-11-27 or 2026-11-27T10:00, in the configured timezone)')
    .option('--receiver <id>', 'only one route (config orders.webhooks, e.g. shopee or oms)')
    .action((opts: { since?: string; receiver?: string; token?: string }, cmd: Command) => {
      let since: Date | undefined;
      return runCommand(cmd, async (ctx, out) => {
        const actor = await signedActor(ctx, out, opts.token, WRITE_ROLES);
        const n = await ctx.orders.replay({ since, receiver: opts.receiver });
        ctx.logger.info({ since, receiver: opts.receiver, actor: actor.name, replayed: n }, `webhooks replayed: ${n}`);
        const after = await settleQueues(ctx, out);
        out.result({ replayed: n, since: since?.toISOString() ?? null, ...after });
        out.line(`Replayed ${n} webhook message(s)${since ? ` received since ${out.time(since)}` : ''}; now ${after.pending} waiting, ${after.dead} dead.`);
        return after.dead > 0 ? EXIT.failed : EXIT.ok;
      }, async (config) => {
        if (opts.since) since = await parseTime(opts.since, '--since', config.timezone);
        if (opts.receiver && !Object.hasOwn(config.orders.webhooks, opts.receiver)) {
          throw new UsageError(`--receiver: no webhook route "${opts.receiver}" (config orders.webhooks: ${Object.keys(config.orders.webhooks).join(', ')})`);
        }
      });
    });
}
