import { defineEntity, p } from '@mikro-orm/core';

/** Every status an order went through, with the source's own time and who said so (the channel or the OMS). */
export const OrderStatusEntry = defineEntity({
  name: 'OrderStatusEntry',
  tableName: 'order_status_history',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    orderId: p.bigint('number').index(),
    status: p.string(),
    channelStatus: p.string().nullable(),
    /** The source's time of the change. */
    at: p.datetime(),
    recordedAt: p.datetime(),
    source: p.string(),
  },
});
