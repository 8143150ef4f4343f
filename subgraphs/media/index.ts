// The media subgraph: adds each market's images to Product.
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../federation.js';
import { Product, ImageResolver } from './schema/image.js';

export function buildMediaSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [ImageResolver],
    // Product is reached only through federation here, never from a root field.
    orphanedTypes: [Product],
    referenceResolvers: { Product: { __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }) } },
  });
}
