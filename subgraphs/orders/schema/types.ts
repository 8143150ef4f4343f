// GraphQL views of the orders module: Order (with its lines, buyer and history), dead letters, change events.
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../../federation.js';

@ObjectType({ description: 'An amount of money: integer minor units of an ISO 4217 currency.' })
export class OrderMoney {
  @Field(() => Int, { description: 'Minor units (SGD: cents; VND: whole dong).' })
  amount!: number;

  @Field({ description: 'ISO 4217 currency code.' })
  currency!: string;
}

@ObjectType({ description: "The buyer's personal data, kept encrypted and deleted after the retention period; admins only." })
export class Buyer {
  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => String, { nullable: true, description: 'The shipping address as the channel gives it (it may mask parts).' })
  address!: string | null;

  @Field(() => String, { nullable: true })
  postalCode!: string | null;
}

@Directive('@key(fields: "sku", resolvable: false)')
@ObjectType({ description: 'A product (owned by catalog).' })
export class Product {
  @Field()
  sku!: string;
}

@ObjectType({ description: 'One line of an order.' })
export class OrderLine {
  @Field(() => Int)
  lineNo!: number;

  @Field()
  sku!: string;

  @Field(() => String, { nullable: true, description: "The channel's item name." })
  name!: string | null;

  @Field(() => Int)
  quantity!: number;

  @Field(() => OrderMoney)
  unitPrice!: OrderMoney;

  @Field(() => Product, { nullable: true, description: 'The product of this SKU (catalog); null when the catalog has no such SKU.' })
  product!: Product | null;
}

@ObjectType({ description: 'A status an order went through.' })
export class OrderStatusChange {
  @Field()
  status!: string;

  @Field(() => String, { nullable: true, description: "The channel's own status word; null when the OMS said so." })
  channelStatus!: string | null;

  @Field({ description: "The source's time of the change." })
  at!: Date;

  @Field({ description: 'channel or oms.' })
  source!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An order from a sales channel, as Tsunagi recorded it and handed it to the OMS.' })
export class Order {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The channel the order was placed on (e.g. shopee:SG).' })
  channel!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country of the channel.' })
  country!: string;

  @Field({ description: "The channel's order number." })
  orderSn!: string;

  @Field({ description: 'pending_payment, confirmed, shipped, delivered, cancelling, cancelled or returning.' })
  status!: string;

  @Field({ description: "The channel's own status word (e.g. READY_TO_SHIP)." })
  channelStatus!: string;

  @Field()
  placedAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => OrderMoney)
  total!: OrderMoney;

  @Field(() => String, { nullable: true, description: "The OMS's id of the order; null until the OMS has it." })
  omsOrderId!: string | null;

  @Field(() => String, { nullable: true, description: 'The tracking number the OMS shipped it with.' })
  trackingNumber!: string | null;

  @Field(() => String, { nullable: true })
  carrier!: string | null;

  @Field(() => Date, { nullable: true })
  shippedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the channel confirmed it shows the tracking number.' })
  trackingSentAt!: Date | null;
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

@ObjectType({ description: 'A webhook or a call out that failed for good: the operator retries it once the cause is fixed.' })
export class OrderFailure {
  @Field(() => ID, { description: 'inbox:<n> or outbox:<n>.' })
  id!: string;

  @Field({ description: 'order.status, order.tracking, shipment (inbox); oms.create, oms.status, channel.ship (outbox).' })
  kind!: string;

  @Field(() => String, { nullable: true })
  channel!: string | null;

  @Field(() => String, { nullable: true })
  orderSn!: string | null;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field()
  createdAt!: Date;
}

@ObjectType({ description: 'An order was created or changed.' })
export class OrderChange {
  @Field(() => ID, { description: 'Where this event stands in the event stream.' })
  eventId!: string;

  @Field({ description: 'created, status, oms (the OMS has it), shipped, tracking (the channel shows the tracking number).' })
  change!: string;

  @Field()
  channel!: string;

  @Field()
  orderSn!: string;

  @Field()
  status!: string;

  @Field()
  at!: Date;

  @Field(() => Order, { nullable: true, description: 'The order as it is now.' })
  order!: Order | null;
}
