// The shopee connector's descriptor: one stock target and one price target per shop (channels `shopee:SG` …, from
// settings.shops), Shopee's HMAC-signed API with per-shop tokens, and its simulator.
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { stockByCodeSchema } from '../../subgraphs/inventory/ports.js';
import { REFRESH_TOKEN_LIFETIME_DAYS, ShopeeClient, shopCredential } from './client.js';
import { shopChannels, shopeeClientConfig, shopeeConfigSchema, type ShopeeBlock } from './config.js';
import { LISTING_MAPPING } from './listings.js';
import { shopeePushReceiver } from './push.js';
import { shopeeMarketProblems } from './prices.js';
import { ITEMS_PER_INFO_CALL, ShopeeShops } from './shops.js';
import { SANDBOX_LOGISTIC_ID } from './simulator-listings.js';
import { sandboxShopId, SHOPEE_SANDBOX_PARTNER, ShopeeSimulator } from './simulator.js';

const market = z.string().regex(/^[A-Z]{2}$/, 'a market code such as SG');
/** Rounds of 100 lost pushes one run takes at most. */
const LOST_PUSH_ROUNDS = 50;

export const shopeeConnector: ConnectorDescriptor<ShopeeBlock, ShopeeShops> = {
  id: 'shopee',
  implements: ['StockTarget', 'PriceTarget', 'ListingTarget', 'HealthCheck', 'OrderSource', 'OrderFulfilment'],
  configSchema: shopeeConfigSchema,
  credentials: (b) => ({
    'auth.partner_id': b.auth.partner_id?.toString(),
    'auth.partner_key': b.auth.partner_key,
    ...Object.fromEntries(b.settings.shops.map((s, i) => [`settings.shops.${i}.shop_id (${s.country})`, s.shop_id?.toString()])),
  }),
  create: (block, deps) =>
    new ShopeeShops(
      new ShopeeClient({ config: shopeeClientConfig(block), credentials: deps.credentials, tokens: deps.tokens, policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
      deps.markets,
      deps.mappings.get(LISTING_MAPPING),
    ),
  marketProblems: shopeeMarketProblems,
  channels: shopChannels,
  stockTarget: (shops, channel) => shops.target(channel),
  health: (shops) => shops.health(),
  close: (shops) => shops.close(),
  webhook: shopeePushReceiver,
  operations: {
    'refresh-items': {
      description: 'read the SKU → item/model map of every shop again (or of one: {"country": "SG"}); answers items, SKUs and duplicate SKUs per shop',
      changes: false,
      input: z.strictObject({ country: market.optional() }),
      output: z.record(z.string(), z.strictObject({
        items: z.number().int(), skus: z.number().int(), duplicates: z.array(z.string()), withoutSku: z.number().int(), readAt: z.string().nullable(),
      })),
      run: (shops, { input }) => shops.refreshItems(input.country),
    },
    'push-recover': {
      description: 'pushes Shopee could not deliver (get_lost_push_message): written to the orders inbox as delivered ones are, then confirmed',
      changes: true,
      input: z.strictObject({}),
      output: z.strictObject({ pushes: z.number().int(), messages: z.number().int(), added: z.number().int() }),
      async run(shops, { system, dryRun, services }) {
        if (!services.orders) throw new Error('push-recover needs the orders module');
        const out = { pushes: 0, messages: 0, added: 0 };
        // Shopee gives the earliest 100 at a time; each batch is confirmed only once it is in the inbox.
        for (let round = 0; round < LOST_PUSH_ROUNDS; round++) {
          const lost = await shops.orders.lostPushes();
          for (const push of lost.pushes) {
            const { messages } = shopeePushReceiver.decode({ rawBody: Buffer.from(push.body), headers: {}, url: '', now: Date.now() });
            out.pushes++;
            out.messages += messages.length;
            // Into the inbox of this connector's webhook route (orders.webhooks.shopee): a push already delivered is a duplicate there.
            if (!dryRun) out.added += await services.orders.receive('shopee', system, push.body, messages);
          }
          if (dryRun || lost.lastMessageId === null) break;
          await shops.orders.confirmLostPushes(lost.lastMessageId);
          if (!lost.more) break;
        }
        return out;
      },
    },
    get_stock: {
      description: 'seller_stock one shop holds for the given SKUs (read only; null where it has no listing with that SKU)',
      changes: false,
      input: z.strictObject({ country: market, codes: z.array(z.string().min(1)).min(1).max(ITEMS_PER_INFO_CALL) }),
      output: stockByCodeSchema,
      run: async (shops, { input }) => ({ stock: Object.fromEntries(await shops.target(input.country).getStock(input.codes)) }),
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new ShopeeSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: [
      'ensureShops', 'shopList', 'addItem', 'seed', 'addMissing', 'setQuantity', 'getQuantity', 'setPrice', 'getPrice', 'getListing', 'setReserved', 'setSku', 'setItemStatus',
      'clear', 'reset', 'issueTokens', 'knowsRefreshToken', 'expireAccessTokens', 'setAuthorizationEnd',
      'setWebhookUrl', 'placeOrder', 'createOrders', 'setOrderStatus', 'getOrder', 'listOrders', 'lostPushes',
    ],
    sandboxConfig: (block, url) => ({
      ...block,
      endpoints: { ...block.endpoints, api: url },
      auth: { ...block.auth, partner_id: SHOPEE_SANDBOX_PARTNER.partnerId, partner_key: SHOPEE_SANDBOX_PARTNER.partnerKey },
      settings: {
        ...block.settings,
        shops: block.settings.shops.map((s) => ({ ...s, shop_id: sandboxShopId(s.country), logistic_ids: s.logistic_ids.length ? s.logistic_ids : [SANDBOX_LOGISTIC_ID] })),
      },
    }),
    // Nobody logs in to a sandbox shop: the simulator authorises each one and issues its first refresh token.
    async prepare(call, { credentials }, block) {
      await call('ensureShops', block.settings.shops.map((s) => ({ shopId: s.shop_id, country: s.country })));
      for (const s of block.settings.shops) {
        const name = shopCredential(block.name, block.auth.partner_id, s.shop_id, 'refresh_token');
        const stored = await credentials.get(name);
        if (stored && (await call('knowsRefreshToken', stored.value))) continue;
        const { refreshToken } = (await call('issueTokens', s.shop_id)) as { refreshToken: string };
        await credentials.put(name, refreshToken, new Date(Date.now() + REFRESH_TOKEN_LIFETIME_DAYS * 86_400_000));
      }
    },
    publicCredentials: (block, url) => ({
      url,
      partnerId: block.auth.partner_id,
      partnerKey: block.auth.partner_key,
      shops: block.settings.shops.map((s) => ({ country: s.country, shopId: s.shop_id })),
    }),
    // Every shop lists every demo SKU (item_sku = the SKU, seller_stock 0) at a real price: a listing without one
    // would give a pricing run a "before" of 0, which its rollback could not set back.
    async seedDemo(call, block, skus, listPrice) {
      for (const s of block.settings.shops) {
        await call('seed', s.shop_id, skus, 0);
        for (const sku of skus) {
          const price = listPrice(sku, `${block.name}:${s.country}`);
          if (price !== null) await call('setPrice', s.shop_id, sku, Number(price));
        }
      }
    },
  },
};
