import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { seedSandbox } from '../../app/sandbox-seed.js';
import { runCommand } from '../context.js';
import { parseQuantity } from '../../subgraphs/inventory/quantity.js';
import { parseNonNegativeInt, UsageError } from '../output.js';

/** More demo SKUs than any benchmark uses; the simulators hold them in memory. */
const MAX_SEED_SKUS = 1_000_000;

function requireSandbox(ctx: AppContext) {
  if (!ctx.sandbox) throw new UsageError('sandbox commands work only in sandbox mode (no marketplace credentials configured)');
  return ctx.sandbox;
}

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('control and inspect the bundled marketplace simulators');

  sandbox
    .command('seed')
    .description('create N Amazon SKUs with SKU-master rows and Yahoo!/Rakuten listings')
    .requiredOption('--skus <N>', 'number of SKUs')
    .action((opts: { skus: string }, cmd: Command) => {
      let skus = 0;
      return runCommand(cmd, async (ctx, out) => {
        const r = await seedSandbox(ctx, skus);
        out.result(r);
        out.line(`[SANDBOX] Seeded ${r.skus} Amazon SKUs; ${r.mapped} are in the SKU master with Yahoo! and Rakuten listings.`);
      }, () => {
        skus = parseNonNegativeInt(opts.skus, '--skus', { min: 1, max: MAX_SEED_SKUS });
      });
    });

  sandbox
    .command('set-stock <amazon_sku> <qty>')
    .description('set the FBA fulfillable quantity the Amazon simulator reports')
    .action((sku: string, qty: string, _opts: unknown, cmd: Command) => {
      let quantity = 0;
      return runCommand(cmd, async (ctx, out) => {
        await requireSandbox(ctx).call('amazon', 'setQuantity', sku, quantity);
        out.result({ sku, amazon: quantity });
        out.line(`[SANDBOX] Amazon now reports ${sku}: ${quantity} fulfillable.`);
      }, () => {
        quantity = parseQuantity(qty, 'qty');
      });
    });

  sandbox
    .command('show <amazon_sku>')
    .description('what Amazon reports and what Yahoo! and Rakuten hold for a SKU')
    .action((sku: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const sim = requireSandbox(ctx);
        const mapping = (await ctx.catalog.getMappings([sku])).get(sku);
        const amazon = await sim.call<number | null>('amazon', 'getQuantity', sku);
        const yahoo = mapping?.yahooItemCode ? await sim.call<number | null>('yahoo', 'getQuantity', mapping.yahooItemCode) : null;
        const rakuten = mapping?.rakutenItemNumber ? await sim.call<number | null>('rakuten', 'getQuantity', mapping.rakutenItemNumber) : null;
        out.result({ sku, amazon, yahoo, rakuten });
        out.line(`${sku}${mapping ? (mapping.isActive ? '' : ' (inactive in the SKU master)') : ' (not in the SKU master)'}`);
        out.line(`  amazon   ${amazon ?? '-'}`);
        out.line(`  yahoo    ${yahoo ?? '-'}${mapping?.yahooItemCode ? `  (${mapping.yahooItemCode})` : ''}`);
        out.line(`  rakuten  ${rakuten ?? '-'}${mapping?.rakutenItemNumber ? `  (${mapping.rakutenItemNumber})` : ''}`);
      }),
    );
}
