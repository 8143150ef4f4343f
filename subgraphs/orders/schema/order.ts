// Orders are not stored yet (no order table exists; a later issue adds order import). The schema is real and
// its queries answer truthfully from that state: no orders.
import { Arg, Authorized, Directive, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { PageInfo, READ } from '../../federation.js';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A marketplace order.' })
export class Order {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The channel the order was placed on.' })
  channel!: string;

  @Field()
  placedAt!: Date;
}

@ObjectType()
export class OrderEdge {
  @Field()
  cursor!: string;

  @Field(() => Order)
  node!: Order;
}

@ObjectType()
export class OrderConnection {
  @Field(() => [OrderEdge])
  edges!: OrderEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@Resolver(() => Order)
export class OrderResolver {
  @Authorized(...READ)
  @Query(() => OrderConnection, { description: 'Orders, newest first. Empty: orders are not imported yet.' })
  orders(
    @Arg('first', () => Int, { defaultValue: 20 }) _first: number,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
  ): OrderConnection {
    return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
  }

  @Authorized(...READ)
  @Query(() => Order, { nullable: true, description: 'Null: orders are not imported yet.' })
  order(@Arg('id', () => ID) _id: string): Order | null {
    return null;
  }
}
