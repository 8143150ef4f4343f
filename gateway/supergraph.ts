// The six subgraphs and their composition into the supergraph. The gateway, the schema drift test and the
// distributed subgraph servers all build the subgraphs from here.
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, printSchema, type GraphQLSchema } from 'graphql';
import { buildCatalogSubgraph } from '../subgraphs/catalog/index.js';
import { buildInventorySubgraph } from '../subgraphs/inventory/index.js';
import { buildMediaSubgraph } from '../subgraphs/media/index.js';
import { buildOrdersSubgraph } from '../subgraphs/orders/index.js';
import { buildPricingSubgraph } from '../subgraphs/pricing/index.js';
import { buildReportingSubgraph } from '../subgraphs/reporting/index.js';

export const SUBGRAPH_NAMES = ['inventory', 'catalog', 'orders', 'pricing', 'media', 'reporting'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const BUILDERS: Record<SubgraphName, () => Promise<GraphQLSchema>> = {
  inventory: buildInventorySubgraph,
  catalog: buildCatalogSubgraph,
  orders: buildOrdersSubgraph,
  pricing: buildPricingSubgraph,
  media: buildMediaSubgraph,
  reporting: buildReportingSubgraph,
};

export interface Subgraph {
  name: SubgraphName;
  schema: GraphQLSchema;
  /** The subgraph SDL with its federation directives, as a gateway would fetch it from `_service`. */
  sdl: string;
}

let built: Promise<Subgraph[]> | undefined;

/** Builds every subgraph schema once per process (type-graphql's metadata is global, the schemas are stateless). */
export function buildSubgraphs(): Promise<Subgraph[]> {
  built ??= Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const schema = await BUILDERS[name]();
      return { name, schema, sdl: printSubgraphSchema(schema) };
    }),
  );
  return built;
}

function compose(subgraphs: Subgraph[], urls: Partial<Record<SubgraphName, string>>) {
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, typeDefs: parse(s.sdl), url: urls[s.name] ?? `in-process://${s.name}` })),
  );
  if (result.errors) throw new Error(`supergraph composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  return result;
}

/** Composes the supergraph; `urls` are recorded in it for the distributed mode. Throws listing every composition error. */
export function composeSupergraph(subgraphs: Subgraph[], urls: Partial<Record<SubgraphName, string>> = {}): string {
  return compose(subgraphs, urls).supergraphSdl;
}

/** The schema clients see (the supergraph without its federation directives and internal types), printed. */
export function printApiSchema(subgraphs: Subgraph[]): string {
  return printSchema(compose(subgraphs, {}).schema.toAPISchema().toGraphQLJSSchema());
}
