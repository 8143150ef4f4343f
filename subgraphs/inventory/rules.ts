// Stock policy changes (tiers, split, shared), per stock source: proposed by an operator, in force for that source
// once a manager (not the proposer) approves. A source's configured policy is in force until one is approved.
import type { Database } from '../../platform/db/index.js';
import { formatShare, parseTiers, type AllocationTier, type TierInput } from './allocation.js';
import type { AuditPort } from '../../platform/audit.js';
import type { Actor } from '../../platform/auth/roles.js';
import { AllocationRuleSet, RULE_STATUSES, type StoredPolicy } from './entities/allocation-rule-set.js';
import { parsePolicy, type StockPolicy } from './policies.js';
import type { InferEntity } from '@mikro-orm/core';
import { InvalidInputError, RuleChangeError } from './errors.js';
import type { SourceSettings } from './sources.js';


export type RuleSetStatus = (typeof RULE_STATUSES)[number];

export interface RuleSetView {
  id: number;
  /** The stock source the policy is for. */
  source: string;
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

export interface PolicyInForce {
  policy: StockPolicy;
  /** The tier table (tiers kind only; empty otherwise). */
  tiers: AllocationTier[];
  /** The approved rule set in force; null: the configured policy. */
  ruleSetId: number | null;
}

export class AllocationRules {
  private readonly sources: Map<string, SourceSettings>;

  constructor(
    private readonly db: Database,
    private readonly auditTrail: AuditPort,
    sources: readonly SourceSettings[],
  ) {
    this.sources = new Map(sources.map((s) => [s.name, s]));
  }

  /** The policy in force for a source: its latest approved rule set, or its configured policy. */
  async current(source: string): Promise<PolicyInForce> {
    const settings = this.settings(source);
    const approved = await this.db.em().findOne(AllocationRuleSet, { source, status: 'APPROVED' }, { orderBy: { id: 'desc' } });
    const policy = approved ? parsePolicy(approved.policy, `rule set ${approved.id}`) : settings.policy;
    return { policy, tiers: policy.kind === 'tiers' ? policy.tiers : [], ruleSetId: approved?.id ?? null };
  }

  /** Proposes a tier table (the manual's kind of policy) for a source. */
  async propose(source: string, tiers: TierInput[], actor: Actor, reason?: string): Promise<RuleSetView> {
    this.settings(source);
    let parsed: AllocationTier[];
    try {
      parsed = parseTiers(tiers);
    } catch (err) {
      throw new RuleChangeError(`invalid tier table: ${(err as Error).message}`);
    }
    return this.proposePolicy(source, { kind: 'tiers', tiers: parsed }, actor, reason);
  }

  /**
   * Proposes a policy of any kind for a source, given as config writes it ({kind: split, weights: {...}} ...).
   * Bad input names its key (`policy.weights.<channel>: ...`); a split weight for a channel the source does not
   * feed is bad input too.
   */
  async proposePolicyInput(source: string, input: unknown, actor: Actor, reason?: string): Promise<RuleSetView> {
    const settings = this.settings(source);
    let policy: StockPolicy;
    try {
      policy = parsePolicy(input, 'policy', settings.channels);
    } catch (err) {
      throw new InvalidInputError('policy', `invalid policy: ${(err as Error).message}`);
    }
    return this.proposePolicy(source, policy, actor, reason);
  }

  private settings(source: string): SourceSettings {
    const found = this.sources.get(source);
    if (!found) throw new InvalidInputError('source', `source: unknown stock source "${source}"; sources: ${[...this.sources.keys()].join(', ')}`);
    return found;
  }

  private async proposePolicy(source: string, policy: StockPolicy, actor: Actor, reason?: string): Promise<RuleSetView> {
    if (actor.role === 'partner') throw new RuleChangeError(`${actor.name} (partner) may not propose allocation rules`);
    const em = this.db.em();
    return em.transactional(async (tx) => {
      const row = tx.create(AllocationRuleSet, {
        source, policy: toStored(policy), status: 'PROPOSED', reason: reason ?? null, proposedBy: actor.name, proposedAt: new Date(),
        decidedBy: null, decidedAt: null,
      });
      await tx.flush();
      await this.auditTrail.audit({ actor: actor.name, action: 'rules.propose', subject: `rule-set:${row.id}`, detail: { source, policy: row.policy, reason } }, tx);
      return view(row);
    });
  }

  /** Approves a proposal; with `source`, only if it is for that source. */
  async approve(id: number, actor: Actor, source?: string): Promise<RuleSetView> {
    return this.decide(id, actor, 'APPROVED', { source });
  }

  async reject(id: number, actor: Actor, reason?: string, source?: string): Promise<RuleSetView> {
    return this.decide(id, actor, 'REJECTED', { reason, source });
  }

  /** Rule sets, newest first; only one source's, or only those in one status, when asked. */
  async list(opts: { limit?: number; source?: string; status?: RuleSetStatus } = {}): Promise<RuleSetView[]> {
    const where = { ...(opts.source ? { source: opts.source } : {}), ...(opts.status ? { status: opts.status } : {}) };
    const rows = await this.db.em().find(AllocationRuleSet, where, { orderBy: { id: 'desc' }, limit: opts.limit ?? 20 });
    return rows.map(view);
  }

  private async decide(id: number, actor: Actor, status: 'APPROVED' | 'REJECTED', { reason, source }: { reason?: string; source?: string }): Promise<RuleSetView> {
    if (actor.role !== 'manager' && actor.role !== 'admin') {
      throw new RuleChangeError(`${actor.name} has role ${actor.role}; approving or rejecting allocation rules needs the manager role`);
    }
    return this.db.em().transactional(async (tx) => {
      const row = await tx.findOne(AllocationRuleSet, { id }, { lockMode: 4 /* pessimistic write */ });
      if (!row) throw new RuleChangeError(`rule set ${id} does not exist`);
      if (source !== undefined && row.source !== source) throw new InvalidInputError('source', `source: rule set ${id} is for ${row.source}, not ${source}`);
      if (row.status !== 'PROPOSED') throw new RuleChangeError(`rule set ${id} is ${row.status}, not PROPOSED`);
      if (row.proposedBy === actor.name) throw new RuleChangeError(`${actor.name} proposed rule set ${id} and may not decide on it`);
      if (status === 'APPROVED') {
        await tx.nativeUpdate(AllocationRuleSet, { source: row.source, status: 'APPROVED' }, { status: 'SUPERSEDED' });
      }
      row.status = status;
      row.decidedBy = actor.name;
      row.decidedAt = new Date();
      if (reason) row.reason = reason;
      await tx.flush();
      await this.auditTrail.audit({ actor: actor.name, action: `rules.${status.toLowerCase()}`, subject: `rule-set:${id}`, detail: { source: row.source, policy: row.policy, reason } }, tx);
      return view(row);
    });
  }
}

function view(row: InferEntity<typeof AllocationRuleSet>): RuleSetView {
  return {
    id: row.id, source: row.source, status: row.status, tiers: row.policy.kind === 'tiers' ? row.policy.tiers : [], policy: row.policy, reason: row.reason ?? null, proposedBy: row.proposedBy,
    proposedAt: row.proposedAt, decidedBy: row.decidedBy ?? null, decidedAt: row.decidedAt ?? null,
  };
}
