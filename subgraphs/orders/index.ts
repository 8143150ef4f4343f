// The orders subgraph: owns Order. No order data exists yet, so every query answers "none".
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../federation.js';
import { OrderResolver } from './schema/order.js';

export function buildOrdersSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [OrderResolver],
    referenceResolvers: { Order: { __resolveReference: () => null } },
  });
}
