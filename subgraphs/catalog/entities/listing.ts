import { defineEntity, p } from '@mikro-orm/core';

/** A SKU's listing on one channel: the channel's own code (and variant/model id where the channel has one). */
export const Listing = defineEntity({
  name: 'Listing',
  tableName: 'listing',
  properties: {
    sku: p.string().primary(),
    channel: p.string().primary(),
    code: p.string(),
    variantId: p.string().nullable(),
  },
  uniques: [{ properties: ['channel', 'code'] }],
});
