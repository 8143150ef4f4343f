// The pricing subgraph: Product.prices per market, price history, held changes and pricing runs.
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../federation.js';
import { Product, PriceResolver, PricingResolver } from './schema/price.js';

export function buildPricingSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [PriceResolver, PricingResolver],
    // Product is reached only through federation here, never from a root field.
    orphanedTypes: [Product],
    referenceResolvers: { Product: { __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }) } },
  });
}
