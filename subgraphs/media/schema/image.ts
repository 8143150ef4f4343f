// Product images per market, as the media module made them from the DAM: WebP on a square canvas at the market
// rule's size, served by the hub under /media (or a CDN in front of it).
import { Arg, Ctx, Directive, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { loader, type SubgraphContext } from '../../federation.js';
import type { ImageView } from '../service.js';

@ObjectType({ description: 'A product image from the DAM, made for a market.' })
export class Image {
  @Field({ description: 'Where it is served: the hub’s /media/<content hash>.webp, or the configured CDN.' })
  url!: string;

  @Field(() => String, { nullable: true })
  alt!: string | null;

  @Field(() => Int, { description: 'Display order, 0 first.' })
  position!: number;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;

  @Field({ description: 'The file format (webp).' })
  format!: string;

  @Field(() => Int, { description: 'File size in bytes.' })
  bytes!: number;

  @Field({ description: 'The DAM’s URL of the source image.' })
  sourceUrl!: string;
}

@Directive('@key(fields: "sku")')
@ObjectType()
export class Product {
  @Field()
  sku!: string;
}

@Resolver(() => Product)
export class ImageResolver {
  @FieldResolver(() => [Image], { description: 'Images in display order, as the market of a country takes them (its image rule).' })
  images(
    @Root() product: Product,
    @Ctx() ctx: SubgraphContext,
    @Arg('country', () => String, { description: 'ISO 3166-1 alpha-2 code of a configured market, e.g. SG.' }) country: string,
    @Arg('channel', () => String, { nullable: true, description: 'The market, when a country has several (e.g. shopee:SG).' }) channel?: string | null,
  ): Promise<ImageView[]> {
    const rule = ctx.services.media.ruleFor(country, channel);
    return loader<string, ImageView[]>(ctx, `media.images:${rule}`, async (skus) => {
      const found = await ctx.services.media.images([...skus], rule);
      return skus.map((s) => found.get(s) ?? []);
    }).load(product.sku);
  }
}
