import { defineEntity, p } from '@mikro-orm/core';

/** One row of the Excel SKU master: which Yahoo! and Rakuten listings an Amazon SKU feeds. */
export const SkuMapping = defineEntity({
  name: 'SkuMapping',
  tableName: 'sku_mapping',
  properties: {
    amazonSku: p.string().primary(),
    yahooItemCode: p.string().nullable(),
    rakutenItemNumber: p.string().nullable(),
    isActive: p.boolean(),
    importedAt: p.datetime(),
  },
});
