// The stock sync of one source: read the source, plan each of its channels by the source's policy in force, compare
// with what each channel holds, send only the changes (ledgered, see sending.ts). Also the manual stock set: one
// SKU on one channel, a run of that channel's source.
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import type { AuditPort } from '../../../platform/audit.js';
import type { CatalogService } from '../../catalog/service.js';
import { SyncRun } from '../entities/sync-run.js';
import { InvalidInputError, SyncRefusedError } from '../errors.js';
import type { StockSource } from '../ports.js';
import { checkQuantity } from '../quantity.js';
import type { AllocationRules } from '../rules.js';
import type { HeldLease } from '../run-lock.js';
import type { StockSources, StockSourceSetup } from '../sources.js';
import { compareChannel, planFromSource } from './planning.js';
import { addChanges, addFailures, FailureTally, newReport, outcome, type RunReport } from './report.js';
import type { ProgressListener, Runs } from './runs.js';
import type { ReservationService } from './reservations.js';
import type { Sender } from './sending.js';

export interface SyncOptions {
  /** The stock source system (sync.sources) whose channels the run syncs. */
  source: string;
  dryRun: boolean;
  trigger: string;
  /** Read this instead of the source system, for this run only (e.g. an inventory report file). */
  from?: StockSource;
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

/** Like Promise.all, but waits for every task to stop before reporting the first error: nothing keeps sending behind the caller's back. */
async function allOrFirstError(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export class SyncService {
  constructor(private readonly deps: SyncDeps) {}

  async run(opts: SyncOptions): Promise<RunReport> {
    const setup = this.deps.sources.resolve(opts.source);
    const source = opts.from ?? setup.source;
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

  private async execute(setup: StockSourceSetup, source: StockSource, report: RunReport, lease: HeldLease): Promise<void> {
    const { logger, runs, sender } = this.deps;
    const { runId } = report;
    const mappings = await this.deps.catalog.allMappings();
    // Sources do not say how many items they hold: expect as many as last time, or as the SKU master has.
    const previous = await this.deps.db.em().findOne(
      SyncRun, { kind: 'SYNC', sourceSystem: setup.name, source: source.name, status: { $ne: 'RUNNING' } }, { orderBy: { id: 'desc' } },
    );
    const reading = runs.throttled(runId, 'reading-source', Math.max(previous?.sourceItems ?? 0, mappings.size));
    // Only the figure is kept: at 100,000 SKUs the rest of each item is memory the run does not need.
    const sourceQty = new Map<string, number>();
    await reading(0);
    for await (const page of source.pages()) {
      for (const item of page) sourceQty.set(item.sku, item.quantity);
      await reading(sourceQty.size);
    }
    await reading(sourceQty.size, true);
    report.sourceItems = sourceQty.size;

    // What orders still hold is not the channels' to sell: planned from the figure less it (the figure's drop since
    // the last read releases what it shows gone).
    const held = await this.deps.reservations.settleAgainstSource(setup.name, sourceQty, report.dryRun);
    const available = held.size ? new Map(sourceQty) : sourceQty;
    for (const [sku, n] of held) if (available.has(sku)) available.set(sku, Math.max(0, available.get(sku)! - n));
    const { policy } = await this.deps.rules.current(setup.name);
    const { mapped, wanted: wantedBy, skipped } = planFromSource(available, mappings, policy, setup.channels);
    report.skipped = skipped;
    report.mappedSkus = mapped.length;
    logger.info({ runId, sourceItems: report.sourceItems, mappedSkus: report.mappedSkus, skipped: report.skipped }, 'source read');
    // The source's own figures are kept as the snapshot of a pseudo-channel named after the source system.
    await sender.saveSnapshots(setup.name, mapped.map((m) => ({ sku: m.sku, code: m.sku, quantity: sourceQty.get(m.sku)! })));

    // Channels are independent systems with their own limits: work on them side by side. Every channel is
    // compared before any is sent to, so the run's total is known when the first progress event goes out.
    const toRead = wantedBy.reduce((n, w) => n + new Set(w.map((x) => x.code)).size, 0);
    const readingChannels = runs.throttled(runId, 'reading-channels', toRead);
    let read = 0;
    await readingChannels(0);
    const planned = await Promise.all(
      setup.links.map(async (link, i) => {
        const wanted = wantedBy[i]!;
        const current = await sender.readChannel(link.target, wanted.map((w) => w.code), (n) => readingChannels((read += n)));
        const { changes, seen, summary } = compareChannel(link.channel, wanted, current);
        await sender.saveSnapshots(link.channel, seen);
        logger.info({ runId, channel: link.channel, updates: changes.length, unchanged: summary.unchanged, notListed: summary.notListed }, 'channel compared');
        return { link, summary, changes };
      }),
    );
    await readingChannels(read, true);
    for (const p of planned) {
      report.channels[p.link.channel] = p.summary;
      addChanges(report, p.changes);
    }
    await runs.record(report);
    if (report.dryRun) {
      report.status = 'SUCCESS';
      return;
    }
    const total = report.updates;
    if (total > 0) await runs.progress({ runId, phase: 'sending', done: 0, total, status: 'RUNNING' });
    let sent = 0;
    const tally = new FailureTally();
    await allOrFirstError(
      planned.map(async ({ link, summary, changes }) => {
        const failures = await sender.send(runId, link, changes, lease, (n) => runs.progress({ runId, phase: 'sending', done: (sent += n), total, status: 'RUNNING' }));
        summary.failed = failures.length;
        addFailures(report, failures);
        tally.add(failures);
      }),
    );
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
    const code = mapping.listings[channel];
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
        const failures = await sender.send(runId, link, changes, lease);
        addFailures(report, failures);
        report.channels[channel] = { updates: changes.length, failed: failures.length, unchanged: 1 - changes.length, notListed: 0 };
        const tally = new FailureTally();
        tally.add(failures);
        report.status = failures.length ? 'FAILED' : 'SUCCESS';
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
