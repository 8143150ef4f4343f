import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { parseNonNegativeInt, table } from '../output.js';

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',')];

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('allocation preview: for given quantities, or for the current Amazon inventory')
    .option('--quantity <N...>', 'Amazon quantities to preview (repeat or comma-separate)', collect, [])
    .action((opts: { quantity: string[] }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        if (opts.quantity.length > 0) {
          const rows = await ctx.inventory.simulate(opts.quantity.map((q) => parseNonNegativeInt(q, '--quantity')));
          out.result(rows.map(({ quantity, allocated }) => ({ quantity, allocated })));
          out.line(table(rows.map((r) => [r.quantity, r.allocated]), ['AMAZON', 'EACH MALL']));
          return;
        }
        const rows = await ctx.inventory.simulateCurrent();
        const channels = ctx.inventory.channels;
        out.result(rows.map((r) => ({ sku: r.sku, amazon: r.amazon, ...r.allocations })));
        out.line(table(rows.map((r) => [r.sku, r.amazon, ...channels.map((c) => r.allocations[c] ?? '-')]), ['SKU', 'AMAZON', ...channels.map((c) => c.toUpperCase())]));
      }),
    );
}
