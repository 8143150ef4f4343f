// The one way a type-graphql schema becomes a Federation 2 subgraph, plus what every subgraph's resolvers share:
// the request context (caller and per-request DataLoaders), role checks and error codes.
import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import DataLoader from 'dataloader';
import {
  GraphQLError, Kind, parse, printSchema, isInputObjectType, isInterfaceType, isObjectType,
  type DirectiveNode, type DocumentNode, type GraphQLDirective, type GraphQLSchema,
} from 'graphql';
import {
  buildSchema, createResolversMap, Directive, Field, ObjectType,
  type AuthChecker, type BuildSchemaOptions, type PubSub,
} from 'type-graphql';
import type { AppContext } from '../app/context.js';
import { scheduledJobs, type ScheduledJob } from '../jobs/schedules.js';
import { AppError, type ErrorCode } from '../platform/errors.js';
import { ROLES, type Actor, type Role } from '../platform/auth/roles.js';

export type { Actor, Role };

/**
 * What resolvers may use: the modules' services and what the health query reads; not the database, the config or
 * the rest of the app, so that no resolver runs SQL or reaches past the module that owns the data.
 */
export interface ResolverServices extends Pick<AppContext, 'inventory' | 'catalog' | 'products' | 'pricing' | 'media' | 'orders' | 'reporting' | 'events' | 'logger' | 'healthChecks' | 'hub' | 'systemHealth'> {
  /** One database round trip (the health query). */
  pingDatabase(): Promise<void>;
  /** The scheduled jobs as configured. */
  schedules(): ScheduledJob[];
}

export function resolverServices(app: AppContext): ResolverServices {
  const { inventory, catalog, products, pricing, media, orders, reporting, events, logger, hub, systemHealth } = app;
  return {
    inventory, catalog, products, pricing, media, orders, reporting, events, logger, hub, systemHealth,
    healthChecks: () => app.healthChecks(),
    pingDatabase: () => app.db.ping(),
    schedules: () => scheduledJobs(app.config),
  };
}

/** What a subgraph resolver sees: the services it may call, the authenticated caller, per-request loaders. */
export interface SubgraphContext {
  services: ResolverServices;
  user: Actor | null;
  loaders: Map<string, DataLoader<unknown, unknown>>;
}

export { ROLES };
/** Any authenticated caller; partners included (they read). */
export const READ = [...ROLES];
/** Roles that may change state; partners read only. */
export const WRITE: Role[] = ['operator', 'manager', 'admin'];
/** Internal views (audit trail, integration log) are for staff, not partners. */
export const STAFF = WRITE;
export const MANAGE: Role[] = ['manager', 'admin'];

const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

/** One DataLoader per name and request, so each entity type costs one query per request. */
export function loader<K, V>(ctx: SubgraphContext, name: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  let found = ctx.loaders.get(name) as DataLoader<K, V> | undefined;
  if (!found) {
    found = new DataLoader<K, V>(batch);
    ctx.loaders.set(name, found as DataLoader<unknown, unknown>);
  }
  return found;
}

export function actorOf(ctx: SubgraphContext): Actor {
  if (!ctx.user) throw new GraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
  return ctx.user;
}

/** type-graphql's @Authorized check, failing with FORBIDDEN (the code partners and frontends rely on). */
export const authChecker: AuthChecker<SubgraphContext, Role> = ({ context }, roles) => {
  const user = actorOf(context);
  if (roles.length === 0 || roles.includes(user.role)) return true;
  throw new GraphQLError(`role ${user.role} may not do this; it needs ${roles.join(' or ')}`, { extensions: { code: 'FORBIDDEN' } });
};

/**
 * The one mapping from the codes of errors raised on purpose (platform/errors.ts) to GraphQL's extensions.code:
 * their messages are meant for the caller and kept. UPSTREAM_FAILED is left out on purpose: an upstream's
 * message may name its addresses or answers, so it stays "internal error" (or SUBGRAPH_UNAVAILABLE) for clients.
 */
const GRAPHQL_CODES: Partial<Record<ErrorCode, string>> = {
  USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  REFUSED: 'SYNC_REFUSED',
  RULE_CHANGE_REFUSED: 'RULE_CHANGE_REFUSED',
};

/** The GraphQL error an AppError becomes (with the details a client can act on); other errors pass unchanged. */
export function graphqlError(err: unknown): unknown {
  const code = err instanceof AppError ? GRAPHQL_CODES[err.code] : undefined;
  if (!code) return err;
  const detail = {
    ...('errors' in (err as object) ? { errors: (err as { errors: unknown }).errors } : {}),
    ...('totalErrors' in (err as object) ? { totalErrors: (err as { totalErrors: unknown }).totalErrors } : {}),
    // The argument at fault, under the name graphql-js gives it in its own argument errors.
    ...('argument' in (err as object) ? { argumentName: (err as { argument: string }).argument } : {}),
  };
  return new GraphQLError((err as Error).message, { extensions: { code, ...detail } });
}

/**
 * Gives the services' refusals their codes. A plain wrapper rather than a type-graphql global middleware: those
 * run on every field, plain properties included, and turn each into a chain of promises.
 */
function withErrorCodes(resolve: (...args: unknown[]) => unknown) {
  return (...args: unknown[]) => {
    try {
      const result = resolve(...args);
      return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(graphqlError(err))) : result;
    } catch (err) {
      throw graphqlError(err);
    }
  };
}

function withErrorCodesAll(resolvers: Record<string, object>): Record<string, object> {
  return Object.fromEntries(
    Object.entries(resolvers).map(([type, fields]) => {
      if (!fields || typeof fields !== 'object' || fields.constructor !== Object) return [type, fields];
      return [type, Object.fromEntries(Object.entries(fields).map(([name, f]) => {
        if (typeof f === 'function') return [name, withErrorCodes(f as (...args: unknown[]) => unknown)];
        if (f && typeof f === 'object' && 'resolve' in f && typeof f.resolve === 'function') return [name, { ...f, resolve: withErrorCodes(f.resolve as (...args: unknown[]) => unknown) }];
        return [name, f];
      }))];
    }),
  );
}

@Directive('@shareable')
@ObjectType({ description: 'Relay-style page information for cursor connections.' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;
}

/**
 * type-graphql insists on a PubSub whenever a schema has subscriptions. Ours read the app's event bus in their
 * own `subscribe` functions, so topic-based subscriptions are refused rather than silently never firing.
 */
const noTopicPubSub: PubSub = {
  publish() {
    throw new Error('publish through the app event bus (platform/events), not type-graphql topics');
  },
  subscribe() {
    throw new Error('subscriptions here read the app event bus in their own subscribe function, not type-graphql topics');
  },
};

/** Reference resolvers: `__resolveReference` per entity type name. */
export type ReferenceResolvers = Record<string, { __resolveReference: (ref: never, ctx: SubgraphContext) => unknown }>;

export interface FederatedSchemaOptions {
  resolvers: BuildSchemaOptions['resolvers'];
  orphanedTypes?: BuildSchemaOptions['orphanedTypes'];
  referenceResolvers?: ReferenceResolvers;
  /** The schema's `extend schema @link(...)` header; default: federation 2.7 importing @key and @shareable. */
  link?: string;
  /** Custom directives the types use (defined in the printed SDL). */
  directives?: GraphQLDirective[];
}

/** Builds the type-graphql schema, prints it with its federation directives and turns it into a subgraph schema. */
export async function buildFederatedSchema(opts: FederatedSchemaOptions): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: opts.resolvers,
    orphanedTypes: opts.orphanedTypes,
    directives: opts.directives,
    authChecker,
    validate: false,
    pubSub: noTopicPubSub,
    // Federation directives are declared by buildSubgraphSchema, not here.
    skipCheck: true,
  });
  const resolvers = withErrorCodesAll({ ...createResolversMap(schema) } as Record<string, object>);
  for (const [type, ref] of Object.entries(opts.referenceResolvers ?? {})) resolvers[type] = { ...resolvers[type], ...ref };
  return buildSubgraphSchema({ typeDefs: printWithDirectives(schema, opts.link ?? FEDERATION_LINK), resolvers: resolvers as GraphQLResolverMap<unknown> });
}

/**
 * graphql's printSchema drops directives applied in code; type-graphql keeps them on each type's and field's
 * astNode. Print, parse, and put them back (the job printSchemaWithDirectives does in graphql-tools).
 */
function printWithDirectives(schema: GraphQLSchema, link: string): DocumentNode {
  const doc = parse(`${link}\n${printSchema(schema)}`);
  const withDirectives = <T extends { directives?: readonly DirectiveNode[] }>(node: T, extra?: readonly DirectiveNode[]): T =>
    extra?.length ? { ...node, directives: [...(node.directives ?? []), ...extra] } : node;
  return {
    ...doc,
    definitions: doc.definitions.map((def) => {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION && def.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION) {
        return def;
      }
      const type = schema.getType(def.name.value);
      if (!(isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))) return def;
      const fields = type.getFields();
      return withDirectives(
        {
          ...def,
          fields: def.fields?.map((f) => withDirectives(f, fields[f.name.value]?.astNode?.directives)),
        } as typeof def,
        type.astNode?.directives,
      );
    }),
  };
}
