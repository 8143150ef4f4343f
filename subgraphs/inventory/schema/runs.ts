// The run mutations: a source's stock sync (now, or started in the background), a manual stock set, a rollback.
// Each answers with the run's one report, its text written by the report's one formatting function.
import { Arg, Authorized, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import { actorOf, WRITE, type SubgraphContext } from '../../federation.js';
import { InventoryItemsSource, parseInventoryReport } from '../inventory-file.js';
import type { RunReport } from '../service.js';
import { formatReport } from '../services/report.js';
import { SOURCE_ARG, sourceOf } from './source-arg.js';
import { RollbackReport, SyncReport, SyncRunRef } from './types.js';

const reportView = (r: RunReport): SyncReport => ({
  ...r,
  channels: Object.entries(r.channels).map(([channel, s]) => ({ channel, ...s! })),
  text: formatReport(r).join('\n'),
});
const rollbackView = (r: RunReport): RollbackReport => ({
  runId: r.runId, rollbackOf: r.rollbackOf!, dryRun: r.dryRun, status: r.status, updates: r.updates, failed: r.failed, failures: r.failures,
  changes: r.changes.map((c) => ({ channel: c.channel, sku: c.sku, code: c.code, from: c.before, to: c.after })),
  text: formatReport(r).join('\n'),
});

@Resolver()
export class RunResolver {
  @Authorized(...WRITE)
  @Mutation(() => SyncReport, { description: "Runs a source's stock sync now (dryRun: report only, send nothing)." })
  async runStockSync(
    @Ctx() ctx: SubgraphContext,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Arg('inventoryFileBase64', () => String, {
      nullable: true, description: 'An FBA inventory report (TSV/CSV, base64) to use as the source instead of the SP-API.',
    }) inventoryFileBase64?: string | null,
    @Arg('source', () => String, SOURCE_ARG) sourceName?: string | null,
  ): Promise<SyncReport> {
    const actor = actorOf(ctx).name;
    const trigger = `graphql:${actor}`;
    const source = sourceOf(ctx, sourceName);
    if (!inventoryFileBase64) return reportView(await ctx.services.inventory.sync.run({ source, dryRun, trigger, actor }));
    // Validated in full before the run starts: a bad file is BAD_USER_INPUT and writes no run.
    const items = parseInventoryReport(Buffer.from(inventoryFileBase64, 'base64').toString('utf8'), 'inventory file');
    return reportView(await ctx.services.inventory.sync.run({ source, dryRun, trigger, actor, from: new InventoryItemsSource(items, 'upload') }));
  }

  @Authorized(...WRITE)
  @Mutation(() => SyncRunRef, {
    description: 'Starts the stock sync and answers at once with the run, which goes on in the background: follow it with syncRunProgress(runId).',
  })
  async startStockSync(
    @Ctx() ctx: SubgraphContext,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Arg('source', () => String, SOURCE_ARG) source?: string | null,
  ): Promise<SyncRunRef> {
    const actor = actorOf(ctx).name;
    return { id: await ctx.services.inventory.sync.start({ source: sourceOf(ctx, source), dryRun, trigger: `graphql:${actor}`, actor }) };
  }

  @Authorized(...WRITE)
  @Mutation(() => SyncReport, {
    description: 'Sets one SKU\'s quantity on one channel by hand: a run of its own, ledgered, streamed as stockChanged and undone by rollbackStockSync.',
  })
  async setChannelStock(
    @Ctx() ctx: SubgraphContext,
    @Arg('sku', () => String) sku: string,
    @Arg('channel', () => String) channel: string,
    @Arg('quantity', () => Int) quantity: number,
  ): Promise<SyncReport> {
    return reportView(await ctx.services.inventory.sync.setChannelStock({ sku, channel, quantity, actor: actorOf(ctx).name }));
  }

  @Authorized(...WRITE)
  @Mutation(() => RollbackReport, { description: "Returns a source's channels to their state before its most recent applied run." })
  async rollbackStockSync(
    @Ctx() ctx: SubgraphContext,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Arg('runId', () => Int, { nullable: true, description: "Must be its source's most recent applied run when given; its source is used." }) runId?: number | null,
    @Arg('source', () => String, { nullable: true, description: 'The stock source (sync.sources) when no runId is given; default: the first listed there.' }) source?: string | null,
  ): Promise<RollbackReport> {
    const actor = actorOf(ctx).name;
    const from = runId == null ? sourceOf(ctx, source) : (source ?? undefined);
    return rollbackView(await ctx.services.inventory.rollback.run({ runId: runId ?? undefined, source: from, dryRun, trigger: `graphql:${actor}`, actor }));
  }
}
