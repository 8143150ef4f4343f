// The reporting subgraph: run history with ledgers (read through the inventory service, which owns the run
// tables), the integration log, the audit trail and system health.
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, type SubgraphContext } from '../federation.js';
import { IntegrationsResolver } from './schema/integrations.js';
import { ReportingResolver, runById, SyncRunResolver } from './schema/resolvers.js';

export function buildReportingSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [SyncRunResolver, ReportingResolver, IntegrationsResolver],
    referenceResolvers: {
      SyncRun: { __resolveReference: (ref: { id: number }, ctx: SubgraphContext) => runById(ctx, ref.id) },
    },
  });
}
