import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
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
    .description('replace the simulated catalogue: N Amazon SKUs with SKU-master rows and Yahoo!/Rakuten listings')
    .requiredOption('--skus <N>', 'number of SKUs')
    .action((opts: { skus: string }, cmd: Command) => {
      let skus = 0;
      return runCommand(cmd, async (ctx, out) => {
        requireSandbox(ctx);
        const { seedSandbox } = await import('../../app/sandbox-seed.js');
        const r = await seedSandbox(ctx, skus);
        ctx.logger.info(r, `sandbox catalogue replaced: ${r.skus} SKUs`);
        out.result(r);
        out.line(`[SANDBOX] Seeded ${r.skus} Amazon SKUs (the previous catalogue is gone); ${r.mapped} are in the SKU master with Yahoo! and Rakuten listings.`);
      }, () => {
        skus = parseNonNegativeInt(opts.skus, '--skus', { min: 1, max: MAX_SEED_SKUS });
      });
    });

  sandbox
    .command('reset')
    .description('return the sandbox to its first-start state: demo marketplaces and SKU master, no runs, fresh sandbox credentials')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        requireSandbox(ctx);
        const { resetSandbox } = await import('../../app/sandbox-seed.js');
        const r = await resetSandbox(ctx);
        ctx.logger.warn({ tables: r.tables, skus: r.skus }, 'sandbox reset to its first-start state');
        out.result(r);
        out.line(`[SANDBOX] Reset: emptied ${r.tables.length} tables (runs, ledgers, SKU master, rules, audit, credentials) and the simulators; seeded ${r.skus} demo SKUs.`);
      }),
    );

  sandbox
    .command('set-stock <amazon_sku> <qty>')
    .description('set the FBA fulfillable quantity the Amazon simulator reports')
    .action((sku: string, qty: string, _opts: unknown, cmd: Command) => {
      let quantity = 0;
      return runCommand(cmd, async (ctx, out) => {
        await requireSandbox(ctx).call('amazon', 'setQuantity', sku, quantity);
        ctx.logger.info({ sku, quantity }, `sandbox: Amazon now reports ${sku}: ${quantity}`);
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
        const held: Record<string, number | null> = {};
        for (const channel of ctx.inventory.channels) {
          const code = mapping?.listings[channel];
          held[channel] = code ? await sim.call<number | null>(channel, 'getQuantity', code) : null;
        }
        out.result({ sku, amazon, ...held });
        out.line(`${sku}${mapping ? (mapping.isActive ? '' : ' (inactive in the SKU master)') : ' (not in the SKU master)'}`);
        out.line(`  amazon   ${amazon ?? '-'}`);
        for (const [channel, qty] of Object.entries(held)) {
          const code = mapping?.listings[channel];
          out.line(`  ${channel.padEnd(8)} ${qty ?? '-'}${code ? `  (${code})` : ''}`);
        }
      }),
    );

  for (const [verb, method, what] of [
    ['stop', 'stop', 'stop a simulator: its address refuses connections, as a system that is down (health fails, alert rules fire)'],
    ['start', 'start', 'start a stopped simulator again at its address'],
  ] as const) {
    sandbox
      .command(`${verb} <system>`)
      .description(`${what}; the simulators must belong to a running hub (npm start)`)
      .action((system: string, _opts: unknown, cmd: Command) =>
        runCommand(cmd, async (ctx, out) => {
          const sim = requireSandbox(ctx);
          if (sim.owner) throw new UsageError(`sandbox ${verb} works on the simulators of a running hub (npm start); none is running, so this command's own would stop with it`);
          const systems = Object.keys(sim.urls).filter((k) => k !== 'control');
          if (!systems.includes(system)) throw new UsageError(`<system>: no simulator "${system}" (known: ${systems.join(', ')})`);
          const { SANDBOX_START, SANDBOX_STOP } = await import('../../connectors/sandbox/index.js');
          await sim.call(system, method === 'stop' ? SANDBOX_STOP : SANDBOX_START);
          ctx.logger.warn({ system }, `sandbox: the ${system} simulator ${verb === 'stop' ? 'stopped' : 'started again'}`);
          out.result({ system, running: verb === 'start' });
          out.line(`[SANDBOX] The ${system} simulator ${verb === 'stop' ? 'is stopped: its address refuses connections' : `serves again at ${sim.urls[system]}`}.`);
        }),
      );
  }
}
