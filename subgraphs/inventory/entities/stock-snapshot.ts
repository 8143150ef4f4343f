import { defineEntity, p } from '@mikro-orm/core';

/** The last quantity Tsunagi read from or wrote to a channel (a stock source system's name: that source's own figure). */
export const StockSnapshot = defineEntity({
  name: 'StockSnapshot',
  tableName: 'stock_snapshot',
  properties: {
    channel: p.string().primary(),
    sku: p.string().primary(),
    code: p.string(),
    quantity: p.integer(),
    updatedAt: p.datetime(),
  },
});
