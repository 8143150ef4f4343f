// The inventory subgraph: stock per channel on Product, the sync and rollback mutations, allocation rules,
// and the live stockChanged / syncRunProgress subscriptions.
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../federation.js';
import { InventoryResolver, ProductStockResolver, StockChangeResolver } from './schema/resolvers.js';

export function buildInventorySubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [InventoryResolver, ProductStockResolver, StockChangeResolver],
    // Stock is looked up per SKU by the field resolvers (batched), so the reference is just the key.
    referenceResolvers: { Product: { __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }) } },
  });
}
