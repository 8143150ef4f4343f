// The pricing subgraph: adds prices to Product. No price data exists yet, so every answer is empty.
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../federation.js';
import { Product, PriceResolver } from './schema/price.js';

export function buildPricingSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [PriceResolver],
    // Product is reached only through federation here, never from a root field.
    orphanedTypes: [Product],
    referenceResolvers: { Product: { __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }) } },
  });
}
