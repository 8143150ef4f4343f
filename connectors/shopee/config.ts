// The shopee block of config/integrations.yaml: Shopee Open Platform v2 (every call HMAC-signed with the partner
// key), one host for every market, and one shop per market from settings.shops — channels `shopee:SG` … . A
// market is added (ID, MX) by adding a shop to the list; no code knows the list.
import { z } from 'zod';
import type { RateLimit } from '../../platform/http/index.js';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';

/**
 * Hosts (integration-contracts §1.1). The host depends on where our server runs, not on the shop's market; one
 * host serves every shop.
 */
export const SHOPEE_HOSTS = {
  production: 'https://partner.shopeemobile.com',
  /** Production for servers near the US ("URL (Brazil)"). */
  brazil: 'https://openplatform.shopee.com.br',
  /** Production for servers in mainland China. */
  china: 'https://openplatform.shopee.cn',
  /** The test-stable sandbox every developer uses (test partner ids only). */
  sandbox: 'https://openplatform.sandbox.test-stable.shopee.sg',
} as const;

/** Item statuses get_item_list accepts. */
export const ITEM_STATUSES = ['NORMAL', 'BANNED', 'UNLIST', 'REVIEWING', 'SELLER_DELETE', 'SHOPEE_DELETE'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

// Placeholders arrive as strings: '' is unset, digits are an id.
const optionalId = z.preprocess(
  (v) => (v == null || (typeof v === 'string' && v.trim() === '') ? undefined : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
  z.number({ error: 'a whole number, as Shopee gave it' }).int('a whole number, as Shopee gave it').positive().max(Number.MAX_SAFE_INTEGER).optional(),
);
const wholeNumber = (min: number, fallback: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v), z.number().int().min(min)).default(fallback);

const shopSchema = z.strictObject({
  /** The market: SG, MY, TH, TW, PH, VN, BR (ID, MX …); the channel is `<block name>:<country>`. */
  country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter upper-case market code such as SG'),
  /** Empty for sandbox mode (the simulator's shop is used). */
  shop_id: optionalId,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as SGD'),
  /** seller_stock location (v2.shop.get_warehouse_detail); empty when the seller has no warehouses. */
  location_id: optionalString,
  /** The logistics channels (v2.logistics.get_channel_list logistics_channel_id) enabled on items Tsunagi creates. */
  logistic_ids: z.array(z.number().int().positive()).default([]),
});

export const shopeeConfigSchema = integrationBlock({
  auth: authSchema('shopee_hmac', {
    partner_id: optionalId,
    partner_key: optionalString,
    /** Where Shopee sends the seller back with ?code=&shop_id= (`tsunagi shopee authorize` listens there). */
    redirect_url: z.string().url().default('http://127.0.0.1:8977/shopee/callback'),
  }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z.strictObject({
    shops: z
      .array(shopSchema)
      .min(1)
      .superRefine((shops, ctx) => {
        const seen = new Map<string, number>();
        shops.forEach((s, i) => {
          if (seen.has(s.country)) ctx.addIssue({ code: 'custom', path: [i, 'country'], message: `market ${s.country} is listed twice (also shop ${seen.get(s.country)! + 1})` });
          seen.set(s.country, i);
        });
        const ids = new Map<number, number>();
        shops.forEach((s, i) => {
          if (s.shop_id === undefined) return;
          if (ids.has(s.shop_id)) ctx.addIssue({ code: 'custom', path: [i, 'shop_id'], message: `shop_id is also shop ${ids.get(s.shop_id)! + 1}'s` });
          ids.set(s.shop_id, i);
        });
      }),
    /** Which items the SKU map reads (get_item_list item_status). */
    item_statuses: z.array(z.enum(ITEM_STATUSES)).min(1).default(['NORMAL', 'UNLIST']),
    /** A SKU missing from a shop's map re-reads the items changed since the last read, at most this often. */
    miss_refresh_seconds: wholeNumber(0, 60),
    /** The whole map is read again when it is older than this. */
    item_map_max_age_hours: wholeNumber(1, 24),
    /** update_stock / get_model_list calls in flight per shop. */
    concurrency: wholeNumber(1, 32),
  }),
  /** Per shop (Shopee publishes no numbers: UNCONFIRMED, see README). */
  rate_limit: rateLimitSchema.default({ perSecond: 10, burst: 10 }),
});

export type ShopeeBlock = z.infer<typeof shopeeConfigSchema>;

export interface ShopConfig {
  country: string;
  /** The channel id: `<system>:<country>`. */
  channel: string;
  shopId?: number;
  currency: string;
  locationId?: string;
  logisticIds: number[];
}

/** What the client reads. */
export interface ShopeeConfig {
  /** The block's name (`shopee`): the integration log's system and the channels' prefix. */
  system: string;
  host: string;
  partnerId?: number;
  partnerKey?: string;
  redirectUrl: string;
  shops: ShopConfig[];
  itemStatuses: ItemStatus[];
  missRefreshMs: number;
  mapMaxAgeMs: number;
  concurrency: number;
  /** Per shop. */
  rateLimit: RateLimit;
}

export const shopChannels = (b: ShopeeBlock): string[] => b.settings.shops.map((s) => `${b.name}:${s.country}`);

export const shopeeClientConfig = (b: ShopeeBlock): ShopeeConfig => ({
  system: b.name,
  host: b.endpoints.api,
  partnerId: b.auth.partner_id,
  partnerKey: b.auth.partner_key,
  redirectUrl: b.auth.redirect_url,
  shops: b.settings.shops.map((s) => ({ country: s.country, channel: `${b.name}:${s.country}`, shopId: s.shop_id, currency: s.currency, locationId: s.location_id, logisticIds: s.logistic_ids })),
  itemStatuses: b.settings.item_statuses,
  missRefreshMs: b.settings.miss_refresh_seconds * 1000,
  mapMaxAgeMs: b.settings.item_map_max_age_hours * 3_600_000,
  concurrency: b.settings.concurrency,
  rateLimit: b.rate_limit,
});
