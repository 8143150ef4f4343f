import { defineEntity, p } from '@mikro-orm/core';

/**
 * A named lease (platform/db/lease.ts): who holds it, until when (database clock). run_id names the stock run that
 * holds "stock-sync"; the table keeps its first name, run_lease.
 */
export const RunLeaseRow = defineEntity({
  name: 'RunLeaseRow',
  tableName: 'run_lease',
  properties: {
    name: p.string().primary(),
    holder: p.string(),
    runId: p.integer().nullable(),
    acquiredAt: p.datetime(),
    heartbeatAt: p.datetime(),
    expiresAt: p.datetime(),
  },
});
