// Prices are not stored yet (no price table; a later issue connects the pricing engine). Product.prices is
// real and answers truthfully from that state: no prices.
import { Directive, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';

@ObjectType({ description: 'A selling price on one channel in one country.' })
export class Price {
  @Field()
  channel!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code.' })
  country!: string;

  @Field(() => Int, { description: 'Amount in minor units of currency (yen: whole yen; SGD: cents).' })
  amount!: number;

  @Field({ description: 'ISO 4217 currency code.' })
  currency!: string;
}

@Directive('@key(fields: "sku")')
@ObjectType()
export class Product {
  @Field()
  sku!: string;
}

@Resolver(() => Product)
export class PriceResolver {
  @FieldResolver(() => [Price], { description: 'Prices per channel and country. Empty: prices are not stored yet.' })
  prices(@Root() _product: Product): Price[] {
    return [];
  }
}
