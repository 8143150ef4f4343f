// Allocation rule changes: proposed by an operator, in force once a manager (not the proposer) approves.
import type { Database } from '../../platform/db/index.js';
import { formatShare, parseTiers, type AllocationTier, type TierInput } from '../../platform/config/tiers.js';
import type { AuditPort } from '../../platform/audit.js';
import { AllocationRuleSet } from './entities/allocation-rule-set.js';
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
  tiers: TierInput[];
  reason: string | null;
  proposedBy: string;
  proposedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
}

const toInput = (tiers: AllocationTier[]): StoredTier[] =>
  tiers.map((t) => ({ min: t.min, ...(t.max !== undefined ? { max: t.max } : {}), share: formatShare(t) }));

type StoredTier = { min: number; max?: number; share: string };

export class AllocationRules {
  constructor(
    private readonly db: Database,
    private readonly auditTrail: AuditPort,
    private readonly configTiers: AllocationTier[],
  ) {}

  /** The tiers in force: the latest approved rule set, or the configured default. */
  async current(): Promise<{ tiers: AllocationTier[]; ruleSetId: number | null }> {
    const approved = await this.db.em().findOne(AllocationRuleSet, { status: 'APPROVED' }, { orderBy: { id: 'desc' } });
    if (!approved) return { tiers: this.configTiers, ruleSetId: null };
    return { tiers: parseTiers(approved.tiers), ruleSetId: approved.id };
  }

  async propose(tiers: TierInput[], actor: Actor, reason?: string): Promise<RuleSetView> {
    if (actor.role === 'partner') throw new RuleChangeError(`${actor.name} (partner) may not propose allocation rules`);
    let parsed: AllocationTier[];
    try {
      parsed = parseTiers(tiers);
    } catch (err) {
      throw new RuleChangeError(`invalid tier table: ${(err as Error).message}`);
    }
    const em = this.db.em();
    return em.transactional(async (tx) => {
      const row = tx.create(AllocationRuleSet, {
        tiers: toInput(parsed), status: 'PROPOSED', reason: reason ?? null, proposedBy: actor.name, proposedAt: new Date(),
        decidedBy: null, decidedAt: null,
      });
      await tx.flush();
      await this.auditTrail.audit({ actor: actor.name, action: 'rules.propose', subject: `rule-set:${row.id}`, detail: { tiers: row.tiers, reason } }, tx);
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
      await this.auditTrail.audit({ actor: actor.name, action: `rules.${status.toLowerCase()}`, subject: `rule-set:${id}`, detail: { tiers: row.tiers, reason } }, tx);
      return view(row);
    });
  }
}

function view(row: InferEntity<typeof AllocationRuleSet>): RuleSetView {
  return {
    id: row.id, status: row.status, tiers: row.tiers, reason: row.reason ?? null, proposedBy: row.proposedBy,
    proposedAt: row.proposedAt, decidedBy: row.decidedBy ?? null, decidedAt: row.decidedAt ?? null,
  };
}
