import { GraphQLError } from 'graphql';
import {
  Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData,
} from 'type-graphql';
import { formatShare, type AllocationTier as Tier } from '../allocation.js';
import { actorOf, loader, MANAGE, READ, WRITE, type SubgraphContext } from '../../federation.js';
import { InventoryItemsSource, parseInventoryReport } from '../inventory-file.js';
import { formatEventCursor, isAfter, parseEventCursor, type EventCursor } from '../../../platform/events/index.js';
import { TOPICS } from '../events.js';
import type { StockPolicy as Policy } from '../policies.js';
import type { RuleSetView } from '../rules.js';
import type { RunProgressEvent, RunView, StockChangedEvent, SyncReport as Report } from '../service.js';
import type { StoredPolicy } from '../entities/allocation-rule-set.js';
import { busIterator } from './events.js';
import {
  AllocationPreview, AllocationRules, AllocationRuleSet, AllocationTierInput, ChannelStock, Product, RollbackReport,
  SkuAllocationPage, StockChange, StockPolicy, StockPolicyInput, StockSourcePolicy, SyncReport, SyncRunProgress, SyncRunRef,
} from './types.js';

interface StockChangedArgs {
  skus?: string[] | null;
  channels?: string[] | null;
  after?: string | null;
}

function parseEventId(text: string): EventCursor {
  const cursor = parseEventCursor(text);
  if (!cursor) throw new GraphQLError(`after: "${text.slice(0, 40)}" is not a stockChanged eventId`, { extensions: { code: 'BAD_USER_INPUT', argumentName: 'after' } });
  return cursor;
}

/** The most SKUs one stock query may ask for. */
const MAX_SKUS = 1000;
/** The most SKUs one page of the current-inventory preview gives. */
const MAX_PAGE = 200;
/** How often a progress subscription checks the run itself, in case its last event never comes (see below). */
const PROGRESS_CHECK_MS = 5000;

function snapshots(ctx: SubgraphContext, sku: string): Promise<ChannelStock[]> {
  return loader<string, ChannelStock[]>(ctx, 'inventory.stock', async (skus) => {
    const rows = await ctx.services.inventory.stock([...skus]);
    return skus.map((s) => rows.filter((r) => r.sku === s));
  }).load(sku);
}

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
const SOURCE_ARG = { nullable: true, description: 'The stock source (sync.sources); default: the only one, when there is one.' } as const;
/** The source an argument names, or the only one (bad input naming the argument otherwise). */
const sourceOf = (ctx: SubgraphContext, source: string | null | undefined) => ctx.services.inventory.sources.resolve(source).name;
const reportView = (r: Report): SyncReport => ({
  ...r,
  channels: Object.entries(r.channels).map(([channel, s]) => ({ channel, ...s! })),
});

@Resolver(() => Product)
export class ProductStockResolver {
  @FieldResolver(() => [ChannelStock], { description: 'Stock per sales channel as Tsunagi last read or wrote it.' })
  async stock(@Root() product: Product, @Ctx() ctx: SubgraphContext): Promise<ChannelStock[]> {
    const sources = ctx.services.inventory.sources.names;
    return (await snapshots(ctx, product.sku)).filter((s) => !sources.includes(s.channel));
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: "Its stock source's quantity at the last sync (Amazon FBA: fulfillable); null before the first. A SKU several sources report: the first configured.",
  })
  async sourceQuantity(@Root() product: Product, @Ctx() ctx: SubgraphContext): Promise<number | null> {
    const rows = await snapshots(ctx, product.sku);
    for (const source of ctx.services.inventory.sources.names) {
      const found = rows.find((s) => s.channel === source);
      if (found) return found.quantity;
    }
    return null;
  }
}

// @Authorized guards each event's resolve; the subscribe functions check the caller up front as well, since
// type-graphql runs no middleware on subscribe.
@Resolver(() => StockChange)
export class StockChangeResolver {
  @FieldResolver(() => Product, { nullable: true, description: 'The product; null when the SKU is no longer in the catalog.' })
  product(@Root() change: StockChange): Product {
    return { sku: change.sku };
  }

  @Authorized(...READ)
  @Subscription(() => StockChange, {
    description: 'Every applied stock change, optionally only for some SKUs and channels.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, StockChangedArgs, SubgraphContext>) => {
      actorOf(context);
      const skus = args.skus?.length ? new Set<string>(args.skus) : undefined;
      const channels = args.channels?.length ? new Set<string>(args.channels) : undefined;
      const after = args.after == null ? undefined : parseEventId(args.after);
      // One outbox event carries a sent batch of changes; each change becomes its own subscription event, with
      // the id "<outbox id>:<index>". Resuming replays the rest of a batch that was only partly delivered.
      const events = busIterator<StockChangedEvent[], StockChangedEvent & { eventId: string }>(
        context.services.events, TOPICS.stockChanged,
        (batch, meta) => batch
          .map((e, i) => ({ ...e, eventId: formatEventCursor({ id: meta.id, index: i }), skip: after !== undefined && !isAfter({ id: meta.id, index: i }, after) }))
          .filter((e) => !e.skip && (!skus || skus.has(e.sku)) && (!channels || channels.has(e.channel)))
          .map(({ skip: _skip, ...e }) => e),
        { after: after && after.id - 1 },
      );
      // The subscription counts as started once the bus delivers to it: no event after that is missed.
      await events.ready;
      return events;
    },
  })
  stockChanged(
    @Root() event: StockChangedEvent & { eventId: string },
    @Arg('skus', () => [String], { nullable: true }) _skus?: string[] | null,
    @Arg('channels', () => [String], { nullable: true }) _channels?: string[] | null,
    @Arg('after', () => ID, {
      nullable: true,
      description: 'Resume: deliver the changes after this eventId that are still kept (retention), then the live ones.',
    }) _after?: string | null,
  ): StockChange {
    return { ...event, at: new Date(event.at) };
  }

  @Authorized(...READ)
  @Subscription(() => SyncRunProgress, {
    description: "A run's progress until it ends: the last event has phase finished, then the subscription completes. " +
      'A run that has already ended gives that one event.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { runId: number }, SubgraphContext>) => {
      actorOf(context);
      const { inventory } = context.services;
      const ended = (run: RunView): RunProgressEvent => ({ runId: run.id, phase: 'finished', done: run.updates, total: run.updates, status: run.status });
      let check: NodeJS.Timeout | undefined;
      const events = busIterator<RunProgressEvent, RunProgressEvent>(
        context.services.events, TOPICS.runProgress, (e) => (e.runId === args.runId ? [e] : []),
        { last: (e) => e.phase === 'finished', onEnd: () => clearInterval(check) },
      );
      // Listen first, then read the run, so that no event falls between the two.
      await events.ready;
      const run = await inventory.getRun(args.runId);
      if (!run) {
        await events.return!();
        throw new GraphQLError(`there is no sync run ${args.runId}`, { extensions: { code: 'NOT_FOUND' } });
      }
      if (run.status !== 'RUNNING') events.push(ended(run));
      else {
        // The finished event can be missed (listener reconnecting) or never sent (the process running the run
        // died): the run's row says the outcome either way, once a dead run is marked INTERRUPTED.
        check = setInterval(() => {
          void (async () => {
            await inventory.recoverExpired();
            const now = await inventory.getRun(args.runId);
            if (now && now.status !== 'RUNNING') events.push(ended(now));
          })().catch((err) => context.services.logger.warn({ err, runId: args.runId }, 'run progress check failed'));
        }, PROGRESS_CHECK_MS);
        check.unref();
      }
      return events;
    },
  })
  syncRunProgress(@Root() event: RunProgressEvent, @Arg('runId', () => Int) _runId: number): SyncRunProgress {
    return event;
  }
}

@Resolver()
export class InventoryResolver {
  @Authorized(...READ)
  @Query(() => [ChannelStock], { description: "Stock per SKU and channel (a stock source system's name: that source's figure)." })
  async stock(
    @Ctx() ctx: SubgraphContext,
    @Arg('skus', () => [String]) skus: string[],
    @Arg('channels', () => [String], { nullable: true }) channels?: string[] | null,
  ): Promise<ChannelStock[]> {
    if (skus.length > MAX_SKUS) throw new GraphQLError(`at most ${MAX_SKUS} skus per query; got ${skus.length}`, { extensions: { code: 'BAD_USER_INPUT' } });
    return ctx.services.inventory.stock(skus, channels ?? undefined);
  }

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
    return (await ctx.services.inventory.simulate(sourceOf(ctx, source), quantities)).map((p) => ({
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
    const { total, items } = await ctx.services.inventory.simulateCurrentPage({ source: sourceOf(ctx, source), sku: sku ?? undefined, first, offset });
    return { total, items: items.map((i) => ({ sku: i.sku, sourceQuantity: i.sourceQuantity, channels: Object.entries(i.allocations).map(([channel, quantity]) => ({ channel, quantity: quantity ?? null })) })) };
  }

  @Authorized(...WRITE)
  @Mutation(() => SyncReport, { description: "Runs a source's stock sync now (dryRun: report only, send nothing)." })
  async runStockSync(
    @Ctx() ctx: SubgraphContext,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Arg('inventoryFileBase64', () => String, {
      nullable: true, description: 'An FBA inventory report (TSV/CSV, base64) to use as the source instead of the SP-API.',
    }) inventoryFileBase64?: string | null,
    @Arg('source', () => String, SOURCE_ARG) sourceName?: string | null,
  ): Promise<SyncReport> {
    const actor = actorOf(ctx).name;
    const trigger = `graphql:${actor}`;
    const source = sourceOf(ctx, sourceName);
    if (!inventoryFileBase64) return reportView(await ctx.services.inventory.runSync({ source, dryRun, trigger, actor }));
    // Validated in full before the run starts: a bad file is BAD_USER_INPUT and writes no run.
    const items = parseInventoryReport(Buffer.from(inventoryFileBase64, 'base64').toString('utf8'), 'inventory file');
    return reportView(await ctx.services.inventory.runSync({ source, dryRun, trigger, actor, from: new InventoryItemsSource(items, 'upload') }));
  }

  @Authorized(...WRITE)
  @Mutation(() => SyncRunRef, {
    description: 'Starts the stock sync and answers at once with the run, which goes on in the background: follow it with syncRunProgress(runId).',
  })
  async startStockSync(
    @Ctx() ctx: SubgraphContext,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Arg('source', () => String, SOURCE_ARG) source?: string | null,
  ): Promise<SyncRunRef> {
    const actor = actorOf(ctx).name;
    return { id: (await ctx.services.inventory.startSync({ source: sourceOf(ctx, source), dryRun, trigger: `graphql:${actor}`, actor })).id };
  }

  @Authorized(...WRITE)
  @Mutation(() => SyncReport, {
    description: 'Sets one SKU\'s quantity on one channel by hand: a run of its own, ledgered, streamed as stockChanged and undone by rollbackStockSync.',
  })
  async setChannelStock(
    @Ctx() ctx: SubgraphContext,
    @Arg('sku', () => String) sku: string,
    @Arg('channel', () => String) channel: string,
    @Arg('quantity', () => Int) quantity: number,
  ): Promise<SyncReport> {
    return reportView(await ctx.services.inventory.setChannelStock({ sku, channel, quantity, actor: actorOf(ctx).name }));
  }

  @Authorized(...WRITE)
  @Mutation(() => RollbackReport, { description: "Returns a source's channels to their state before its most recent applied run." })
  async rollbackStockSync(
    @Ctx() ctx: SubgraphContext,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Arg('runId', () => Int, { nullable: true, description: "Must be its source's most recent applied run when given; its source is used." }) runId?: number | null,
    @Arg('source', () => String, { nullable: true, description: 'The stock source (sync.sources) when no runId is given; default: the only one.' }) source?: string | null,
  ): Promise<RollbackReport> {
    const actor = actorOf(ctx).name;
    const from = runId == null ? sourceOf(ctx, source) : (source ?? undefined);
    return ctx.services.inventory.rollback({ runId: runId ?? undefined, source: from, dryRun, trigger: `graphql:${actor}`, actor });
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
