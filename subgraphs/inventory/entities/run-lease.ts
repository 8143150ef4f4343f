import { defineEntity, p } from '@mikro-orm/core';

/** The one-run-at-a-time lease (see run-lock.ts): who holds it, for which run, until when (database clock). */
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
