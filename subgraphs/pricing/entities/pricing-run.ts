import { defineEntity, p } from '@mikro-orm/core';

export const PRICING_RUN_KINDS = ['PRICING', 'APPROVAL', 'ROLLBACK'] as const;
export type PricingRunKind = (typeof PRICING_RUN_KINDS)[number];
export const PRICING_RUN_STATUSES = ['RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'ROLLED_BACK'] as const;
export type PricingRunStatus = (typeof PRICING_RUN_STATUSES)[number];

/** One pricing run (engine → shops), one approved held change sent, or the rollback of a run. */
export const PricingRun = defineEntity({
  name: 'PricingRun',
  tableName: 'pricing_run',
  properties: {
    id: p.integer().primary().autoincrement(),
    kind: p.enum(PRICING_RUN_KINDS),
    dryRun: p.boolean(),
    status: p.enum(PRICING_RUN_STATUSES).index(),
    trigger: p.string(),
    /** Who started it; null for the scheduler. */
    actor: p.string().nullable(),
    startedAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
    /** The engine's active rules when it ran. */
    rules: p.json<{ id: string; name: string }[]>(),
    computed: p.integer().default(0),
    changes: p.integer().default(0),
    applied: p.integer().default(0),
    failed: p.integer().default(0),
    held: p.integer().default(0),
    unchanged: p.integer().default(0),
    notListed: p.integer().default(0),
    /** The run a ROLLBACK undoes. */
    rollbackOf: p.integer().nullable(),
    /** The ROLLBACK run that undid this one. */
    rolledBackBy: p.integer().nullable(),
    errorSummary: p.text().nullable(),
  },
});
