// The integrations registry as the API serves it: the configured systems, the integration log page by page, and
// one operation run on request (operator or above), the same call as `tsunagi integrations run`.
import { GraphQLError } from 'graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { actorOf, PageInfo, STAFF, WRITE, type SubgraphContext } from '../../federation.js';
import { ComponentHealth, IntegrationCall } from './types.js';

const MAX_PAGE = 500;

@ObjectType()
export class IntegrationOperation {
  @Field()
  name!: string;

  @Field()
  description!: string;

  @Field({ description: 'True when a real run changes something outside (stock in a mall, a message sent).' })
  changes!: boolean;

  @Field(() => String, { nullable: true, description: 'Cron (in the configured timezone) from sync_schedule; null when only run on request.' })
  schedule!: string | null;
}

@ObjectType()
export class IntegrationLastRun {
  @Field()
  at!: Date;

  @Field()
  operation!: string;

  @Field()
  ok!: boolean;

  @Field()
  dryRun!: boolean;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType({ description: 'An external system of config/integrations.yaml.' })
export class Integration {
  @Field()
  name!: string;

  @Field({ description: 'The connector (connectors/<id>) that serves it.' })
  connector!: string;

  @Field()
  type!: string;

  @Field()
  authType!: string;

  @Field(() => [String], { description: 'The domain interfaces its connector implements (StockSource, StockTarget, Notifier, ...).' })
  implements!: string[];

  @Field(() => [IntegrationOperation])
  operations!: IntegrationOperation[];

  @Field(() => ComponentHealth, { description: 'Reachability, auth and credential expiry.' })
  health!: ComponentHealth;

  @Field(() => IntegrationLastRun, { nullable: true })
  lastRun!: IntegrationLastRun | null;
}

@ObjectType()
export class IntegrationLogEdge {
  @Field()
  cursor!: string;

  @Field(() => IntegrationCall)
  node!: IntegrationCall;
}

@ObjectType()
export class IntegrationLogConnection {
  @Field(() => [IntegrationLogEdge])
  edges!: IntegrationLogEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class IntegrationRun {
  @Field()
  system!: string;

  @Field()
  operation!: string;

  @Field()
  dryRun!: boolean;

  @Field()
  ok!: boolean;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => GraphQLJSON, { nullable: true, description: "The operation's output (its shape is the operation's own)." })
  output!: unknown;
}

const STATUSES = ['OK', 'FAILED'] as const;

function badInput(argumentName: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentName } });
}

@Resolver()
export class IntegrationsResolver {
  @Authorized(...STAFF)
  @Query(() => [Integration], { description: 'The configured external systems: operations, schedules, auth, credential expiry, last outcome.' })
  integrations(@Ctx() ctx: SubgraphContext): Promise<Integration[]> {
    return ctx.services.hub.list();
  }

  @Authorized(...STAFF)
  @Query(() => IntegrationLogConnection, { description: 'Operation runs and every external call, newest first.' })
  async integrationLog(
    @Ctx() ctx: SubgraphContext,
    @Arg('system', () => String, { nullable: true }) system?: string | null,
    @Arg('status', () => String, { nullable: true, description: 'OK or FAILED.' }) status?: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<IntegrationLogConnection> {
    if (status != null && !(STATUSES as readonly string[]).includes(status)) throw badInput('status', `status must be one of ${STATUSES.join(', ')}; got "${status}"`);
    if (after != null && !/^[1-9]\d{0,15}$/.test(after)) throw badInput('after', 'after must be a cursor from pageInfo.endCursor');
    const limit = Math.max(1, Math.min(first ?? 50, MAX_PAGE));
    const rows = await ctx.services.reporting.integrationLog({
      system: system ?? undefined, status: status === 'OK' ? 'ok' : status === 'FAILED' ? 'failed' : undefined, before: after ? Number(after) : undefined, limit: limit + 1,
    });
    const edges = rows.slice(0, limit).map((r) => ({ cursor: String(r.id), node: { ...r, status: r.status ?? null, error: r.error ?? null } }));
    return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Authorized(...WRITE)
  @Mutation(() => IntegrationRun, { description: 'Runs one operation of a system now (stock changes are ledgered; recorded in the integration log).' })
  async runIntegration(
    @Ctx() ctx: SubgraphContext,
    @Arg('system', () => String) system: string,
    @Arg('operation', () => String) operation: string,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Arg('input', () => GraphQLJSONObject, { nullable: true, description: "The operation's input, checked by its schema." }) input?: Record<string, unknown> | null,
  ): Promise<IntegrationRun> {
    const actor = actorOf(ctx).name;
    const r = await ctx.services.hub.run({ system, operation, dryRun, input: input ?? {}, trigger: `graphql:${actor}`, actor });
    return { system: r.system, operation: r.operation, dryRun: r.dryRun, ok: r.ok, durationMs: r.durationMs, output: r.output ?? null };
  }
}
