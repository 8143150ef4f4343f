// Stock as GraphQL serves it: per product and channel (batched), by query, and live: stockChanged (resumable by
// eventId) and a run's syncRunProgress.
import { GraphQLError } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { formatEventCursor, isAfter, parseEventCursor, type EventCursor } from '../../../platform/events/index.js';
import { actorOf, loader, READ, type SubgraphContext } from '../../federation.js';
import { TOPICS } from '../events.js';
import type { RunProgressEvent, RunView, StockChangedEvent } from '../service.js';
import { busIterator } from './events.js';
import { ChannelStock, Product, StockChange, SyncRunProgress } from './types.js';

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
/** How often a progress subscription checks the run itself, in case its last event never comes (see below). */
const PROGRESS_CHECK_MS = 5000;

function snapshots(ctx: SubgraphContext, sku: string): Promise<ChannelStock[]> {
  return loader<string, ChannelStock[]>(ctx, 'inventory.stock', async (skus) => {
    const rows = await ctx.services.inventory.history.stock([...skus]);
    return skus.map((s) => rows.filter((r) => r.sku === s));
  }).load(sku);
}

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
      const run = await inventory.history.getRun(args.runId);
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
            await inventory.runs.recoverExpired();
            const now = await inventory.history.getRun(args.runId);
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
export class StockQueryResolver {
  @Authorized(...READ)
  @Query(() => [ChannelStock], { description: "Stock per SKU and channel (a stock source system's name: that source's figure)." })
  async stock(
    @Ctx() ctx: SubgraphContext,
    @Arg('skus', () => [String]) skus: string[],
    @Arg('channels', () => [String], { nullable: true }) channels?: string[] | null,
  ): Promise<ChannelStock[]> {
    if (skus.length > MAX_SKUS) throw new GraphQLError(`at most ${MAX_SKUS} skus per query; got ${skus.length}`, { extensions: { code: 'BAD_USER_INPUT' } });
    return ctx.services.inventory.history.stock(skus, channels ?? undefined);
  }
}
