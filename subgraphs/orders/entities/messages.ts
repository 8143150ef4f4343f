import { defineEntity, p } from '@mikro-orm/core';

export const MESSAGE_STATES = ['pending', 'done', 'dead'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/**
 * A webhook as it arrived, written before it was acknowledged; processed afterwards. (receiver, dedupKey) is
 * unique: a repeated delivery adds nothing. `nextAttemptAt` is also the claim: a worker that takes a message
 * moves it forward by its lease, so a worker that dies leaves the message to be taken again.
 */
export const InboxMessageRow = defineEntity({
  name: 'InboxMessageRow',
  tableName: 'order_inbox',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    receiver: p.string(),
    system: p.string(),
    kind: p.string(),
    dedupKey: p.string(),
    accountRef: p.string().nullable(),
    orderRef: p.string().nullable(),
    payload: p.json<Record<string, unknown>>().nullable(),
    body: p.text(),
    receivedAt: p.datetime().index(),
    state: p.string(),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    lastError: p.text().nullable(),
    processedAt: p.datetime().nullable(),
    /** The delivery's correlation id: its processing runs under it. */
    correlationId: p.string().length(64).nullable(),
  },
  uniques: [{ properties: ['receiver', 'dedupKey'] }],
  indexes: [{ properties: ['state', 'nextAttemptAt'] }],
});

/** A call out that must happen once (an OMS order, a status, tracking back to the channel), decided with the order. */
export const OutboxMessageRow = defineEntity({
  name: 'OutboxMessageRow',
  tableName: 'order_outbox',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    orderId: p.bigint('number'),
    /** 'oms.create', 'oms.status', 'channel.ship'. */
    kind: p.string(),
    /** What distinguishes two messages of one kind for one order (the status sent); '' when there is one. */
    ref: p.string(),
    state: p.string(),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    lastError: p.text().nullable(),
    createdAt: p.datetime(),
    doneAt: p.datetime().nullable(),
    /** The id of the work that decided the call: sending it runs under it. */
    correlationId: p.string().length(64).nullable(),
  },
  uniques: [{ properties: ['orderId', 'kind', 'ref'] }],
  indexes: [{ properties: ['state', 'nextAttemptAt'] }],
});
