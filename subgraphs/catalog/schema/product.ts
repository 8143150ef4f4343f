// Product as catalog owns it: the SKU master row behind each Amazon SKU, with its channel listings.
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../../federation.js';
import type { SkuMappingRecord } from '../service.js';

@ObjectType({ description: 'A listing of the product on a sales channel, from the SKU master.' })
export class Listing {
  @Field({ description: 'yahoo or rakuten.' })
  channel!: string;

  @Field({ description: "The channel's own item code (yahoo_item_code / rakuten_item_number)." })
  code!: string;
}

@Directive('@key(fields: "sku")')
@ObjectType({ description: 'A product, identified by its SKU (the stock source SKU).' })
export class Product {
  @Field({ description: "The source SKU (the SKU master's SKU column; amazon_sku in the manual's master)." })
  sku!: string;

  @Field(() => String, { nullable: true, description: 'Japanese product name. Not stored yet: always null until product data is imported.' })
  nameJa!: string | null;

  @Field(() => String, { nullable: true, description: 'English product name. Not stored yet: always null until product data is imported.' })
  nameEn!: string | null;

  @Field(() => [Listing])
  listings!: Listing[];

  @Field({ description: 'is_active in the SKU master: inactive products are skipped by the stock sync.' })
  active!: boolean;

  @Field({ description: 'When the SKU master row was last imported.' })
  importedAt!: Date;
}

@ObjectType()
export class ProductEdge {
  @Field()
  cursor!: string;

  @Field(() => Product)
  node!: Product;
}

@ObjectType()
export class ProductConnection {
  @Field(() => [ProductEdge])
  edges!: ProductEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'A number of items on one channel.' })
export class ChannelCount {
  @Field()
  channel!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'The outcome of an SKU master import.' })
export class SkuImportResult {
  @Field(() => Int)
  imported!: number;

  @Field(() => Int)
  active!: number;

  @Field(() => Int)
  inactive!: number;

  @Field(() => Int, { description: 'Mappings deleted first because of replace: true.' })
  replaced!: number;

  @Field(() => [ChannelCount], {
    nullable: true,
    description: 'Sandbox mode only (null otherwise): listings the master names that the simulated channels lacked, created at quantity 0.',
  })
  sandboxListingsCreated?: ChannelCount[] | null;
}

export function toProduct(m: SkuMappingRecord): Product {
  const listings: Listing[] = Object.entries(m.listings).map(([channel, code]) => ({ channel, code }));
  return { sku: m.sku, nameJa: null, nameEn: null, listings, active: m.isActive, importedAt: m.importedAt };
}
