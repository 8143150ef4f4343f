// Images are not stored yet (no image table; a later issue connects the DAM). Product.images is real and
// answers truthfully from that state: no images.
import { Directive, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';

@ObjectType({ description: 'A product image from the DAM.' })
export class Image {
  @Field()
  url!: string;

  @Field(() => String, { nullable: true })
  alt!: string | null;

  @Field(() => Int, { description: 'Display order, 0 first.' })
  position!: number;
}

@Directive('@key(fields: "sku")')
@ObjectType()
export class Product {
  @Field()
  sku!: string;
}

@Resolver(() => Product)
export class ImageResolver {
  @FieldResolver(() => [Image], { description: 'Images in display order. Empty: images are not stored yet.' })
  images(@Root() _product: Product): Image[] {
    return [];
  }
}
