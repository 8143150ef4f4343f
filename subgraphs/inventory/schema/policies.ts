// A source's policy: what is in force, proposals and a manager's decision, and allocation previews by it.
import { GraphQLError } from 'graphql';
import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { actorOf, MANAGE, READ, WRITE, type SubgraphContext } from '../../federation.js';
import { formatShare, type AllocationTier as Tier } from '../allocation.js';
import type { StoredPolicy } from '../entities/allocation-rule-set.js';
import type { StockPolicy as Policy } from '../policies.js';
import type { RuleSetView } from '../rules.js';
import {
  AllocationPreview, AllocationRules, AllocationRuleSet, AllocationTierInput, SkuAllocationPage, StockPolicy, StockPolicyInput, StockSourcePolicy,
} from './policy-types.js';
import { SOURCE_ARG, sourceOf } from './source-arg.js';

/** The most SKUs one page of the current-inventory preview gives. */
const MAX_PAGE = 200;

const tierView = (t: Tier) => ({ min: t.min, max: t.max ?? null, share: formatShare(t) });
/** A policy as GraphQL shows it: every kind's fields, those of other kinds empty. */
const policyView = (p: Policy | StoredPolicy): StockPolicy => ({
  kind: p.kind,
  tiers: p.kind === 'tiers' ? p.tiers.map((t) => ('share' in t ? { min: t.min, max: t.max ?? null, share: String(t.share) } : tierView(t))) : [],
  weights: p.kind === 'split' ? Object.entries(p.weights).map(([channel, weight]) => ({ channel, weight })) : [],
  buffer: p.kind === 'shared' ? p.buffer : null,
});
const ruleSetView = (r: RuleSetView): AllocationRuleSet => ({
  ...r, policy: policyView(r.policy), tiers: r.tiers.map((t) => ({ min: t.min, max: t.max ?? null, share: String(t.share) })),
});
/** A policy input as config writes it ({kind: split, weights: {channel: n}}), for the inventory module to validate. */
const policyInput = (p: StockPolicyInput): Record<string, unknown> => ({
  kind: p.kind,
  ...(p.tiers != null ? { tiers: p.tiers.map((t) => ({ min: t.min, ...(t.max != null ? { max: t.max } : {}), share: t.share })) } : {}),
  ...(p.weights != null ? { weights: Object.fromEntries(p.weights.map((w) => [w.channel, w.weight])) } : {}),
  ...(p.buffer != null ? { buffer: p.buffer } : {}),
});

@Resolver()
export class PolicyResolver {
  @Authorized(...READ)
  @Query(() => AllocationRules, { description: "A source's allocation tiers in force (empty when its policy is of another kind: see stockPolicies)." })
  async allocationRules(@Ctx() ctx: SubgraphContext, @Arg('source', () => String, SOURCE_ARG) source?: string | null): Promise<AllocationRules> {
    const { tiers, ruleSetId } = await ctx.services.inventory.rules.current(sourceOf(ctx, source));
    return { tiers: tiers.map(tierView), ruleSetId };
  }

  @Authorized(...READ)
  @Query(() => [StockSourcePolicy], { description: 'Every stock source with its channels, its policy in force and its pending proposals.' })
  async stockPolicies(@Ctx() ctx: SubgraphContext): Promise<StockSourcePolicy[]> {
    const { inventory } = ctx.services;
    return Promise.all(
      inventory.sources.all.map(async (s) => {
        const current = await inventory.rules.current(s.name);
        const pending = await inventory.rules.list({ source: s.name, status: 'PROPOSED', limit: 50 });
        return { source: s.name, channels: s.channels, policy: policyView(current.policy), ruleSetId: current.ruleSetId, pending: pending.map(ruleSetView) };
      }),
    );
  }

  @Authorized(...WRITE)
  @Query(() => [AllocationRuleSet], { description: 'Rule sets, newest first, with their approval state; one source\'s when `source` is given.' })
  async allocationRuleSets(
    @Ctx() ctx: SubgraphContext,
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
    @Arg('source', () => String, { nullable: true, description: 'Only this stock source\'s rule sets.' }) source?: string | null,
  ): Promise<AllocationRuleSet[]> {
    const only = source == null ? undefined : sourceOf(ctx, source);
    return (await ctx.services.inventory.rules.list({ limit: Math.min(limit, 200), source: only })).map(ruleSetView);
  }

  @Authorized(...READ)
  @Query(() => [AllocationPreview], { description: "What a source's policy in force allocates for these source quantities." })
  async simulateAllocation(
    @Ctx() ctx: SubgraphContext,
    @Arg('quantities', () => [Int]) quantities: number[],
    @Arg('source', () => String, SOURCE_ARG) source?: string | null,
  ): Promise<AllocationPreview[]> {
    if (quantities.some((q) => q < 0)) throw new GraphQLError('quantities must be >= 0', { extensions: { code: 'BAD_USER_INPUT' } });
    return (await ctx.services.inventory.simulation.allocate(sourceOf(ctx, source), quantities)).map((p) => ({
      ...p, tier: p.tier && tierView(p.tier), channels: Object.entries(p.channels).map(([channel, quantity]) => ({ channel, quantity })),
    }));
  }

  @Authorized(...READ)
  @Query(() => SkuAllocationPage, { description: "The allocation preview for a source's current inventory, paged, optionally for SKUs containing `sku`." })
  async simulateInventory(
    @Ctx() ctx: SubgraphContext,
    @Arg('sku', () => String, { nullable: true }) sku?: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset = 0,
    @Arg('source', () => String, SOURCE_ARG) source?: string | null,
  ): Promise<SkuAllocationPage> {
    if (first < 1 || first > MAX_PAGE) throw new GraphQLError(`first must be 1..${MAX_PAGE}; got ${first}`, { extensions: { code: 'BAD_USER_INPUT' } });
    if (offset < 0) throw new GraphQLError(`offset must be >= 0; got ${offset}`, { extensions: { code: 'BAD_USER_INPUT' } });
    const { total, items } = await ctx.services.inventory.simulation.currentPage({ source: sourceOf(ctx, source), sku: sku ?? undefined, first, offset });
    return { total, items: items.map((i) => ({ sku: i.sku, sourceQuantity: i.sourceQuantity, channels: Object.entries(i.allocations).map(([channel, quantity]) => ({ channel, quantity: quantity ?? null })) })) };
  }

  @Authorized(...WRITE)
  @Mutation(() => AllocationRuleSet, { description: "Proposes a tier table for a source; in force once a manager other than the proposer approves." })
  async proposeAllocationRules(
    @Ctx() ctx: SubgraphContext,
    @Arg('tiers', () => [AllocationTierInput]) tiers: AllocationTierInput[],
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
    @Arg('source', () => String, SOURCE_ARG) source?: string | null,
  ): Promise<AllocationRuleSet> {
    const input = tiers.map((t) => ({ min: t.min, ...(t.max != null ? { max: t.max } : {}), share: t.share }));
    return ruleSetView(await ctx.services.inventory.rules.propose(sourceOf(ctx, source), input, actorOf(ctx), reason ?? undefined));
  }

  @Authorized(...WRITE)
  @Mutation(() => AllocationRuleSet, {
    description: 'Proposes a policy of any kind (tiers, split, shared) for a source; in force once a manager other than the proposer approves. ' +
      'Bad input is BAD_USER_INPUT naming the key (policy.weights.<channel>: ...).',
  })
  async proposeStockPolicy(
    @Ctx() ctx: SubgraphContext,
    @Arg('source', () => String, { description: 'The stock source (sync.sources).' }) source: string,
    @Arg('policy', () => StockPolicyInput) policy: StockPolicyInput,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<AllocationRuleSet> {
    return ruleSetView(await ctx.services.inventory.rules.proposePolicyInput(sourceOf(ctx, source), policyInput(policy), actorOf(ctx), reason ?? undefined));
  }

  @Authorized(...MANAGE)
  @Mutation(() => AllocationRuleSet, { description: 'Approves a proposal (manager; not the proposer).' })
  async approveAllocationRules(@Ctx() ctx: SubgraphContext, @Arg('proposalId', () => Int) proposalId: number): Promise<AllocationRuleSet> {
    return ruleSetView(await ctx.services.inventory.rules.approve(proposalId, actorOf(ctx)));
  }

  @Authorized(...MANAGE)
  @Mutation(() => AllocationRuleSet, { description: 'Rejects a proposal (manager; not the proposer).' })
  async rejectAllocationRules(
    @Ctx() ctx: SubgraphContext,
    @Arg('proposalId', () => Int) proposalId: number,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<AllocationRuleSet> {
    return ruleSetView(await ctx.services.inventory.rules.reject(proposalId, actorOf(ctx), reason ?? undefined));
  }
}
