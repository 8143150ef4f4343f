import { defineEntity, p } from '@mikro-orm/core';

/** A policy as stored: tier shares as "n/d" text, as a proposal would write them. */
export type StoredPolicy =
  | { kind: 'tiers'; tiers: { min: number; max?: number; share: string }[] }
  | { kind: 'split'; weights: Record<string, number> }
  | { kind: 'shared'; buffer: number };

export const RULE_STATUSES = ['PROPOSED', 'APPROVED', 'REJECTED', 'SUPERSEDED'] as const;

/** A proposed or approved stock policy for one source (see policies.ts); its latest APPROVED one is in force. */
export const AllocationRuleSet = defineEntity({
  name: 'AllocationRuleSet',
  tableName: 'allocation_rule_set',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** The stock source system (sync.sources) the policy is for. */
    source: p.string(),
    policy: p.json<StoredPolicy>(),
    status: p.enum(RULE_STATUSES),
    reason: p.text().nullable(),
    proposedBy: p.string(),
    proposedAt: p.datetime(),
    decidedBy: p.string().nullable(),
    decidedAt: p.datetime().nullable(),
  },
});
