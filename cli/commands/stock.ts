import type { Command } from 'commander';
import { parseQuantity } from '../../subgraphs/inventory/quantity.js';
import { runCommand } from '../context.js';
import { EXIT, UsageError } from '../output.js';
import { printReport } from '../report.js';
import { signedActor, tokenOption, WRITE_ROLES } from './identity.js';

export function registerStock(program: Command): void {
  const stock = program.command('stock').description('channel stock outside the allocation rules');
  tokenOption(stock.command('set <channel> <sku> <qty>'))
    .description("set one SKU on one channel by hand (a run of the channel's source: ledgered, audited, undone by rollback)")
    .action((channel: string, sku: string, qty: string, opts: { token?: string }, cmd: Command) => {
      let quantity = 0;
      return runCommand(cmd, async (ctx, out) => {
        const actor = await signedActor(ctx, out, opts.token, WRITE_ROLES);
        const r = await ctx.inventory.sync.setChannelStock({ channel, sku, quantity, actor: actor.name });
        await printReport(r, out);
        return r.status === 'SUCCESS' ? EXIT.ok : EXIT.failed;
      }, (config) => {
        const channels = Object.values(config.sync.sources).flatMap((s) => s.channels);
        if (!channels.includes(channel)) throw new UsageError(`unknown channel "${channel}"; channels: ${channels.join(', ')}`);
        quantity = parseQuantity(qty, 'qty');
      });
    });
}
