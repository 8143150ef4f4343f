import { defineEntity, p } from '@mikro-orm/core';

/** The price Tsunagi last set for a SKU on a market's channel (minor units of the market currency). */
export const PriceRow = defineEntity({
  name: 'PriceRow',
  tableName: 'price',
  properties: {
    sku: p.string().primary(),
    channel: p.string().primary(),
    country: p.string(),
    amount: p.bigint('number'),
    currency: p.string(),
    updatedAt: p.datetime(),
    runId: p.integer(),
  },
});
