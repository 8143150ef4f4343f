import { defineEntity, p } from '@mikro-orm/core';

/**
 * The event outbox: every published event, written in the transaction of the change it announces. Each
 * process's bus reads it in id order and hands the events to its subscribers; ids are the resume points.
 */
export const OutboxEvent = defineEntity({
  name: 'OutboxEvent',
  tableName: 'event_outbox',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    topic: p.string(),
    payload: p.json<unknown>(),
    createdAt: p.datetime().index(),
  },
});
