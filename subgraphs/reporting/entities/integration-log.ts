import { defineEntity, p } from '@mikro-orm/core';

/** The outcome of one external call, as platform/http records it. */
export const IntegrationLogEntry = defineEntity({
  name: 'IntegrationLogEntry',
  tableName: 'integration_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime().index(),
    system: p.string(),
    operation: p.string(),
    method: p.string(),
    url: p.text(),
    status: p.integer().nullable(),
    ok: p.boolean(),
    attempts: p.integer(),
    durationMs: p.integer(),
    error: p.text().nullable(),
  },
});
