import { defineEntity, p } from '@mikro-orm/core';

/** One line of an order: a SKU, its quantity and unit price (minor units of the order's currency). */
export const OrderLine = defineEntity({
  name: 'OrderLine',
  tableName: 'order_line',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    orderId: p.bigint('number').index(),
    lineNo: p.integer(),
    sku: p.string().index(),
    name: p.text().nullable(),
    quantity: p.integer(),
    unitPriceMinor: p.bigint('number'),
  },
  uniques: [{ properties: ['orderId', 'lineNo'] }],
});
