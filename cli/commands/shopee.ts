import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import type { Config } from '../../platform/config/index.js';
import { parseQuantity } from '../../subgraphs/inventory/quantity.js';
import { runCommand } from '../context.js';
import { UsageError } from '../output.js';

/** The configured shopee system's shops (its block is named `shopee`). */
async function shopeeShops(ctx: AppContext) {
  if (!ctx.integrations.shopee) throw new UsageError('no shopee system is configured (config/integrations.yaml)');
  return ctx.hub.connector<import('../../connectors/shopee/shops.js').ShopeeShops>('shopee');
}

/** A market code the config lists a shop for (checked before anything opens). */
function market(config: Config, country: string, what: string): string {
  const c = country.toUpperCase();
  if (!/^[A-Z]{2}$/.test(c)) throw new UsageError(`${what}: expected a market code such as SG, got "${country}"`);
  const block = config.integrations.shopee as { settings?: { shops?: { country: string }[] } } | undefined;
  if (!block) throw new UsageError('no shopee system is configured (config/integrations.yaml)');
  const listed = (block.settings?.shops ?? []).map((s) => s.country);
  if (!listed.includes(c)) throw new UsageError(`${what}: no ${c} shop in config (configured: ${listed.join(', ')})`);
  return c;
}

export function registerShopee(program: Command): void {
  const shopee = program.command('shopee').description('Shopee shops: authorise Tsunagi for a shop');

  shopee
    .command('authorize')
    .description('authorise Tsunagi for one shop (Shopee shop authorisation) and store its tokens encrypted')
    .requiredOption('--country <code>', 'the shop\'s market, as listed in config (SG, MY, TH, TW, PH, VN, BR …)')
    .option('--code <code>', 'the code from the redirect (…?code=…&shop_id=…) when no local callback can be reached')
    .option('--timeout <seconds>', 'how long to wait for the redirect', '600')
    .addHelpText('after', '\nThe link is valid 5 minutes and the code it brings back 10 minutes, once. Run it again for each market.')
    .action((opts: { country: string; code?: string; timeout: string }, cmd: Command) => {
      let country = '';
      return runCommand(cmd, async (ctx, out) => {
        const shops = await shopeeShops(ctx);
        const shop = shops.client.shop(country);
        const { authorizeShop } = await import('../../connectors/shopee/auth.js');
        const done = await authorizeShop({
          client: shops.client,
          shop,
          code: opts.code,
          timeoutMs: Number(opts.timeout) * 1000,
          onUrl: (url) => {
            out.notice(`Open this link in a browser (valid 5 minutes), log in as the ${country} shop (${shop.shopId}) and confirm:`);
            out.notice(`  ${url}`);
            if (!opts.code) out.notice(`Waiting for the redirect to ${shops.client.config.redirectUrl} ...`);
            // The simulator's consent page logs in as the shop named in the link: follow it as a browser would.
            if (ctx.sandbox && !opts.code) void fetch(`${url}&shop_id=${shop.shopId}`, { redirect: 'follow' }).catch(() => {});
          },
        });
        ctx.logger.info({ country, shopId: done.shopId, expiresAt: done.expiresAt }, 'shopee shop authorised');
        out.result({ country, shopId: done.shopId, shopName: done.shopName, stored: true, expiresAt: done.expiresAt?.toISOString() ?? null });
        const ends = done.expiresAt ? `The authorisation ends ${out.time(done.expiresAt)}.` : 'Shopee gave no end date for the authorisation (at most 365 days).';
        out.line(`[SUCCESS] ${country} shop ${done.shopId}${done.shopName ? ` (${done.shopName})` : ''} authorised; tokens stored encrypted. ${ends}`);
      }, (config) => {
        country = market(config, opts.country, '--country');
        if (opts.code !== undefined && !/^[A-Za-z0-9]+$/.test(opts.code)) throw new UsageError('--code: letters and digits only, as in the redirect');
        if (!/^\d+$/.test(opts.timeout) || Number(opts.timeout) < 1) throw new UsageError(`--timeout: a whole number of seconds, got "${opts.timeout}"`);
      });
    });
}

/** `tsunagi sandbox shopee …`: the sandbox's Shopee shops, driven out of band. */
export function registerShopeeSandbox(sandbox: Command, requireSandbox: (ctx: AppContext) => unknown): void {
  const shopee = sandbox.command('shopee').description('the simulated Shopee shops');
  shopee
    .command('set-stock <country> <sku> <qty>')
    .description("change a shop's seller_stock for a SKU out of band (as the seller would in Seller Centre): a drift for the batch to correct")
    .action((country: string, sku: string, qty: string, _opts: unknown, cmd: Command) => {
      let quantity = 0;
      let c = '';
      return runCommand(cmd, async (ctx, out) => {
        requireSandbox(ctx);
        const shop = (await shopeeShops(ctx)).client.shop(c);
        const { channelControl } = await import('../../app/sandbox-listings.js');
        const control = channelControl(ctx, shop.channel);
        if ((await control<number | null>('getQuantity', sku)) === null) {
          throw new UsageError(`sku: ${shop.channel} has no listing with SKU "${sku}" (item_sku or model_sku); nothing changed`);
        }
        await control('setQuantity', sku, quantity);
        ctx.logger.info({ channel: shop.channel, sku, quantity }, `sandbox: ${shop.channel} now holds ${sku}: ${quantity}`);
        out.result({ channel: shop.channel, sku, quantity });
        out.line(`[SANDBOX] ${shop.channel} now holds ${sku}: ${quantity} (seller_stock, changed outside Tsunagi).`);
      }, (config) => {
        c = market(config, country, 'country');
        quantity = parseQuantity(qty, 'qty');
      });
    });
}
