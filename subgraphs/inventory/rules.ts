// Stock policy changes (tiers, split, shared): proposed by an operator, in force once a manager (not the proposer)
// approves. The configured policy is in force until a rule set is approved.
import type { Database } from '../../platform/db/index.js';
import { formatShare, parseTiers, type AllocationTier, type TierInput } from '../../platform/config/tiers.js';
import type { AuditPort } from '../../platform/audit.js';
import { AllocationRuleSet, type StoredPolicy } from './entities/allocation-rule-set.js';
import { parsePolicy, type StockPolicy } from './policies.js';
import type { InferEntity } from '@mikro-orm/core';
import { RuleChangeError } from './errors.js';

export type Role = 'operator' | 'manager' | 'admin' | 'partner';
export const ROLES: readonly Role[] = ['operator', 'manager', 'admin', 'partner'];
export interface Actor {
  name: string;
  role: Role;
}

export interface RuleSetView {
  id: number;
  status: string;
  /** The proposed tier table; empty when the policy is of another kind. */
  tiers: TierInput[];
  policy: StoredPolicy;
  reason: string | null;
  proposedBy: string;
  proposedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
}

const toStored = (policy: StockPolicy): StoredPolicy =>
  policy.kind === 'tiers'
    ? { kind: 'tiers', tiers: policy.tiers.map((t) => ({ min: t.min, ...(t.max !== undefined ? { max: t.max } : {}), share: formatShare(t) })) }
    : policy;

export class AllocationRules {
  constructor(
    private readonly db: Database,
    private readonly auditTrail: AuditPort,
    private readonly configPolicy: StockPolicy,
  ) {}

  /** The policy in force: the latest approved rule set, or the configured one. `tiers` is its table (tiers kind only). */
  async current(): Promise<{ policy: StockPolicy; tiers: AllocationTier[]; ruleSetId: number | null }> {
    const approved = await this.db.em().findOne(AllocationRuleSet, { status: 'APPROVED' }, { orderBy: { id: 'desc' } });
    const policy = approved ? parsePolicy(approved.policy, `rule set ${approved.id}`) : this.configPolicy;
    return { policy, tiers: policy.kind === 'tiers' ? policy.tiers : [], ruleSetId: approved?.id ?? null };
  }

  /** Proposes a tier table (the manual's kind of policy). */
  async propose(tiers: TierInput[], actor: Actor, reason?: string): Promise<RuleSetView> {
    let parsed: AllocationTier[];
    try {
      parsed = parseTiers(tiers);
    } catch (err) {
      throw new RuleChangeError(`invalid tier table: ${(err as Error).message}`);
    }
    return this.proposePolicy({ kind: 'tiers', tiers: parsed }, actor, reason);
  }

  /** Proposes a policy of any kind, given as config writes it ({kind: split, weights: {...}} ...). */
  async proposePolicyInput(input: unknown, actor: Actor, reason?: string): Promise<RuleSetView> {
    let policy: StockPolicy;
    try {
      policy = parsePolicy(input, 'policy');
    } catch (err) {
      throw new RuleChangeError(`invalid policy: ${(err as Error).message}`);
    }
    return this.proposePolicy(policy, actor, reason);
  }

  private async proposePolicy(policy: StockPolicy, actor: Actor, reason?: string): Promise<RuleSetView> {
    if (actor.role === 'partner') throw new RuleChangeError(`${actor.name} (partner) may not propose allocation rules`);
    const em = this.db.em();
    return em.transactional(async (tx) => {
      const row = tx.create(AllocationRuleSet, {
        policy: toStored(policy), status: 'PROPOSED', reason: reason ?? null, proposedBy: actor.name, proposedAt: new Date(),
        decidedBy: null, decidedAt: null,
      });
      await tx.flush();
      await this.auditTrail.audit({ actor: actor.name, action: 'rules.propose', subject: `rule-set:${row.id}`, detail: { policy: row.policy, reason } }, tx);
      return view(row);
    });
  }

  async approve(id: number, actor: Actor): Promise<RuleSetView> {
    return this.decide(id, actor, 'APPROVED');
  }

  async reject(id: number, actor: Actor, reason?: string): Promise<RuleSetView> {
    return this.decide(id, actor, 'REJECTED', reason);
  }

  async list(limit = 20): Promise<RuleSetView[]> {
    const rows = await this.db.em().find(AllocationRuleSet, {}, { orderBy: { id: 'desc' }, limit });
    return rows.map(view);
  }

  private async decide(id: number, actor: Actor, status: 'APPROVED' | 'REJECTED', reason?: string): Promise<RuleSetView> {
    if (actor.role !== 'manager' && actor.role !== 'admin') {
      throw new RuleChangeError(`${actor.name} has role ${actor.role}; approving or rejecting allocation rules needs the manager role`);
    }
    return this.db.em().transactional(async (tx) => {
      const row = await tx.findOne(AllocationRuleSet, { id }, { lockMode: 4 /* pessimistic write */ });
      if (!row) throw new RuleChangeError(`rule set ${id} does not exist`);
      if (row.status !== 'PROPOSED') throw new RuleChangeError(`rule set ${id} is ${row.status}, not PROPOSED`);
      if (row.proposedBy === actor.name) throw new RuleChangeError(`${actor.name} proposed rule set ${id} and may not decide on it`);
      if (status === 'APPROVED') {
        await tx.nativeUpdate(AllocationRuleSet, { status: 'APPROVED' }, { status: 'SUPERSEDED' });
      }
      row.status = status;
      row.decidedBy = actor.name;
      row.decidedAt = new Date();
      if (reason) row.reason = reason;
      await tx.flush();
      await this.auditTrail.audit({ actor: actor.name, action: `rules.${status.toLowerCase()}`, subject: `rule-set:${id}`, detail: { policy: row.policy, reason } }, tx);
      return view(row);
    });
  }
}

function view(row: InferEntity<typeof AllocationRuleSet>): RuleSetView {
  return {
    id: row.id, status: row.status, tiers: row.policy.kind === 'tiers' ? row.policy.tiers : [], policy: row.policy, reason: row.reason ?? null, proposedBy: row.proposedBy,
    proposedAt: row.proposedAt, decidedBy: row.decidedBy ?? null, decidedAt: row.decidedAt ?? null,
  };
}
