import { defineEntity, p } from '@mikro-orm/core';

/** A product's image from the DAM as one image rule made it (one row per SKU, rule and DAM asset). */
export const ProductImage = defineEntity({
  name: 'ProductImage',
  tableName: 'product_image',
  indexes: [{ properties: ['sku', 'rule', 'position'] }],
  properties: {
    sku: p.string().primary(),
    /** The media.rules entry (a market's imageRule). */
    rule: p.string().primary(),
    assetId: p.string().primary(),
    position: p.integer(),
    alt: p.text().nullable(),
    sourceUrl: p.text(),
    sourceUpdatedAt: p.datetime().nullable(),
    sourceHash: p.string(),
    /** The rule's parameters when the variant was made (ruleKey). */
    ruleKey: p.string(),
    hash: p.string(),
    format: p.string(),
    width: p.integer(),
    height: p.integer(),
    bytes: p.integer(),
    syncedAt: p.datetime(),
  },
});
