import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { actorOf, loader, READ, WRITE, type SubgraphContext } from '../../federation.js';
import type { SkuMappingRecord } from '../service.js';
import { Product, ProductConnection, ProductLanguage, SkuImportResult, toProduct } from './product.js';

/** Largest SKU master accepted over GraphQL (decoded bytes). */
const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export function productBySku(ctx: SubgraphContext, sku: string): Promise<Product | null> {
  return loader<string, Product | null>(ctx, 'catalog.product', async (skus) => {
    const [found, data] = await Promise.all([ctx.services.catalog.getMappings([...skus]), ctx.services.products.get([...skus])]);
    return skus.map((s) => {
      const m = found.get(s);
      return m ? productOf(ctx, m, data.get(s)) : null;
    });
  }).load(sku);
}

const productOf = (ctx: SubgraphContext, m: SkuMappingRecord, data: Parameters<typeof toProduct>[1]) =>
  toProduct(m, data, (code) => ctx.services.products.marketCategories(code));

@Resolver(() => Product)
export class ProductResolver {
  @Authorized(...READ)
  @Query(() => Product, { nullable: true, description: 'The product with this Amazon SKU; null when the SKU master has no such SKU.' })
  product(@Arg('sku', () => String) sku: string, @Ctx() ctx: SubgraphContext): Promise<Product | null> {
    return productBySku(ctx, sku);
  }

  @Authorized(...READ)
  @Query(() => ProductConnection, { description: 'Every product in the SKU master, in SKU order.' })
  async products(
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<ProductConnection> {
    const page = await ctx.services.catalog.listMappings({ first, after });
    const data = await ctx.services.products.get(page.rows.map((m) => m.sku));
    return {
      edges: page.rows.map((m) => ({ cursor: m.sku, node: productOf(ctx, m, data.get(m.sku)) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @FieldResolver(() => String, { nullable: true, description: "The product master's description in a language; null when it has none." })
  description(
    @Root() product: Product,
    @Arg('language', () => ProductLanguage, { defaultValue: ProductLanguage.JA }) language: ProductLanguage,
  ): string | null {
    return product.descriptions?.[language === ProductLanguage.EN ? 'en' : 'ja'] ?? null;
  }

  @Authorized(...WRITE)
  @Mutation(() => SkuImportResult, {
    description: 'Imports the SKU master (.xlsx, base64). The whole file is validated first; a bad file changes nothing.',
  })
  async importSkuMapping(
    @Ctx() ctx: SubgraphContext,
    @Arg('fileBase64', () => String) fileBase64: string,
    @Arg('replace', () => Boolean, { defaultValue: false, description: 'Delete every existing mapping first.' }) replace: boolean,
    @Arg('fileName', () => String, { nullable: true }) fileName?: string | null,
  ): Promise<SkuImportResult> {
    const file = Buffer.from(fileBase64, 'base64');
    if (file.length === 0) throw new GraphQLError('fileBase64 is empty or not base64', { extensions: { code: 'BAD_USER_INPUT' } });
    if (file.length > MAX_IMPORT_BYTES) {
      throw new GraphQLError(`the file is ${file.length} bytes; at most ${MAX_IMPORT_BYTES} are accepted`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    const r = await ctx.services.catalog.importSkuMaster(file, { replace, actor: actorOf(ctx).name, fileName: fileName ?? undefined });
    const created = r.sandboxListingsCreated && Object.entries(r.sandboxListingsCreated).map(([channel, count]) => ({ channel, count }));
    return { ...r, sandboxListingsCreated: created ?? null };
  }
}
