import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { loader, READ, STAFF, type SubgraphContext } from '../../federation.js';
import type { RunView } from '../../inventory/service.js';
import { AuditEntry, ComponentHealth, Health, IntegrationCall, LedgerConnection, SyncRun } from './types.js';

const MAX_LIMIT = 500;
const clamp = (n: number) => Math.max(1, Math.min(n, MAX_LIMIT));

export const runView = (r: RunView): SyncRun => ({
  ...r, channels: Object.entries(r.channels).map(([channel, c]) => ({ channel, ...c })),
});

export function runById(ctx: SubgraphContext, id: number): Promise<SyncRun | null> {
  return loader<number, SyncRun | null>(ctx, 'reporting.run', (ids) =>
    Promise.all(ids.map(async (i) => {
      const run = await ctx.app.inventory.getRun(i);
      return run ? runView(run) : null;
    })),
  ).load(id);
}

@Resolver(() => SyncRun)
export class SyncRunResolver {
  @Authorized(...READ)
  @Query(() => [SyncRun], { description: 'Runs, newest first.' })
  async syncRuns(@Ctx() ctx: SubgraphContext, @Arg('limit', () => Int, { defaultValue: 20 }) limit: number): Promise<SyncRun[]> {
    return (await ctx.app.inventory.listRuns(clamp(limit))).map(runView);
  }

  @Authorized(...READ)
  @Query(() => SyncRun, { nullable: true })
  syncRun(@Ctx() ctx: SubgraphContext, @Arg('id', () => Int) id: number): Promise<SyncRun | null> {
    return runById(ctx, id);
  }

  @FieldResolver(() => LedgerConnection, { description: "The run's ledger in entry order." })
  async ledger(
    @Root() run: SyncRun,
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<LedgerConnection> {
    const page = await ctx.app.inventory.ledger(run.id, { first: clamp(first), after: after ? Number(after) : undefined });
    const edges = page.entries.map((e) => ({ cursor: String(e.id), node: { ...e, before: e.before ?? null, error: e.error ?? null } }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

@Resolver()
export class ReportingResolver {
  @Authorized(...STAFF)
  @Query(() => [IntegrationCall], { description: 'External calls, newest first.' })
  async integrationLog(
    @Ctx() ctx: SubgraphContext,
    @Arg('limit', () => Int, { defaultValue: 50 }) limit: number,
    @Arg('system', () => String, { nullable: true }) system?: string | null,
    @Arg('failedOnly', () => Boolean, { defaultValue: false }) failedOnly?: boolean,
  ): Promise<IntegrationCall[]> {
    const rows = await ctx.app.reporting.integrationLog({ limit: clamp(limit), system: system ?? undefined, failedOnly });
    return rows.map((r) => ({ ...r, status: r.status ?? null, error: r.error ?? null }));
  }

  @Authorized(...STAFF)
  @Query(() => [AuditEntry], { description: 'Who did what, newest first.' })
  auditTrail(@Ctx() ctx: SubgraphContext, @Arg('limit', () => Int, { defaultValue: 50 }) limit: number): Promise<AuditEntry[]> {
    return ctx.app.reporting.auditTrail(clamp(limit));
  }

  @Authorized(...READ)
  @Query(() => Health, { description: 'Database and connector health, and the last run.' })
  async health(@Ctx() ctx: SubgraphContext): Promise<Health> {
    const database = await ctx.app.db.em().getConnection().execute('select 1').then(
      (): ComponentHealth => ({ name: 'database', ok: true, detail: 'reachable', expiresInDays: null }),
      (err: Error): ComponentHealth => ({ name: 'database', ok: false, detail: err.message, expiresInDays: null }),
    );
    const connectors = await Promise.all(ctx.app.healthChecks().map((c) => c.health()));
    const components = [database, ...connectors];
    const last = await ctx.app.inventory.lastRun();
    return { ok: components.every((c) => c.ok), components, lastRun: last ? runView(last) : null };
  }
}
