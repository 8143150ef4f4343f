import { defineEntity, p } from '@mikro-orm/core';

/** Who did what: imports, rule proposals and approvals, rollbacks, manual stock changes. */
export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime().index(),
    actor: p.string(),
    action: p.string(),
    subject: p.string(),
    detail: p.json<Record<string, unknown>>(),
  },
});
