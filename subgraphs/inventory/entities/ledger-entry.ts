import { defineEntity, p } from '@mikro-orm/core';

export const LEDGER_RESULTS = ['PENDING', 'APPLIED', 'FAILED'] as const;
export type LedgerResult = (typeof LEDGER_RESULTS)[number];

/**
 * One quantity change a run sent (or would send) to a channel. Written PENDING before the call and settled
 * after it, so a crash leaves the ledger saying exactly which calls may have reached the channel.
 */
export const LedgerEntry = defineEntity({
  name: 'LedgerEntry',
  tableName: 'sync_ledger',
  indexes: [{ properties: ['runId', 'channel', 'sku'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    runId: p.integer(),
    channel: p.string(),
    sku: p.string(),
    code: p.string(),
    before: p.integer().nullable(),
    after: p.integer(),
    result: p.enum(LEDGER_RESULTS),
    error: p.text().nullable(),
    at: p.datetime(),
  },
});
