import { defineEntity, p } from '@mikro-orm/core';

/**
 * Stock an order took on one channel, held against the source that feeds the channel until the source shows it
 * gone (its figure dropped) or the order gives it back (cancelled): the source's other channels are planned from
 * the source's figure less what is held, so no other shop sells the same units meanwhile.
 */
export const StockReservation = defineEntity({
  name: 'StockReservation',
  tableName: 'stock_reservation',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    sourceSystem: p.string(),
    sku: p.string(),
    /** The channel the order was placed on (it took the stock there itself). */
    channel: p.string(),
    /** What is still held (a partial release by the source lowers it). */
    quantity: p.integer(),
    /** The order's reference (`<channel>:<order number>`). */
    ref: p.string(),
    createdAt: p.datetime(),
    releasedAt: p.datetime().nullable(),
    /** source (the source's figure dropped by it) or the order's reason (cancelled). */
    releaseReason: p.string().nullable(),
  },
  uniques: [{ properties: ['ref', 'sku'] }],
  indexes: [{ properties: ['sourceSystem', 'sku'] }],
});
