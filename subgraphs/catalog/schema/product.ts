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
@ObjectType({ description: 'A product, identified by its Amazon SKU.' })
export class Product {
  @Field({ description: 'The Amazon seller SKU (amazon_sku in the SKU master).' })
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
}

export function toProduct(m: SkuMappingRecord): Product {
  const listings: Listing[] = Object.entries(m.listings).map(([channel, code]) => ({ channel, code }));
  return { sku: m.amazonSku, nameJa: null, nameEn: null, listings, active: m.isActive, importedAt: m.importedAt };
}
