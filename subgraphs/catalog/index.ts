// The catalog subgraph: owns Product (the SKU master and its channel listings).
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, type SubgraphContext } from '../federation.js';
import { productBySku, ProductResolver } from './schema/resolvers.js';

export function buildCatalogSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [ProductResolver],
    referenceResolvers: {
      Product: { __resolveReference: (ref: { sku: string }, ctx: SubgraphContext) => productBySku(ctx, ref.sku) },
    },
  });
}
