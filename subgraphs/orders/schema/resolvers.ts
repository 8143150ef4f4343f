import { GraphQLError } from 'graphql';
import {
  Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData,
} from 'type-graphql';
import { formatEventCursor } from '../../../platform/events/index.js';
import { loader, READ, STAFF, WRITE, actorOf, type SubgraphContext } from '../../federation.js';
import { busIterator } from '../../inventory/schema/events.js';
import { TOPICS } from '../events.js';
import type { OrderChangedEvent, OrderLineView, OrderView } from '../service.js';
import { orderCursor } from '../services/records.js';
import { Buyer, Order, OrderChange, OrderConnection, OrderFailure, OrderLine, OrderStatusChange } from './types.js';

export const toOrder = (o: OrderView): Order => ({
  id: String(o.id), channel: o.channel, country: o.country, orderSn: o.orderSn, status: o.status, channelStatus: o.channelStatus,
  placedAt: o.placedAt, updatedAt: o.updatedAt, total: { amount: o.totalMinor, currency: o.currency }, omsOrderId: o.omsOrderId,
  trackingNumber: o.trackingNumber, carrier: o.carrier, shippedAt: o.shippedAt, trackingSentAt: o.trackingSentAt,
});

function orderId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new GraphQLError(`id: "${text.slice(0, 40)}" is not an order id`, { extensions: { code: 'BAD_USER_INPUT', argumentName: 'id' } });
  return Number(text);
}

export function orderById(ctx: SubgraphContext, id: number): Promise<Order | null> {
  return loader<number, Order | null>(ctx, 'orders.order', async (ids) => {
    const found = await ctx.services.orders.get([...ids]);
    return ids.map((i) => {
      const o = found.get(i);
      return o ? toOrder(o) : null;
    });
  }).load(id);
}

@Resolver(() => Order)
export class OrderResolver {
  @Authorized(...READ)
  @Query(() => OrderConnection, { description: 'Orders, newest first, optionally on some channels, in one status, placed in [placedFrom, placedTo).' })
  async orders(
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('channel', () => String, { nullable: true }) channel?: string | null,
    @Arg('status', () => String, { nullable: true }) status?: string | null,
    @Arg('placedFrom', () => Date, { nullable: true }) placedFrom?: Date | null,
    @Arg('placedTo', () => Date, { nullable: true }) placedTo?: Date | null,
  ): Promise<OrderConnection> {
    const page = await ctx.services.orders.list({
      first, after, channels: channel ? [channel] : undefined, statuses: status ? [status] : undefined, placedFrom, placedTo,
    });
    return {
      edges: page.orders.map((o) => ({ cursor: orderCursor(o), node: toOrder(o) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @Authorized(...READ)
  @Query(() => Order, { nullable: true, description: 'One order; null when there is none with this id.' })
  order(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<Order | null> {
    return orderById(ctx, orderId(id));
  }

  @FieldResolver(() => [OrderLine])
  async lines(@Root() order: Order, @Ctx() ctx: SubgraphContext): Promise<OrderLine[]> {
    const lines = await loader<number, OrderLineView[]>(ctx, 'orders.lines', async (ids) => {
      const found = await ctx.services.orders.lines([...ids]);
      return ids.map((id) => found.get(id) ?? []);
    }).load(Number(order.id));
    return lines.map((l) => ({
      lineNo: l.lineNo, sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: { amount: l.unitPriceMinor, currency: order.total.currency }, product: { sku: l.sku },
    }));
  }

  @FieldResolver(() => [OrderStatusChange], { description: 'Every status the order went through, oldest first.' })
  history(@Root() order: Order, @Ctx() ctx: SubgraphContext): Promise<OrderStatusChange[]> {
    return ctx.services.orders.history(Number(order.id));
  }

  @Authorized('admin')
  @FieldResolver(() => Buyer, { nullable: true, description: "The buyer's name, phone and address (admin only); null once deleted after retention." })
  async buyer(@Root() order: Order, @Ctx() ctx: SubgraphContext): Promise<Buyer | null> {
    const b = await ctx.services.orders.buyer(Number(order.id));
    return b && { name: b.name ?? null, phone: b.phone ?? null, address: b.address ?? null, postalCode: b.postal_code ?? null };
  }

  @Authorized(...STAFF)
  @Query(() => [OrderFailure], { description: 'Order webhooks and calls out that failed for good (dead letters), newest first.' })
  async orderFailures(@Ctx() ctx: SubgraphContext, @Arg('limit', () => Int, { defaultValue: 50 }) limit: number): Promise<OrderFailure[]> {
    if (limit < 1 || limit > 500) throw new GraphQLError(`limit must be 1..500; got ${limit}`, { extensions: { code: 'BAD_USER_INPUT', argumentName: 'limit' } });
    return ctx.services.orders.deadLetters(limit);
  }

  @Authorized(...WRITE)
  @Mutation(() => Int, { description: 'Puts dead letters (ids from orderFailures) back in their queue with a fresh retry budget; returns how many.' })
  async retryOrderFailures(@Ctx() ctx: SubgraphContext, @Arg('ids', () => [ID]) ids: string[]): Promise<number> {
    const actor = actorOf(ctx).name;
    const n = await ctx.services.orders.retry(ids);
    ctx.services.logger.info({ ids, actor, retried: n }, `order dead letters retried by ${actor}`);
    return n;
  }
}

interface OrderChangedArgs {
  channels?: string[] | null;
}

@Resolver(() => OrderChange)
export class OrderChangeResolver {
  @FieldResolver(() => Order, { nullable: true })
  order(@Root() change: OrderChange & { orderId: number }, @Ctx() ctx: SubgraphContext): Promise<Order | null> {
    return orderById(ctx, change.orderId);
  }

  @Authorized(...READ)
  @Subscription(() => OrderChange, {
    description: 'Every order created or changed, optionally only on some channels.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, OrderChangedArgs, SubgraphContext>) => {
      actorOf(context);
      const channels = args.channels?.length ? new Set(args.channels) : undefined;
      const events = busIterator<OrderChangedEvent, OrderChangedEvent & { eventId: string; at: Date }>(
        context.services.events, TOPICS.orderChanged,
        (e, meta) => (!channels || channels.has(e.channel) ? [{ ...e, eventId: formatEventCursor({ id: meta.id, index: 0 }), at: meta.at }] : []),
      );
      await events.ready;
      return events;
    },
  })
  orderChanged(
    @Root() event: OrderChangedEvent & { eventId: string; at: Date },
    @Arg('channels', () => [String], { nullable: true }) _channels?: string[] | null,
  ): OrderChange & { orderId: number } {
    return { ...event, order: null };
  }
}
