import { defineEntity, p } from '@mikro-orm/core';

/** One row of the Excel SKU master: a source SKU and whether it is synced. Its channel listings are Listing rows. */
export const SkuMapping = defineEntity({
  name: 'SkuMapping',
  tableName: 'sku_mapping',
  properties: {
    sku: p.string().primary(),
    isActive: p.boolean(),
    importedAt: p.datetime(),
  },
});
