import { defineEntity, p } from '@mikro-orm/core';

/**
 * Small durable facts a connector keeps between runs and processes (platform/integrations/state.ts): a watermark,
 * a stream's last sequence number, a file already imported. One row per (system, key).
 */
export const IntegrationStateRow = defineEntity({
  name: 'IntegrationStateRow',
  tableName: 'integration_state',
  properties: {
    system: p.string().length(100).primary(),
    key: p.string().length(400).primary(),
    value: p.json<unknown>(),
    updatedAt: p.datetime(),
  },
});
