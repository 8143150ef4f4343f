// Product as catalog owns it: the SKU master row behind each source SKU, with its channel listings, and the
// product master's data about it (names, description, category, attributes, brand, weight, dimensions).
import { GraphQLJSON } from 'graphql-scalars';
import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../federation.js';
import type { MarketCategory as MarketCategoryData, ProductData } from '../products.js';
import type { SkuMappingRecord } from '../service.js';

// Values equal to their names: subgraphs are rebuilt from the printed SDL, which keeps no other internal value.
export enum ProductLanguage {
  JA = 'JA',
  EN = 'EN',
}
registerEnumType(ProductLanguage, { name: 'ProductLanguage', description: 'A language product data is kept in.' });

@ObjectType({ description: "The marketplace's category a market lists the product under (config catalog.categories)." })
export class MarketCategory {
  @Field({ description: 'The market (a shop), e.g. shopee:SG.' })
  channel!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code.' })
  country!: string;

  @Field(() => Int)
  categoryId!: number;
}

@ObjectType({ description: "The product master's category of the product." })
export class ProductCategory {
  @Field({ description: "The PIM's category code." })
  code!: string;

  @Field(() => [MarketCategory], { description: 'Where each market lists it; empty when the category table does not map the code.' })
  markets!: MarketCategory[];
}

@ObjectType({ description: 'An attribute the product master holds beyond the named fields (colour, material ...).' })
export class ProductAttribute {
  @Field({ description: "The PIM's attribute code." })
  code!: string;

  @Field(() => GraphQLJSON, { description: 'Its value as the PIM gives it; per locale/channel as an object when it varies.' })
  value!: unknown;
}

@ObjectType({ description: 'Package dimensions.' })
export class Dimensions {
  @Field(() => Int)
  lengthMm!: number;

  @Field(() => Int)
  widthMm!: number;

  @Field(() => Int)
  heightMm!: number;
}

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

  @Field(() => String, { nullable: true, description: 'Japanese product name, from the product master; null until it is imported.' })
  nameJa!: string | null;

  @Field(() => String, { nullable: true, description: 'English product name, from the product master; null until it is imported.' })
  nameEn!: string | null;

  /** Descriptions by language, served by the description(language) field. */
  descriptions!: { ja: string | null; en: string | null } | null;

  @Field(() => String, { nullable: true })
  brand!: string | null;

  @Field(() => ProductCategory, { nullable: true })
  category!: ProductCategory | null;

  @Field(() => [ProductAttribute], { description: "The product master's other attributes, by code." })
  attributes!: ProductAttribute[];

  @Field(() => [String], { description: "The product master's image references (the DAM's asset codes), in display order." })
  imageReferences!: string[];

  @Field(() => Int, { nullable: true })
  weightGrams!: number | null;

  @Field(() => Dimensions, { nullable: true })
  dimensions!: Dimensions | null;

  @Field(() => Date, { nullable: true, description: 'When the product master last changed the product data; null until it is imported.' })
  updatedAt!: Date | null;

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

/** The SKU master row with the product data, if any; `categories` says where each market lists a category. */
export function toProduct(m: SkuMappingRecord, data: ProductData | undefined, categories: (code: string) => MarketCategoryData[]): Product {
  const listings: Listing[] = Object.entries(m.listings).map(([channel, code]) => ({ channel, code }));
  return {
    sku: m.sku, listings, active: m.isActive, importedAt: m.importedAt,
    nameJa: data?.nameJa ?? null,
    nameEn: data?.nameEn ?? null,
    descriptions: data?.description ?? null,
    brand: data?.brand ?? null,
    category: data?.categoryCode ? { code: data.categoryCode, markets: categories(data.categoryCode) } : null,
    attributes: Object.entries(data?.attributes ?? {}).map(([code, value]) => ({ code, value })),
    imageReferences: data?.imageRefs ?? [],
    weightGrams: data?.weightGrams ?? null,
    dimensions: data?.dimensionsMm ? { lengthMm: data.dimensionsMm.length, widthMm: data.dimensionsMm.width, heightMm: data.dimensionsMm.height } : null,
    updatedAt: data?.updatedAt ?? null,
  };
}
