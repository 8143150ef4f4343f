import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { actorOf, loader, READ, WRITE, type SubgraphContext } from '../../federation.js';
import { Product, ProductConnection, SkuImportResult, toProduct } from './product.js';

/** Largest SKU master accepted over GraphQL (decoded bytes). */
const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export function productBySku(ctx: SubgraphContext, sku: string): Promise<Product | null> {
  return loader<string, Product | null>(ctx, 'catalog.product', async (skus) => {
    const found = await ctx.services.catalog.getMappings([...skus]);
    return skus.map((s) => {
      const m = found.get(s);
      return m ? toProduct(m) : null;
    });
  }).load(sku);
}

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
    return {
      edges: page.rows.map((m) => ({ cursor: m.sku, node: toProduct(m) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
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
