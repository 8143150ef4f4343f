// The inventory subgraph: stock per channel on Product, the sync and rollback mutations, stock policies per source,
// and the live stockChanged / syncRunProgress subscriptions.
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../federation.js';
import { PolicyResolver } from './schema/policies.js';
import { RunResolver } from './schema/runs.js';
import { ProductStockResolver, StockChangeResolver, StockQueryResolver } from './schema/stock.js';

export function buildInventorySubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [StockQueryResolver, PolicyResolver, RunResolver, ProductStockResolver, StockChangeResolver],
    // Stock is looked up per SKU by the field resolvers (batched), so the reference is just the key.
    referenceResolvers: { Product: { __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }) } },
  });
}
