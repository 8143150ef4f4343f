import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { parseNonNegativeInt, table } from '../output.js';
import { sourceName, sourceOption } from '../source.js';

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',')];

export function registerSimulate(program: Command): void {
  sourceOption(program.command('simulate'))
    .description("allocation preview by a source's policy in force: for given quantities, or for the source's current inventory")
    .option('--quantity <N...>', 'source quantities to preview (repeat or comma-separate)', collect, [])
    .action((opts: { quantity: string[]; source?: string }, cmd: Command) => {
      let source = '';
      let quantities: number[] = [];
      return runCommand(cmd, async (ctx, out) => {
        const channels = ctx.inventory.sources.resolve(source).channels;
        const head = source.toUpperCase();
        if (quantities.length > 0) {
          const rows = await ctx.inventory.simulation.allocate(source, quantities);
          out.result(rows.map(({ quantity, allocated, channels: each }) => ({ quantity, allocated, channels: each })));
          out.line(table(rows.map((r) => [r.quantity, ...channels.map((c) => r.channels[c] ?? 0)]), [head, ...channels.map((c) => c.toUpperCase())]));
          return;
        }
        const rows = [];
        for await (const page of ctx.inventory.simulation.current(source)) rows.push(...page);
        out.result(rows.map((r) => ({ sku: r.sku, sourceQuantity: r.sourceQuantity, ...r.allocations })));
        out.line(table(rows.map((r) => [r.sku, r.sourceQuantity, ...channels.map((c) => r.allocations[c] ?? '-')]), ['SKU', head, ...channels.map((c) => c.toUpperCase())]));
      }, (config) => {
        source = sourceName(config, opts.source);
        quantities = opts.quantity.map((q) => parseNonNegativeInt(q, '--quantity'));
      });
    });
}
