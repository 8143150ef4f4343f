// The stock sync of one source: read the source, plan each of its channels by the source's policy in force, compare
// with what each channel holds, send only the changes (ledgered, see sending.ts). Also the manual stock set: one
// SKU on one channel, a run of that channel's source.
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import { correlated } from '../../../platform/log/correlation.js';
import type { AuditPort } from '../../../platform/audit.js';
import type { CatalogService } from '../../catalog/service.js';
import { SyncRun } from '../entities/sync-run.js';
import { InvalidInputError, SyncRefusedError } from '../errors.js';
import type { StockSource } from '../ports.js';
import { checkQuantity } from '../quantity.js';
import type { AllocationRules } from '../rules.js';
import type { HeldLease } from '../run-lock.js';
import type { StockSources, StockSourceSetup } from '../sources.js';
import { onTopOfLastFigures } from './changes.js';
import { compareChannel, planFromSource } from './planning.js';
import { addChanges, addFailures, FailureTally, newReport, outcome, type RunReport } from './report.js';
import type { ProgressListener, Runs } from './runs.js';
import type { ReservationService } from './reservations.js';
import { ChannelOutbox, type Sender } from './sending.js';

export interface SyncOptions {
  /** The stock source system (sync.sources) whose channels the run syncs. */
  source: string;
  dryRun: boolean;
  trigger: string;
  /** Read this instead of the source system, for this run only (e.g. an inventory report file). */
  from?: StockSource;
  /** `from` holds only what changed: the source's other SKUs keep their last known figures (its snapshot). */
  changesOnly?: boolean;
  /** Who starts the run (the CLI user, the API caller); none for the scheduler. */
  actor?: string;
  /** Called with this run's progress events (the CLI's progress bar), besides their publication. */
  onProgress?: ProgressListener;
  /** Called once the run is recorded (it has an id), before any source or channel is read. */
  onStarted?: (runId: number) => void;
}

export interface SyncDeps {
  db: Database;
  catalog: CatalogService;
  auditTrail: AuditPort;
  sources: StockSources;
  rules: AllocationRules;
  runs: Runs;
  sender: Sender;
  /** What orders hold of the source's stock (the oversell guard). */
  reservations: ReservationService;
  logger: Logger;
}

/** Source SKUs planned together: one catalog lookup, then each channel read and compared. */
const PLAN_PAGE = 2000;

/** Like Promise.all, but waits for every task to stop before reporting the first error: nothing goes on behind the caller's back. */
async function allOrFirstError<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export class SyncService {
  constructor(private readonly deps: SyncDeps) {}

  run(opts: SyncOptions): Promise<RunReport> {
    // The run's lines and calls share one id (the caller's, when it has one).
    return correlated(() => this.runCorrelated(opts));
  }

  private async runCorrelated(opts: SyncOptions): Promise<RunReport> {
    const setup = this.deps.sources.resolve(opts.source);
    const source = opts.from ? (opts.changesOnly ? onTopOfLastFigures(this.deps.db, setup.name, opts.from) : opts.from) : setup.source;
    const { runs } = this.deps;
    return runs.withLease(setup, async (lease) => {
      const runId = await runs.start(lease, {
        kind: 'SYNC', dryRun: opts.dryRun, trigger: opts.trigger, source: source.name, sourceSystem: setup.name, actor: opts.actor, onProgress: opts.onProgress,
      });
      opts.onStarted?.(runId);
      const report = newReport({ runId, kind: 'SYNC', dryRun: opts.dryRun, trigger: opts.trigger, sourceSystem: setup.name, source: source.name });
      try {
        await this.execute(setup, source, report, lease);
      } catch (err) {
        await runs.stopped(report, err, lease);
      }
      await runs.finish(report, setup.links);
      return report;
    });
  }

  /**
   * Starts a sync and answers with the run's id as soon as it is recorded; the run goes on in the background
   * (watch it with the runProgress events). A refusal (another run holds the lock) rejects as run() does.
   */
  async start(opts: Omit<SyncOptions, 'onStarted'>): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let started = false;
      this.run({ ...opts, onStarted: (id) => ((started = true), resolve(id)) }).catch((err: unknown) => {
        if (!started) return reject(err);
        this.deps.logger.error({ err }, 'background sync run failed');
      });
    });
  }

  /**
   * Streams the run: the source's pages in, each PLAN_PAGE SKUs planned and compared with what the channels hold,
   * changes out in write batches as soon as they fill one (ledgered as they are sent). Only counters and one
   * page's worth of items are held, whatever the size of the catalogue.
   */
  private async execute(setup: StockSourceSetup, source: StockSource, report: RunReport, lease: HeldLease): Promise<void> {
    const { logger, runs, sender, catalog } = this.deps;
    const { runId } = report;
    const { policy } = await this.deps.rules.current(setup.name);
    // The source should report every active SKU listed on its channels; those it did not are counted.
    const expected = await catalog.countActiveListed(setup.channels);
    // Sources do not say how many items they hold: expect as many as last time, or as the SKU master lists.
    const previous = await this.deps.db.em().findOne(
      SyncRun, { kind: 'SYNC', sourceSystem: setup.name, source: source.name, status: { $ne: 'RUNNING' } }, { orderBy: { id: 'desc' } },
    );
    // Listings to read and changes to send are known page by page: the totals grow as the run goes.
    let toRead = 0;
    let read = 0;
    let sent = 0;
    let listedReported = 0;
    const reading = runs.throttled(runId, 'reading-source', () => Math.max(previous?.sourceItems ?? 0, expected));
    const readingChannels = runs.throttled(runId, 'reading-channels', () => toRead);
    const tally = new FailureTally();
    const summaries = setup.links.map((link) => (report.channels[link.channel] = { updates: 0, failed: 0, unchanged: 0, notListed: 0 }));
    const outboxes = report.dryRun
      ? []
      : setup.links.map((link, i) => new ChannelOutbox(sender, runId, link, lease, async (batch, failures) => {
        summaries[i]!.failed += failures.length;
        addFailures(report, failures);
        tally.add(failures);
        await runs.progress({ runId, phase: 'sending', done: (sent += batch), total: report.updates, status: 'RUNNING' });
      }));

    const planPage = async (page: Map<string, number>) => {
      // What orders still hold is not the channels' to sell: planned from the figure less it (the figure's drop since
      // the last read releases what it shows gone).
      const held = await this.deps.reservations.settleAgainstSource(setup.name, page, report.dryRun);
      const available = new Map(page);
      for (const [sku, n] of held) if (available.has(sku)) available.set(sku, Math.max(0, available.get(sku)! - n));
      const plan = planFromSource(
        available, await catalog.syncMappings([...page.keys()]), policy, setup.channels, setup.links.map((l) => l.target.listsBySku === true),
      );
      report.mappedSkus += plan.mapped.length;
      report.skipped.inactive += plan.skipped.inactive;
      report.skipped.unmapped += plan.skipped.unmapped;
      listedReported += plan.listed;
      // The source's own figures are kept as the snapshot of a pseudo-channel named after the source system.
      // The raw figure, not less what orders hold: the next read's drop against it is what releases their holds.
      await sender.saveSnapshots(setup.name, plan.mapped.map((m) => ({ sku: m.sku, code: m.sku, quantity: page.get(m.sku)! })));
      toRead += plan.wanted.reduce((n, w) => n + new Set(w.map((x) => x.code)).size, 0);
      // Channels are independent systems with their own limits: work on them side by side.
      const changesBy = await allOrFirstError(
        setup.links.map(async (link, i) => {
          const wanted = plan.wanted[i]!;
          const current = await sender.readChannel(link.target, wanted.map((w) => w.code), (n) => readingChannels((read += n)));
          const { changes, seen, summary } = compareChannel(link.channel, wanted, current);
          const total = summaries[i]!;
          total.updates += summary.updates;
          total.unchanged += summary.unchanged;
          total.notListed += summary.notListed;
          await sender.saveSnapshots(link.channel, seen);
          return changes;
        }),
      );
      for (const changes of changesBy) addChanges(report, changes);
      // Saved before the page's changes go out: a run that never finishes still shows how far it got.
      await runs.record(report);
      if (!report.dryRun) await allOrFirstError(outboxes.map((outbox, i) => outbox.push(changesBy[i]!)));
    };

    try {
      let page = new Map<string, number>();
      await reading(0);
      for await (const items of source.pages()) {
        for (const item of items) {
          if (!page.has(item.sku)) report.sourceItems++;
          page.set(item.sku, item.quantity);
        }
        await reading(report.sourceItems);
        if (page.size >= PLAN_PAGE) {
          await planPage(page);
          page = new Map();
        }
      }
      if (page.size > 0) await planPage(page);
      await reading(report.sourceItems, true);
      await readingChannels(read, true);
      await allOrFirstError(outboxes.map((o) => o.flush()));
    } finally {
      // Nothing keeps sending behind the caller's back, whatever stopped the run.
      await Promise.all(outboxes.map((o) => o.settled()));
    }
    report.skipped.notInSource = Math.max(0, expected - listedReported);
    logger.info({ runId, sourceItems: report.sourceItems, mappedSkus: report.mappedSkus, skipped: report.skipped, channels: report.channels }, 'source synced');
    report.status = outcome(report.failed, report.updates);
    report.errorSummary = tally.summary();
  }

  /**
   * Sets one SKU's quantity on one channel by hand, outside the policy. It is a run of the channel's source (trigger
   * "manual") with a ledger entry, so it is audited, streamed as stockChanged, and undone by `rollback`.
   */
  async setChannelStock(opts: { channel: string; sku: string; quantity: number; actor: string }): Promise<RunReport> {
    const { sources, runs, sender } = this.deps;
    const fed = sources.ofChannel(opts.channel);
    if (!fed) throw new InvalidInputError('channel', `unknown channel "${opts.channel}"; channels: ${sources.channels.join(', ')}`);
    const { setup, link } = fed;
    const { channel, target } = link;
    checkQuantity(opts.quantity, 'quantity');
    const mapping = (await this.deps.catalog.getMappings([opts.sku])).get(opts.sku);
    if (!mapping) throw new InvalidInputError('sku', `unknown SKU "${opts.sku}": it is not in the SKU master`);
    const code = mapping.listings[channel] ?? (target.listsBySku ? opts.sku : undefined);
    if (!code) throw new InvalidInputError('sku', `${opts.sku} has no ${channel} listing in the SKU master`);
    return runs.withLease(setup, async (lease) => {
      const source = `manual:${opts.actor}`;
      const runId = await runs.start(lease, { kind: 'SYNC', dryRun: false, trigger: 'manual', source, sourceSystem: setup.name, actor: opts.actor });
      const report = newReport({ runId, kind: 'SYNC', dryRun: false, trigger: 'manual', sourceSystem: setup.name, source });
      report.mappedSkus = 1;
      try {
        const before = (await target.getStock([code])).get(code) ?? null;
        if (before === null) throw new SyncRefusedError(`${channel} has no listing ${code} for ${opts.sku}`);
        const changes = before === opts.quantity ? [] : [{ channel, sku: opts.sku, code, before, after: opts.quantity }];
        addChanges(report, changes);
        const tally = new FailureTally();
        await sender.send(runId, link, changes, lease, async (_sent, failures) => {
          addFailures(report, failures);
          tally.add(failures);
        });
        report.channels[channel] = { updates: changes.length, failed: report.failed, unchanged: 1 - changes.length, notListed: 0 };
        report.status = report.failed ? 'FAILED' : 'SUCCESS';
        report.errorSummary = tally.summary();
      } catch (err) {
        await runs.stopped(report, err, lease);
      }
      await runs.finish(report, [link]);
      await this.deps.auditTrail.audit({
        actor: opts.actor, action: 'stock.manual-set', subject: `${channel}:${opts.sku}`,
        detail: { runId, code, quantity: opts.quantity, status: report.status },
      });
      return report;
    });
  }
}
