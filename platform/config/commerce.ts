// The config sections for product data, prices and images (config.yaml `markets`, `catalog`, `pricing`, `media`):
// their shapes, and the checks across them that a shape cannot express (a market's image rule exists, a guardrail
// names a market and fits its currency). Every problem names its key.
import { z } from 'zod';
import { currencySchema, decimalToMinor, isoDigits, ROUNDING_RULES } from '../money.js';
import { SYSTEM_NAME } from '../integrations/index.js';

// A placeholder's value is a string: numbers written as one are read back as numbers.
const int = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v), z.number().int().min(min).max(max));
const channelId = z.string().regex(SYSTEM_NAME, 'a channel id such as shopee:SG');
/** Category codes as a PIM writes them (Akeneo: letters, digits and underscores). */
const CATEGORY_CODE = /^[A-Za-z0-9_]+$/;
const decimalText = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount in the market currency, e.g. "12.50"');

/** One market a product is listed in: a channel (a shop) with its country, currency and terms. */
export const marketSchema = z.strictObject({
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as SG'),
  currency: currencySchema,
  /** Decimal places of a price the marketplace accepts there (Shopee: 2 in SG/MY/BR, whole units elsewhere). */
  priceDecimals: int(0, 4),
  /** The language of titles and descriptions listed there. */
  language: z.enum(['ja', 'en']),
  /** The media.rules entry its images are made by. */
  imageRule: z.string().min(1),
});

export const catalogSectionSchema = z
  .strictObject({
    /** PIM category code → the marketplace's category id per market (channel id). */
    categories: z.record(z.string(), z.record(z.string(), int(1, Number.MAX_SAFE_INTEGER))).default({}),
  })
  .prefault({});

export const pricingSectionSchema = z
  .strictObject({
    rounding: z.enum(ROUNDING_RULES).default('half_up'),
    /** A change larger than this share of the current price (in %) is held for a manager's approval. */
    maxChangePercent: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().positive().max(1000)).default(20),
    /** How long after a pricing run it can be rolled back. */
    rollbackWindowHours: int(1, 24 * 30).default(24),
    /** Floor and ceiling per SKU and market, in the market's currency: a price outside them is held for approval. */
    guardrails: z
      .array(z.strictObject({ sku: z.string().min(1), market: channelId, floor: decimalText.optional(), ceiling: decimalText.optional() }))
      .default([]),
  })
  .prefault({});

export const imageRuleSchema = z.strictObject({
  /** The square canvas is at least this many pixels a side (smaller images are enlarged onto it). */
  minSide: int(16, 16_384).default(500),
  /** ... and at most this many (larger images are reduced). */
  maxSide: int(16, 16_384),
  /** The encoded file stays under this many bytes (the side shrinks, down to minSide, until it does). */
  maxBytes: int(1024, 100 * 1024 * 1024),
  format: z.literal('webp').default('webp'),
  quality: int(1, 100).default(85),
  /** The canvas around an image that is not square. */
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour such as #ffffff').default('#ffffff'),
});

const optionalText = z.string().nullish().transform((v) => (v == null || v.trim() === '' ? undefined : v));

/** An S3-compatible bucket (AWS S3, MinIO, Ceph, R2 ...) holding the images; checked when media.store is s3. */
export const s3StoreSchema = z
  .strictObject({
    /** The service's URL; unset: AWS S3 of the region. */
    endpoint: optionalText.refine((v) => v === undefined || (/^https?:\/\//.test(v) && URL.canParse(v)), 'must be an http(s) URL'),
    region: optionalText,
    bucket: optionalText,
    /** Put before every object key (e.g. media/), to share a bucket. */
    prefix: optionalText.refine((v) => v === undefined || !v.startsWith('/'), 'a key prefix such as media/, without a leading /'),
    /** Bucket in the path (http://host/bucket/key) rather than the host name: what most self-hosted servers need. */
    forcePathStyle: z.preprocess((v) => (v === 'true' ? true : v === 'false' || v === '' || v == null ? false : v), z.boolean()).default(false),
    accessKeyId: optionalText,
    secretAccessKey: optionalText,
  })
  .prefault({});

export const S3_REQUIRED = ['region', 'bucket', 'accessKeyId', 'secretAccessKey'] as const;

export const mediaSectionSchema = z
  .strictObject({
    /** Where optimised images are stored, by content hash: the data directory (file) or a bucket (s3). */
    store: z.preprocess((v) => (v == null || v === '' ? undefined : v), z.enum(['file', 's3']).default('file')),
    /** The file store's directory; unset: <dataDir>/media. */
    dir: optionalText,
    s3: s3StoreSchema,
    /** The URL images are served under: the hub's /media, or a CDN in front of it. */
    baseUrl: z.string().min(1).default('/media'),
    /** A source image larger than this (bytes) is refused before it is decoded. */
    maxSourceBytes: int(1024, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
    /** A source image with more pixels than this is refused unread (a decompression bomb). */
    maxInputPixels: int(1, 1_000_000_000).default(50_000_000),
    /** Images transcoded at once. */
    concurrency: int(1, 64).default(2),
    rules: z.record(z.string().min(1), imageRuleSchema).default({}),
  })
  .prefault({});

export const marketsSectionSchema = z.record(z.string(), marketSchema).default({});

export type MarketConfig = z.infer<typeof marketSchema>;
export type ImageRule = z.infer<typeof imageRuleSchema>;
export type CatalogSection = z.infer<typeof catalogSectionSchema>;
export type PricingSection = z.infer<typeof pricingSectionSchema>;
export type MediaSection = z.infer<typeof mediaSectionSchema>;
export type S3StoreConfig = z.infer<typeof s3StoreSchema>;

export interface CommerceSections {
  markets: Record<string, MarketConfig>;
  catalog: CatalogSection;
  pricing: PricingSection;
  media: MediaSection;
}

/** The problems across the sections, one line each as `config: <key>: <what>`. */
export function commerceProblems(c: CommerceSections): string[] {
  const problems: string[] = [];
  const known = Object.keys(c.markets);
  const unknownMarket = (key: string, market: string) =>
    problems.push(`config: ${key}: names the market "${market}", which markets does not list (markets: ${known.join(', ') || 'none'})`);
  for (const [channel, m] of Object.entries(c.markets)) {
    if (!SYSTEM_NAME.test(channel)) problems.push(`config: markets.${channel}: not a channel id (a system name, and :<shop> for one of its shops, e.g. shopee:SG)`);
    if (m.priceDecimals > isoDigits(m.currency)) {
      problems.push(`config: markets.${channel}.priceDecimals: ${m.currency} has ${isoDigits(m.currency)} decimal places, fewer than ${m.priceDecimals}`);
    }
    if (!Object.hasOwn(c.media.rules, m.imageRule)) {
      problems.push(`config: markets.${channel}.imageRule: no image rule "${m.imageRule}" in media.rules (rules: ${Object.keys(c.media.rules).join(', ') || 'none'})`);
    }
  }
  for (const [code, byMarket] of Object.entries(c.catalog.categories)) {
    if (!CATEGORY_CODE.test(code)) problems.push(`config: catalog.categories.${code}: not a category code (letters, digits and _, as the PIM writes them)`);
    for (const market of Object.keys(byMarket)) if (!known.includes(market)) unknownMarket(`catalog.categories.${code}.${market}`, market);
  }
  const seen = new Set<string>();
  c.pricing.guardrails.forEach((g, i) => {
    const key = `pricing.guardrails.${i}`;
    const market = c.markets[g.market];
    if (!market) return void unknownMarket(`${key}.market`, g.market);
    if (seen.has(`${g.sku}\u0000${g.market}`)) problems.push(`config: ${key}: a second guardrail for ${g.sku} in ${g.market}`);
    seen.add(`${g.sku}\u0000${g.market}`);
    if (g.floor === undefined && g.ceiling === undefined) problems.push(`config: ${key}: give a floor, a ceiling or both`);
    const amount = (field: 'floor' | 'ceiling') => {
      try {
        return g[field] === undefined ? undefined : decimalToMinor(g[field]!, market.currency, { decimals: market.priceDecimals, rounding: 'down' });
      } catch (err) {
        problems.push(`config: ${key}.${field}: ${(err as Error).message}`);
        return undefined;
      }
    };
    const floor = amount('floor');
    const ceiling = amount('ceiling');
    if (floor !== undefined && ceiling !== undefined && floor > ceiling) problems.push(`config: ${key}: the floor is above the ceiling`);
  });
  if (c.media.store === 's3') {
    for (const key of S3_REQUIRED) if (c.media.s3[key] === undefined) problems.push(`config: media.s3.${key}: required when media.store is s3`);
  }
  for (const [name, rule] of Object.entries(c.media.rules)) {
    if (rule.minSide > rule.maxSide) problems.push(`config: media.rules.${name}: minSide is larger than maxSide`);
  }
  return problems;
}
