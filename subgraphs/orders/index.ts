// The orders subgraph: owns Order (lines, status history, OMS id, tracking number, the buyer for admins), the
// dead letters of its webhooks and calls out, and the live orderChanged subscription.
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, type SubgraphContext } from '../federation.js';
import { OrderChangeResolver, orderById, OrderResolver } from './schema/resolvers.js';

export function buildOrdersSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [OrderResolver, OrderChangeResolver],
    referenceResolvers: { Order: { __resolveReference: (ref: { id: string }, ctx: SubgraphContext) => (/^\d{1,15}$/.test(ref.id) ? orderById(ctx, Number(ref.id)) : null) } },
  });
}
