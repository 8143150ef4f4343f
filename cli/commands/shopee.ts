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

  shopee
    .command('push-order')
    .description('a buyer orders in a simulated shop (its stock drops) and Shopee pushes the order, signed, to the hub')
    .requiredOption('--country <code>', 'the shop\'s market (SG, MY, …)')
    .requiredOption('--sku <sku>', 'the SKU ordered (the shop must list it)')
    .option('--quantity <n>', 'how many', '1')
    .option('--price <amount>', "the unit price in the shop's currency (default: the simulator's sandbox price)")
    .addHelpText('after', '\nWith --json: {orderSn, country, push: {url, body, authorization, status}}, to replay the push byte for byte.')
    .action((opts: { country: string; sku: string; quantity: string; price?: string }, cmd: Command) => {
      let c = '';
      let quantity = 0;
      let price: number | undefined;
      return runCommand(cmd, async (ctx, out) => {
        const sim = requireSandbox(ctx) as { call<T>(system: string, method: string, ...args: unknown[]): Promise<T> };
        const placed = await sim.call<{ order: { order_sn: string; total_amount: number; currency: string }; push: { url: string; body: string; authorization: string; status: number | null } | null }>(
          'shopee', 'placeOrder', c, opts.sku, quantity, price === undefined ? {} : { price },
        );
        const { order, push } = placed;
        ctx.logger.info({ country: c, sku: opts.sku, quantity, orderSn: order.order_sn, pushed: push?.status ?? null }, `sandbox: order ${order.order_sn} placed in the ${c} shop`);
        out.result({ orderSn: order.order_sn, country: c, push });
        out.line(`[SANDBOX] Order ${order.order_sn} placed in the ${c} shop: ${quantity} × ${opts.sku}, ${order.total_amount} ${order.currency}.`);
        if (push && push.status !== null && push.status >= 200 && push.status < 300) out.line(`[SANDBOX] Its push was acknowledged by the hub at ${push.url} (HTTP ${push.status}).`);
        else {
          out.notice(`[SANDBOX] No hub acknowledged the push${push ? ` (${push.url}: ${push.status ?? 'unreachable'})` : ' (no hub has registered its webhook URL: start one with npm start)'}; ` +
            'Shopee keeps it as a lost push, recovered by `tsunagi integrations run shopee push-recover` or its schedule.');
        }
      }, (config) => {
        c = market(config, opts.country, '--country');
        quantity = parseQuantity(opts.quantity, '--quantity');
        if (quantity < 1) throw new UsageError('--quantity: at least 1');
        if (opts.price !== undefined) {
          if (!/^\d{1,9}(\.\d{1,2})?$/.test(opts.price)) throw new UsageError(`--price: a decimal amount such as 19.90, got "${opts.price}"`);
          price = Number(opts.price);
        }
      });
    });
}
