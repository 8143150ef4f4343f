import { defineEntity, p } from '@mikro-orm/core';

export const RULE_STATUSES = ['PROPOSED', 'APPROVED', 'REJECTED', 'SUPERSEDED'] as const;

/** A proposed or approved allocation tier table; the latest APPROVED one is in force. */
export const AllocationRuleSet = defineEntity({
  name: 'AllocationRuleSet',
  tableName: 'allocation_rule_set',
  properties: {
    id: p.integer().primary().autoincrement(),
    tiers: p.json<{ min: number; max?: number; share: string }[]>(),
    status: p.enum(RULE_STATUSES),
    reason: p.text().nullable(),
    proposedBy: p.string(),
    proposedAt: p.datetime(),
    decidedBy: p.string().nullable(),
    decidedAt: p.datetime().nullable(),
  },
});
