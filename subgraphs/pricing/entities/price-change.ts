import { defineEntity, p } from '@mikro-orm/core';

export const PRICE_CHANGE_STATUSES = ['PENDING', 'APPLIED', 'FAILED', 'HELD', 'APPROVED', 'SUPERSEDED'] as const;
export type PriceChangeStatus = (typeof PRICE_CHANGE_STATUSES)[number];

/**
 * One price change a run made or would make: the ledger (PENDING before the call, APPLIED or FAILED after) and the
 * price history (the APPLIED ones). A change outside the guardrails is HELD, not sent, until a manager approves it
 * (then APPROVED, and sent as an APPLIED change of an approval run) or a later run supersedes it.
 */
export const PriceChange = defineEntity({
  name: 'PriceChange',
  tableName: 'price_change',
  indexes: [{ properties: ['sku', 'country', 'at'] }, { properties: ['runId'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    runId: p.integer(),
    sku: p.string(),
    channel: p.string(),
    country: p.string(),
    currency: p.string(),
    /** Minor units; null when the shop had no price Tsunagi could read. */
    before: p.bigint('number').nullable(),
    after: p.bigint('number'),
    reason: p.text(),
    status: p.enum(PRICE_CHANGE_STATUSES).index(),
    /** Why it was held (the guardrail it crosses). */
    heldReason: p.text().nullable(),
    approvedBy: p.string().nullable(),
    approvedAt: p.datetime().nullable(),
    error: p.text().nullable(),
    at: p.datetime(),
  },
});
