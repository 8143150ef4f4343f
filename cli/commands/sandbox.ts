import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { runCommand } from '../context.js';
import { parseQuantity } from '../../subgraphs/inventory/quantity.js';
import { parseNonNegativeInt, UsageError } from '../output.js';
import { registerOmsSandbox } from './sandbox-oms.js';
import { registerShopeeSandbox } from './shopee.js';
import { registerWmsSandbox } from './wms.js';

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
    .description('replace the simulated catalogue: N Amazon SKUs with SKU-master rows and Yahoo!/Rakuten listings, listed in every simulated Shopee shop')
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
    .command('set-stock <sku> <qty>')
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
    .command('show <sku>')
    .description('what the stock source reports and what each channel holds for a SKU (a several-shop system by shop: shopee: {SG: n, …}), and the price each shop sells it at (shopeePrices: {SG: "12.34", …})')
    .action((sku: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const sim = requireSandbox(ctx);
        const { sandboxChannels, channelControl } = await import('../../app/sandbox-listings.js');
        const mapping = (await ctx.catalog.getMappings([sku])).get(sku);
        const amazon = await sim.call<number | null>('amazon', 'getQuantity', sku);
        // The warehouse's available figure, where a simulated WMS runs.
        const wms = sim.urls.wms ? ((await sim.call<{ available: number } | null>('wms', 'getStock', sku))?.available ?? null) : undefined;
        const held: Record<string, number | null | Record<string, number | null>> = {};
        // A price target's simulator answers getPrice: the decimal text it holds, by shop (`shopeePrices: {SG: "12.34"}`).
        const priced = new Set(ctx.hub.implementing('PriceTarget'));
        const prices: Record<string, Record<string, string | null>> = {};
        const lines: string[] = [];
        for (const c of sandboxChannels(ctx)) {
          // A shop matches our SKU itself (item_sku / model_sku) when the master names no code for it.
          const code = mapping?.listings[c.channel] ?? (c.shared ? sku : undefined);
          const control = channelControl(ctx, c.channel);
          const qty = code ? await control<number | null>('getQuantity', code) : null;
          const price = priced.has(c.system) ? (code ? await control<string | null>('getPrice', code) : null) : undefined;
          const shop = c.channel.slice(c.channel.indexOf(':') + 1);
          if (c.shared) ((held[c.system] ??= {}) as Record<string, number | null>)[shop] = qty;
          else held[c.channel] = qty;
          if (price !== undefined) (prices[`${c.system}Prices`] ??= {})[shop] = price;
          lines.push(`  ${c.channel.padEnd(10)} ${qty ?? '-'}${price != null ? `  price ${price}` : ''}${code ? `  (${code})` : ''}`);
        }
        out.result({ sku, amazon, ...(wms === undefined ? {} : { wms }), ...held, ...prices });
        out.line(`${sku}${mapping ? (mapping.isActive ? '' : ' (inactive in the SKU master)') : ' (not in the SKU master)'}`);
        out.line(`  ${'amazon'.padEnd(10)} ${amazon ?? '-'}`);
        if (wms !== undefined) out.line(`  ${'wms'.padEnd(10)} ${wms ?? '-'}`);
        for (const line of lines) out.line(line);
      }),
    );

  sandbox
    .command('credentials')
    .description("the simulators' URLs and the public test credentials they accept, to point a tool at them (sandbox mode only)")
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const sim = requireSandbox(ctx);
        const { connectorIdOf } = await import('../../platform/integrations/index.js');
        const systems: Record<string, Record<string, unknown>> = {};
        for (const [name, block] of Object.entries(ctx.integrations)) {
          const id = connectorIdOf(block);
          const describe = ctx.registry.get(id)?.simulator?.publicCredentials;
          if (describe && sim.urls[id]) systems[name] = describe(block, sim.urls[id]!);
        }
        // A file-drop server is a place of its own to point an FTP tool at, whichever system offers it.
        const ftp = Object.values(systems).find((c) => c.ftp)?.ftp;
        if (ftp) systems.ftp = ftp as Record<string, unknown>;
        const { host, port } = ctx.config.gateway;
        // Where the hub takes pushes (POST <base>/shopee, <base>/oms/shipment …) when `npm start` runs it.
        const result = { ...systems, webhookBaseUrl: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/webhooks` };
        out.result(result);
        out.line(`webhookBaseUrl: ${result.webhookBaseUrl}`);
        for (const [name, creds] of Object.entries(systems)) {
          out.line(`${name}:`);
          for (const [key, value] of Object.entries(creds)) out.line(`  ${key.padEnd(12)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
        }
      }),
    );

  registerShopeeSandbox(sandbox, requireSandbox);
  registerWmsSandbox(sandbox, requireSandbox);
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
  registerOmsSandbox(sandbox, requireSandbox);
}
