import { GraphQLError } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { nextRunAt } from '../../../jobs/schedules.js';
import { loader, READ, STAFF, type SubgraphContext } from '../../federation.js';
import type { RunView } from '../../inventory/service.js';
import { latestRunFailed } from '../services/alert-conditions.js';
import { AuditEntry, ComponentHealth, Health, LedgerConnection, SyncRun } from './types.js';

const MAX_LIMIT = 500;
const RUN_STATUSES = ['RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'INTERRUPTED', 'ROLLED_BACK'] as const;
const RUN_KINDS = ['SYNC', 'ROLLBACK', 'REALTIME'] as const;

function oneOf<T extends string>(name: string, value: string | null | undefined, allowed: readonly T[]): T | undefined {
  if (value == null) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new GraphQLError(`${name} must be one of ${allowed.join(', ')}; got "${value}"`, { extensions: { code: 'BAD_USER_INPUT', argumentName: name } });
  }
  return value as T;
}
const clamp = (n: number) => Math.max(1, Math.min(n, MAX_LIMIT));

export const runView = (r: RunView): SyncRun => ({
  ...r, channels: Object.entries(r.channels).map(([channel, c]) => ({ channel, ...c })),
});

/** Triggers are `graphql:<caller>`, `cli`, `schedule` or `manual` (source `manual:<actor>`). */
function runUser(run: Pick<SyncRun, 'trigger' | 'source'>): string | null {
  if (run.trigger.startsWith('graphql:')) return run.trigger.slice('graphql:'.length);
  if (run.trigger === 'manual' && run.source.startsWith('manual:')) return run.source.slice('manual:'.length);
  return run.trigger === 'schedule' ? 'scheduler' : null;
}

export function runById(ctx: SubgraphContext, id: number): Promise<SyncRun | null> {
  return loader<number, SyncRun | null>(ctx, 'reporting.run', (ids) =>
    Promise.all(ids.map(async (i) => {
      const run = await ctx.services.inventory.history.getRun(i);
      return run ? runView(run) : null;
    })),
  ).load(id);
}

@Resolver(() => SyncRun)
export class SyncRunResolver {
  @Authorized(...READ)
  @Query(() => [SyncRun], { description: 'Runs, newest first.' })
  async syncRuns(
    @Ctx() ctx: SubgraphContext,
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
    @Arg('status', () => String, { nullable: true, description: 'Only runs with this status.' }) status?: string | null,
    @Arg('kind', () => String, { nullable: true, description: 'SYNC, ROLLBACK or REALTIME (a stream applied as it happens, one run per hour).' }) kind?: string | null,
    @Arg('source', () => String, { nullable: true, description: 'Only runs of this stock source (sync.sources).' }) source?: string | null,
  ): Promise<SyncRun[]> {
    const filter = { status: oneOf('status', status, RUN_STATUSES), kind: oneOf('kind', kind, RUN_KINDS), sourceSystem: oneOf('source', source, ctx.services.inventory.sources.names) };
    return (await ctx.services.inventory.history.listRuns(clamp(limit), filter)).map(runView);
  }

  @Authorized(...READ)
  @Query(() => SyncRun, { nullable: true })
  syncRun(@Ctx() ctx: SubgraphContext, @Arg('id', () => Int) id: number): Promise<SyncRun | null> {
    return runById(ctx, id);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Who started the run: the API caller or the manual setter; scheduler for scheduled runs; null for the CLI.',
  })
  user(@Root() run: SyncRun): string | null {
    return runUser(run);
  }

  @FieldResolver(() => LedgerConnection, { description: "The run's ledger in entry order." })
  async ledger(
    @Root() run: SyncRun,
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('sku', () => String, { nullable: true, description: 'Only entries whose SKU contains this text (any case).' }) sku?: string | null,
  ): Promise<LedgerConnection> {
    const page = await ctx.services.inventory.history.ledger(run.id, { first: clamp(first), after: after ? Number(after) : undefined, sku: sku || undefined });
    const edges = page.entries.map((e) => ({ cursor: String(e.id), node: { ...e, before: e.before ?? null, error: e.error ?? null } }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

@Resolver()
export class ReportingResolver {
  @Authorized(...STAFF)
  @Query(() => [AuditEntry], { description: 'Who did what, newest first.' })
  auditTrail(@Ctx() ctx: SubgraphContext, @Arg('limit', () => Int, { defaultValue: 50 }) limit: number): Promise<AuditEntry[]> {
    return ctx.services.reporting.auditTrail(clamp(limit));
  }

  @Authorized(...READ)
  @Query(() => Health, { description: 'Database and connector health, the scheduler, the hub, disk space, and the last run.' })
  async health(@Ctx() ctx: SubgraphContext): Promise<Health> {
    const database = await ctx.services.pingDatabase().then(
      (): ComponentHealth => ({ name: 'database', ok: true, detail: 'reachable', expiresInDays: null }),
      (err: Error): ComponentHealth => ({ name: 'database', ok: false, detail: err.message, expiresInDays: null }),
    );
    const [connectors, system, last] = await Promise.all([
      Promise.all(ctx.services.healthChecks().map((c) => c.health())), ctx.services.systemHealth.check(), ctx.services.inventory.history.lastRun(),
    ]);
    const hub = { ...system.hub, detail: system.hub.since ? `${system.hub.detail} since ${system.hub.since.toISOString()}` : system.hub.detail };
    const own = [system.scheduler, hub, ...system.disks].map(({ name, ok, detail }) => ({ name, ok, detail, expiresInDays: null }));
    // A system with several channels (a marketplace's shops) is followed by each of them, with its own expiry.
    const components = [database, ...connectors.flatMap((c) => [c, ...(c.parts ?? [])]), ...own];
    // The job store's view when it can be read; the configured schedules otherwise.
    const stored = system.scheduler.status?.jobs;
    const schedules = stored
      ? stored.map((j) => ({ ...j, lastRunAt: j.lastRunAt ?? null, lastRunFailed: j.lastRunAt ? latestRunFailed(j) : null, failReason: latestRunFailed(j) ? (j.failReason ?? null) : null }))
      : ctx.services.schedules().map((job) => ({ ...job, nextRunAt: nextRunAt(job), lastRunAt: null, lastRunFailed: null, failReason: null }));
    return {
      ok: components.every((c) => c.ok), components, lastRun: last ? runView(last) : null, schedules, workerAlive: system.scheduler.status?.workerAlive ?? null,
    };
  }
}
