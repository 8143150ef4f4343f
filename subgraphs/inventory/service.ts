// The inventory module's public API: the stock sync (each stock source → its channels by its policy), rollback
// from the ledger, allocation previews and rule changes, run history and retention.
import type { Logger } from 'pino';
import type { Database, EntityManager } from '../../platform/db/index.js';
import { tierFor, type AllocationTier } from './allocation.js';
import type { ChannelLink, StockSources, StockSourceSetup } from './sources.js';
import type { Emit, EventBus } from '../../platform/events/index.js';
import type { CatalogService } from '../catalog/service.js';
import { LedgerEntry, type LedgerResult } from './entities/ledger-entry.js';
import { StockSnapshot } from './entities/stock-snapshot.js';
import { SyncRun, type RunStatus } from './entities/sync-run.js';
import { InvalidInputError, SyncRefusedError } from './errors.js';
import { TOPICS } from './events.js';
import type { AuditPort } from '../../platform/audit.js';
import type { Channel, StockSource, StockTarget } from './ports.js';
import { AllocationRules, type Actor } from './rules.js';
import { isConnectionLoss } from '../../platform/db/index.js';
import { LeaseLostError, RunLease, type HeldLease, type LeaseSettings } from './run-lock.js';
import { checkQuantity } from './quantity.js';
import { allocateByPolicy, type StockPolicy } from './policies.js';
import { compareChannel, planFromSource, type ChannelSummary, type StockChange } from './services/planning.js';

export type { ChannelSummary, StockChange } from './services/planning.js';

export interface ItemFailure extends StockChange {
  error: string;
}

export interface SyncReport {
  runId: number;
  dryRun: boolean;
  status: RunStatus;
  /** The stock source system whose channels the run changed. */
  sourceSystem: string;
  /** Where the figures came from: the source system, a file, `manual:<user>`. */
  source: string;
  sourceItems: number;
  mappedSkus: number;
  updates: number;
  failed: number;
  skipped: { inactive: number; unmapped: number; notInSource: number };
  channels: Partial<Record<Channel, ChannelSummary>>;
  /** Every change planned (dry run) or sent (applied run). */
  changes: StockChange[];
  failures: ItemFailure[];
  errorSummary: string | null;
}

export interface RollbackReport {
  runId: number;
  /** The run this rollback undoes. */
  rollbackOf: number;
  dryRun: boolean;
  status: RunStatus;
  changes: { channel: Channel; sku: string; code: string; from: number | null; to: number }[];
  failures: ItemFailure[];
}

export interface SimulatedAllocation {
  quantity: number;
  /** What the source's first channel gets. */
  allocated: number;
  /** What each of the source's channels gets. */
  channels: Record<Channel, number>;
  tier: AllocationTier | null;
}

/** What each channel of a source would get for one SKU of its current inventory (null: inactive or not listed there). */
export interface SkuPreview {
  sku: string;
  sourceQuantity: number;
  allocations: Partial<Record<Channel, number | null>>;
}

export interface StockChangedEvent {
  sku: string;
  channel: string;
  before: number | null;
  after: number;
  runId: number | null;
  at: string;
}

export interface RunProgressEvent {
  runId: number;
  phase: 'reading-source' | 'reading-channels' | 'sending' | 'finished';
  done: number;
  total: number;
  status: RunStatus;
}

export interface RunView {
  id: number;
  kind: 'SYNC' | 'ROLLBACK';
  dryRun: boolean;
  status: RunStatus;
  trigger: string;
  /** The stock source system whose channels the run changed. */
  sourceSystem: string;
  source: string;
  startedAt: Date;
  finishedAt: Date | null;
  sourceItems: number;
  mappedSkus: number;
  skippedInactive: number;
  skippedUnmapped: number;
  updates: number;
  failed: number;
  channels: Record<string, { updates: number; failed: number }>;
  errorSummary: string | null;
  rollbackOf: number | null;
  rolledBackBy: number | null;
  /** Who started it (null: the scheduler, or a run from before this was recorded). */
  actor: string | null;
  /** The process that ran it (host:pid). */
  owner: string;
}

export interface InventoryDeps {
  db: Database;
  catalog: CatalogService;
  /** The audit trail and the outbound-call log (reporting's, injected). */
  auditTrail: AuditPort;
  events: EventBus;
  /** The stock sources, each with its channels and configured policy. */
  sources: StockSources;
  /** The one-run-at-a-time lease, one per source. */
  lease: LeaseSettings;
  rollbackWindowHours: number;
  logger: Logger;
}

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
  onProgress?: (event: RunProgressEvent) => void;
  /** Called once the run is recorded (it has an id), before any source or channel is read. */
  onStarted?: (runId: number) => void;
}

/** Progress while reading is reported at most this often (sending reports every batch): each event is an outbox row. */
const READ_PROGRESS_MS = 1000;
/** Rows per bulk statement: keeps each statement well under PostgreSQL's parameter and size limits. */
const SQL_CHUNK = 2000;
/** Tries at recording a run's outcome when the database connection drops. */
const RECORD_ATTEMPTS = 3;

const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** A LIKE pattern matching `text` literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class InventoryService {
  readonly rules: AllocationRules;
  private readonly progressListeners = new Map<number, (event: RunProgressEvent) => void>();
  private readonly leases: Map<string, RunLease>;

  constructor(private readonly deps: InventoryDeps) {
    this.rules = new AllocationRules(deps.db, deps.auditTrail, deps.sources.all);
    this.leases = new Map(deps.sources.names.map((name) => [name, new RunLease(deps.db, name, deps.lease, deps.logger)]));
  }

  /** The stock sources, by name and by channel. */
  get sources(): StockSources {
    return this.deps.sources;
  }

  /** Every channel of every source. */
  get channels(): Channel[] {
    return this.deps.sources.channels;
  }

  // ---- sync -------------------------------------------------------------------------------------------

  async runSync(opts: SyncOptions): Promise<SyncReport> {
    const setup = this.deps.sources.resolve(opts.source);
    const source = opts.from ?? setup.source;
    return this.withRunLock(setup, async (lease) => {
      const run = await this.startRun(lease, {
        kind: 'SYNC', dryRun: opts.dryRun, trigger: opts.trigger, source: source.name, sourceSystem: setup.name, actor: opts.actor,
      });
      if (opts.onProgress) this.progressListeners.set(run.id, opts.onProgress);
      opts.onStarted?.(run.id);
      const report: SyncReport = {
        runId: run.id, dryRun: opts.dryRun, status: 'RUNNING', sourceSystem: setup.name, source: source.name, sourceItems: 0, mappedSkus: 0,
        updates: 0, failed: 0, skipped: { inactive: 0, unmapped: 0, notInSource: 0 }, channels: {}, changes: [],
        failures: [], errorSummary: null,
      };
      try {
        await this.execute(run.id, setup, source, opts.dryRun, report, lease);
        report.status = report.failed === 0 ? 'SUCCESS' : report.failed < report.updates ? 'PARTIAL' : 'FAILED';
        if (report.failed > 0) report.errorSummary = summarise(report.failures);
      } catch (err) {
        await this.stopped(run.id, report, err, lease);
      }
      await this.finishRun(run.id, report, setup.links);
      this.progressListeners.delete(run.id);
      return report;
    });
  }

  /**
   * Starts a sync and answers with the run as soon as it is recorded; the run goes on in the background (watch it
   * with the runProgress events). A refusal (another run holds the lock) rejects as runSync does.
   */
  async startSync(opts: Omit<SyncOptions, 'onStarted'>): Promise<RunView> {
    const runId = await new Promise<number>((resolve, reject) => {
      let started = false;
      this.runSync({ ...opts, onStarted: (id) => ((started = true), resolve(id)) }).catch((err: unknown) => {
        if (!started) return reject(err);
        this.deps.logger.error({ err }, 'background sync run failed');
      });
    });
    return (await this.getRun(runId))!;
  }

  private async execute(runId: number, setup: StockSourceSetup, source: StockSource, dryRun: boolean, report: SyncReport, lease: HeldLease): Promise<void> {
    const { logger } = this.deps;
    const mappings = await this.deps.catalog.allMappings();
    // Sources do not say how many items they hold: expect as many as last time, or as the SKU master has.
    const previous = await this.deps.db.em().findOne(
      SyncRun, { kind: 'SYNC', sourceSystem: setup.name, source: source.name, status: { $ne: 'RUNNING' } }, { orderBy: { id: 'desc' } },
    );
    const expected = Math.max(previous?.sourceItems ?? 0, mappings.size);
    const reading = this.throttled(runId, 'reading-source', expected);
    // Only the figure is kept: at 100,000 SKUs the rest of each item is memory the run does not need.
    const sourceQty = new Map<string, number>();
    await reading(0);
    for await (const page of source.pages()) {
      for (const item of page) sourceQty.set(item.sku, item.quantity);
      await reading(sourceQty.size);
    }
    await reading(sourceQty.size, true);
    report.sourceItems = sourceQty.size;

    const { policy } = await this.rules.current(setup.name);
    const { mapped, wanted: wantedBy, skipped } = planFromSource(sourceQty, mappings, policy, setup.channels);
    report.skipped = skipped;
    report.mappedSkus = mapped.length;
    logger.info({ runId, sourceItems: report.sourceItems, mappedSkus: report.mappedSkus, skipped: report.skipped }, 'source read');
    // The source's own figures are kept as the snapshot of a pseudo-channel named after the source system.
    await this.saveSnapshots(setup.name, mapped.map((m) => ({ sku: m.sku, code: m.sku, quantity: m.quantity })));

    // Channels are independent systems with their own limits: work on them side by side. Every channel is
    // compared before any is sent to, so the run's total is known when the first progress event goes out.
    const toRead = wantedBy.reduce((n, w) => n + new Set(w.map((x) => x.code)).size, 0);
    const readingChannels = this.throttled(runId, 'reading-channels', toRead);
    let read = 0;
    await readingChannels(0);
    const planned = await Promise.all(
      setup.links.map(async (link, i) => {
        const wanted = wantedBy[i]!;
        const current = await this.readChannel(link.target, wanted.map((w) => w.code), (n) => readingChannels((read += n)));
        const { changes, seen, summary } = compareChannel(link.channel, wanted, current);
        report.channels[link.channel] = summary;
        await this.saveSnapshots(link.channel, seen);
        logger.info({ runId, channel: link.channel, updates: changes.length, unchanged: summary.unchanged, notListed: summary.notListed }, 'channel compared');
        return { link, summary, changes };
      }),
    );
    await readingChannels(read, true);
    for (const p of planned) report.changes.push(...p.changes);
    report.updates = report.changes.length;
    // Saved before anything is sent, so a run that never finishes still shows what it set out to do.
    await this.recordPlan(runId, report);
    if (!dryRun) {
      if (report.updates > 0) await this.progress({ runId, phase: 'sending', done: 0, total: report.updates, status: 'RUNNING' });
      const sent = { count: 0 };
      await allOrFirstError(
        planned.map(async ({ link, summary, changes }) => {
          const failures = await this.send(runId, link, changes, report, sent, lease);
          summary.failed = failures.length;
          report.failures.push(...failures);
        }),
      );
    }
    report.failed = report.failures.length;
  }

  private async readChannel(target: StockTarget, codes: string[], onBatch?: (read: number) => Promise<void>): Promise<Map<string, number | null>> {
    const result = new Map<string, number | null>();
    for (const batch of chunk([...new Set(codes)], target.maxReadBatch)) {
      for (const [code, qty] of await target.getStock(batch)) result.set(code, qty);
      await onBatch?.(batch.length);
    }
    return result;
  }

  /**
   * Sends changes batch by batch. Each batch is written to the ledger as PENDING first and settled after the
   * channel answers, so a crash at any point leaves a ledger that says which items may have been sent.
   */
  private async send(
    runId: number, { channel, target }: ChannelLink, changes: StockChange[], report: SyncReport, sent: { count: number }, lease: HeldLease,
  ): Promise<ItemFailure[]> {
    const failures: ItemFailure[] = [];
    for (const batch of chunk(changes, target.maxWriteBatch)) {
      // No write goes out unless the database has just confirmed this run still holds the lease.
      await lease.check();
      const ids = await this.insertLedger(runId, batch);
      let results: Map<string, { ok: boolean; error?: string }>;
      try {
        const answer = await target.setStock(batch.map((c) => ({ code: c.code, quantity: c.after })), { signal: lease.signal });
        results = new Map(answer.map((r) => [r.code, r]));
      } catch (err) {
        // Abandoned because the lease was lost: whether the channel applied the batch is unknown, so its entries
        // stay PENDING and are settled by reading the channel back.
        if (lease.signal.aborted) throw new LeaseLostError(lease.lost ?? 'the run lease was lost');
        const error = (err as Error).message;
        results = new Map(batch.map((c) => [c.code, { ok: false, error }]));
      }
      const settled = batch.map((c, i) => {
        const r = results.get(c.code) ?? { ok: false, error: 'the channel did not answer for this item' };
        if (!r.ok) failures.push({ ...c, error: r.error ?? 'rejected by the channel' });
        return { id: ids[i], result: (r.ok ? 'APPLIED' : 'FAILED') as LedgerResult, error: r.ok ? null : (r.error ?? 'rejected') };
      });
      const applied = batch.filter((c, i) => settled[i].result === 'APPLIED');
      // The ledger, the snapshot and the stockChanged event commit together (the event outbox).
      await this.deps.events.transactional(async (em, emit) => {
        await this.settleLedger(settled, em);
        await this.saveSnapshots(channel, applied.map((c) => ({ sku: c.sku, code: c.code, quantity: c.after })), em);
        await this.publishChanges(runId, applied, emit);
      });
      sent.count += batch.length;
      await this.progress({ runId, phase: 'sending', done: sent.count, total: report.changes.length, status: 'RUNNING' });
    }
    return failures;
  }

  // ---- rollback ---------------------------------------------------------------------------------------

  /**
   * Returns a source's channels to what they held before its most recent applied sync run, from that run's
   * ledger. `runId` names that run (its source is used); otherwise `source` names the source.
   */
  async rollback(opts: {
    source?: string; runId?: number; dryRun: boolean; trigger: string; actor: string; onProgress?: (event: RunProgressEvent) => void;
  }): Promise<RollbackReport> {
    const setup = await this.rollbackSource(opts);
    return this.withRunLock(setup, async (lease) => {
      const em = this.deps.db.em();
      const latest = await em.findOne(
        SyncRun, { kind: 'SYNC', dryRun: false, sourceSystem: setup.name, status: { $ne: 'RUNNING' } }, { orderBy: { id: 'desc' } },
      );
      if (!latest) throw new SyncRefusedError(`there is no applied sync run to roll back${this.ofSource(setup)}`);
      if (opts.runId !== undefined && opts.runId !== latest.id) {
        throw new SyncRefusedError(`only the most recent applied run can be rolled back: that is run ${latest.id}, not ${opts.runId}`);
      }
      if (latest.rolledBackBy) throw new SyncRefusedError(`run ${latest.id} was already rolled back by run ${latest.rolledBackBy}`);
      const ageHours = (Date.now() - (latest.finishedAt ?? latest.startedAt).getTime()) / 3_600_000;
      if (ageHours > this.deps.rollbackWindowHours) {
        throw new SyncRefusedError(
          `run ${latest.id} finished ${ageHours.toFixed(1)} hours ago; rollback is only possible within ${this.deps.rollbackWindowHours} hours`,
        );
      }
      const entries = await em.find(LedgerEntry, { runId: latest.id, result: 'APPLIED' }, { orderBy: { id: 'asc' } });
      const report: RollbackReport = { runId: 0, rollbackOf: latest.id, dryRun: opts.dryRun, status: 'RUNNING', changes: [], failures: [] };
      const run = await this.startRun(lease, {
        kind: 'ROLLBACK', dryRun: opts.dryRun, trigger: opts.trigger, source: `run:${latest.id}`, sourceSystem: setup.name, rollbackOf: latest.id,
        actor: opts.actor,
      });
      report.runId = run.id;
      if (opts.onProgress) this.progressListeners.set(run.id, opts.onProgress);
      const summary: SyncReport = {
        runId: run.id, dryRun: opts.dryRun, status: 'RUNNING', sourceSystem: setup.name, source: `run:${latest.id}`, sourceItems: entries.length,
        mappedSkus: entries.length, updates: 0, failed: 0, skipped: { inactive: 0, unmapped: 0, notInSource: 0 },
        channels: {}, changes: [], failures: [], errorSummary: null,
      };
      try {
        const planned = await Promise.all(
          setup.links.map(async (link) => {
            const { channel, target } = link;
            const mine = entries.filter((e) => e.channel === channel && e.before !== null);
            const current = await this.readChannel(target, mine.map((e) => e.code));
            // A channel already holding the old figure needs no call: list and count only real changes.
            const changes: StockChange[] = mine
              .map((e) => ({ channel, sku: e.sku, code: e.code, before: current.get(e.code) ?? null, after: e.before! }))
              .filter((c) => c.before !== c.after);
            summary.channels[channel] = { updates: changes.length, failed: 0, unchanged: 0, notListed: 0 };
            return { link, changes };
          }),
        );
        for (const { changes } of planned) {
          report.changes.push(...changes.map((c) => ({ channel: c.channel, sku: c.sku, code: c.code, from: c.before, to: c.after })));
          summary.changes.push(...changes);
        }
        if (!opts.dryRun) {
          const sent = { count: 0 };
          for (const { link, changes } of planned) {
            const failures = await this.send(run.id, link, changes, summary, sent, lease);
            summary.channels[link.channel]!.failed = failures.length;
            report.failures.push(...failures);
          }
        }
        summary.updates = summary.changes.length;
        summary.failed = report.failures.length;
        summary.status = summary.failed === 0 ? 'SUCCESS' : summary.failed < summary.updates ? 'PARTIAL' : 'FAILED';
        if (summary.failed) summary.errorSummary = summarise(report.failures);
      } catch (err) {
        await this.stopped(run.id, summary, err, lease);
      }
      await this.finishRun(run.id, summary, setup.links);
      this.progressListeners.delete(run.id);
      report.status = summary.status;
      if (!opts.dryRun && (summary.status === 'SUCCESS' || summary.status === 'PARTIAL')) {
        await em.nativeUpdate(SyncRun, { id: latest.id }, { status: 'ROLLED_BACK', rolledBackBy: run.id });
        await this.deps.auditTrail.audit({
          actor: opts.actor, action: 'sync.rollback', subject: `run:${latest.id}`,
          detail: { rollbackRun: run.id, changes: report.changes.length, failed: report.failures.length },
        });
      }
      return report;
    });
  }

  /**
   * Sets one SKU's quantity on one channel by hand, outside the allocation rules. It is a run of its own (trigger
   * "manual") with a ledger entry, so it is audited, streamed as stockChanged, and undone by `rollback`.
   */
  async setChannelStock(opts: { channel: string; sku: string; quantity: number; actor: string }): Promise<SyncReport> {
    const fed = this.deps.sources.ofChannel(opts.channel);
    if (!fed) throw new InvalidInputError('channel', `unknown channel "${opts.channel}"; channels: ${this.channels.join(', ')}`);
    const { setup, link } = fed;
    const { channel, target } = link;
    checkQuantity(opts.quantity, 'quantity');
    const mapping = (await this.deps.catalog.getMappings([opts.sku])).get(opts.sku);
    if (!mapping) throw new InvalidInputError('sku', `unknown SKU "${opts.sku}": it is not in the SKU master`);
    const code = mapping.listings[channel];
    if (!code) throw new InvalidInputError('sku', `${opts.sku} has no ${channel} listing in the SKU master`);
    return this.withRunLock(setup, async (lease) => {
      const run = await this.startRun(lease, {
        kind: 'SYNC', dryRun: false, trigger: 'manual', source: `manual:${opts.actor}`, sourceSystem: setup.name, actor: opts.actor,
      });
      const report: SyncReport = {
        runId: run.id, dryRun: false, status: 'RUNNING', sourceSystem: setup.name, source: `manual:${opts.actor}`, sourceItems: 0, mappedSkus: 1, updates: 0,
        failed: 0, skipped: { inactive: 0, unmapped: 0, notInSource: 0 }, channels: {}, changes: [], failures: [], errorSummary: null,
      };
      try {
        const before = (await target.getStock([code])).get(code) ?? null;
        if (before === null) throw new SyncRefusedError(`${channel} has no listing ${code} for ${opts.sku}`);
        const changes = before === opts.quantity ? [] : [{ channel, sku: opts.sku, code, before, after: opts.quantity }];
        report.changes = changes;
        report.updates = changes.length;
        report.failures = await this.send(run.id, link, changes, report, { count: 0 }, lease);
        report.failed = report.failures.length;
        report.channels[channel] = { updates: changes.length, failed: report.failed, unchanged: 1 - changes.length, notListed: 0 };
        report.status = report.failed ? 'FAILED' : 'SUCCESS';
        report.errorSummary = report.failed ? summarise(report.failures) : null;
      } catch (err) {
        await this.stopped(run.id, report, err, lease);
      }
      await this.finishRun(run.id, report, [link]);
      await this.deps.auditTrail.audit({
        actor: opts.actor, action: 'stock.manual-set', subject: `${channel}:${opts.sku}`,
        detail: { runId: run.id, code, quantity: opts.quantity, status: report.status },
      });
      return report;
    });
  }

  // ---- previews, history, retention ---------------------------------------------------------------------

  /**
   * What a source's policy in force gives each of its channels for each quantity (`allocated`: the first
   * channel's; `tier`: the tier that applied, under a tiers policy).
   */
  async simulate(source: string, quantities: number[]): Promise<SimulatedAllocation[]> {
    const setup = this.deps.sources.resolve(source);
    const { policy, tiers } = await this.rules.current(setup.name);
    return quantities.map((quantity) => {
      const allocated = allocateByPolicy(policy, quantity, setup.channels);
      return {
        quantity, allocated: allocated.get(setup.channels[0]!) ?? 0, channels: Object.fromEntries(allocated), tier: tierFor(quantity, tiers) ?? null,
      };
    });
  }

  /** Allocation preview for a source's current inventory: per SKU, what each of its channels would get. */
  async simulateCurrent(source: string): Promise<SkuPreview[]> {
    const setup = this.deps.sources.resolve(source);
    const { policy } = await this.rules.current(setup.name);
    const mappings = await this.deps.catalog.allMappings();
    const out: SkuPreview[] = [];
    for await (const page of setup.source.pages()) {
      for (const item of page) {
        const m = mappings.get(item.sku);
        const allocated = allocateByPolicy(policy, item.quantity, setup.channels);
        const allocations: Partial<Record<Channel, number | null>> = {};
        for (const channel of setup.channels) {
          allocations[channel] = m?.isActive && m.listings[channel] ? allocated.get(channel)! : null;
        }
        out.push({ sku: item.sku, sourceQuantity: item.quantity, allocations });
      }
    }
    return out;
  }

  /** One page of simulateCurrent, for SKUs containing `sku` (any case). */
  async simulateCurrentPage(opts: { source: string; sku?: string; first: number; offset: number }) {
    const needle = opts.sku?.toLowerCase();
    const all = (await this.simulateCurrent(opts.source)).filter((r) => !needle || r.sku.toLowerCase().includes(needle));
    return { total: all.length, items: all.slice(opts.offset, opts.offset + opts.first) };
  }

  async listRuns(limit = 20, filter: { status?: RunStatus; kind?: RunView['kind']; sourceSystem?: string } = {}): Promise<RunView[]> {
    await this.recoverExpired();
    const where = {
      ...(filter.status ? { status: filter.status } : {}), ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.sourceSystem ? { sourceSystem: filter.sourceSystem } : {}),
    };
    const rows = await this.deps.db.em().find(SyncRun, where, { orderBy: { id: 'desc' }, limit });
    return rows.map(runView);
  }

  async getRun(id: number): Promise<RunView | null> {
    const row = await this.deps.db.em().findOne(SyncRun, { id });
    return row ? runView(row) : null;
  }

  async lastRun(): Promise<RunView | null> {
    return (await this.listRuns(1))[0] ?? null;
  }

  /** A run's ledger, keyset-paginated by entry id; `sku` keeps the entries whose SKU contains it (any case). */
  async ledger(runId: number, opts: { first?: number; after?: number; sku?: string } = {}) {
    const first = Math.min(opts.first ?? 100, 1000);
    const rows = await this.deps.db.em().find(
      LedgerEntry,
      {
        runId,
        ...(opts.after !== undefined ? { id: { $gt: opts.after } } : {}),
        ...(opts.sku ? { sku: { $ilike: `%${escapeLike(opts.sku)}%` } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: first + 1 },
    );
    return { entries: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  /** What Tsunagi last read from or wrote to each channel for these SKUs (a source system's name: its figure). */
  async stock(skus: string[], channels?: string[]) {
    return this.deps.db.em().find(
      StockSnapshot,
      { sku: { $in: skus }, ...(channels?.length ? { channel: { $in: channels } } : {}) },
      { orderBy: { sku: 'asc', channel: 'asc' } },
    );
  }

  /**
   * What deleteRunsOlderThan(cutoff) would delete, and how many of those runs finished inside the rollback
   * window (so `rollback` could still need their ledgers).
   */
  async runsOlderThan(cutoff: Date): Promise<{ runs: number; ledgerEntries: number; insideRollbackWindow: number }> {
    const em = this.deps.db.em();
    const old = await em.find(SyncRun, { startedAt: { $lt: cutoff }, status: { $ne: 'RUNNING' } }, { fields: ['id', 'startedAt', 'finishedAt'] });
    const windowStart = Date.now() - this.deps.rollbackWindowHours * 3_600_000;
    return {
      runs: old.length,
      ledgerEntries: old.length ? await em.count(LedgerEntry, { runId: { $in: old.map((r) => r.id) } }) : 0,
      insideRollbackWindow: old.filter((r) => (r.finishedAt ?? r.startedAt).getTime() > windowStart).length,
    };
  }

  /** Deletes finished runs and their ledgers older than the cutoff; never a run that is still running. */
  async deleteRunsOlderThan(cutoff: Date): Promise<{ runs: number; ledgerEntries: number }> {
    return this.deps.db.em().transactional(async (em) => {
      const old = await em.find(SyncRun, { startedAt: { $lt: cutoff }, status: { $ne: 'RUNNING' } }, { fields: ['id'] });
      const ids = old.map((r) => r.id);
      if (ids.length === 0) return { runs: 0, ledgerEntries: 0 };
      const ledgerEntries = await em.nativeDelete(LedgerEntry, { runId: { $in: ids } });
      const runs = await em.nativeDelete(SyncRun, { id: { $in: ids } });
      return { runs, ledgerEntries };
    });
  }

  /**
   * Declares runs dead whose lease expired (taking their source's lease for that moment); a live holder's run is
   * left alone.
   */
  async recoverExpired(): Promise<number[]> {
    const running = await this.deps.db.em().find(SyncRun, { status: 'RUNNING' }, { fields: ['sourceSystem'] });
    const recovered: number[] = [];
    for (const setup of this.deps.sources.all) {
      if (!running.some((r) => r.sourceSystem === setup.name)) continue;
      const lease = await this.lease(setup).acquire();
      if (!lease) continue;
      try {
        recovered.push(...(await this.recoverInterrupted(setup)));
      } finally {
        await lease.release();
      }
    }
    return recovered;
  }

  /**
   * Marks runs whose lease expired (their process stopped, or lost the database for longer than the lease) as
   * INTERRUPTED, and settles their PENDING ledger entries by asking each channel what it holds now. Only the
   * lease holder may do this, so it never races a live run or a run about to start.
   */
  private async recoverInterrupted(setup: StockSourceSetup): Promise<number[]> {
    const em = this.deps.db.em();
    const running = await em.find(SyncRun, { status: 'RUNNING', sourceSystem: setup.name });
    const recovered: number[] = [];
    for (const run of running) {
      await this.settlePending(run.id, setup.links);
      const counts = await this.ledgerCounts(run.id);
      const updates = Math.max(run.updates, counts.total);
      // No time in the text: the run's finish time is that last sign of life, shown by each client in its own format.
      const reason = `the process running it (${run.owner}) stopped renewing the run lease; its last sign of life is the run's finish time`;
      await em.nativeUpdate(SyncRun, { id: run.id, status: 'RUNNING' }, {
        status: 'INTERRUPTED', finishedAt: run.heartbeatAt, failed: counts.failed, updates, errorSummary: `${reason}; ${describeCounts(counts, updates)}`,
      });
      recovered.push(run.id);
      this.deps.logger.warn({ runId: run.id, owner: run.owner }, 'run marked INTERRUPTED');
    }
    return recovered;
  }

  /** Settles a run's PENDING entries from what each channel holds now: APPLIED where it shows the target quantity. */
  private async settlePending(runId: number, links: readonly ChannelLink[]): Promise<void> {
    const em = this.deps.db.em();
    const pending = await em.find(LedgerEntry, { runId, result: 'PENDING' });
    for (const { channel, target } of links) {
      const mine = pending.filter((p) => p.channel === channel);
      if (mine.length === 0) continue;
      let current: Map<string, number | null> | undefined;
      try {
        current = await this.readChannel(target, mine.map((p) => p.code));
      } catch (err) {
        this.deps.logger.warn({ runId, channel, err }, 'cannot read channel to settle interrupted run');
      }
      const settled = mine.map((p) => {
        const now = current?.get(p.code);
        if (current && now === p.after) return { id: p.id, result: 'APPLIED' as LedgerResult, error: null };
        const error = current ? `interrupted before the channel confirmed; it holds ${now ?? 'nothing'}` : 'interrupted; channel state unknown';
        return { id: p.id, result: 'FAILED' as LedgerResult, error };
      });
      const applied: StockChange[] = mine
        .filter((p, i) => settled[i].result === 'APPLIED')
        .map((p) => ({ channel, sku: p.sku, code: p.code, before: p.before ?? null, after: p.after }));
      await this.deps.events.transactional(async (em, emit) => {
        await this.settleLedger(settled, em);
        await this.saveSnapshots(channel, applied.map((c) => ({ sku: c.sku, code: c.code, quantity: c.after })), em);
        await this.publishChanges(runId, applied, emit);
      });
    }
  }

  private async ledgerCounts(runId: number): Promise<LedgerCounts> {
    const [row] = await this.deps.db.em().execute<{ total: number; applied: number; failed: number }[]>(
      `select count(*)::int as total, count(*) filter (where result = 'APPLIED')::int as applied,
              count(*) filter (where result = 'FAILED')::int as failed from sync_ledger where run_id = ?`,
      [runId],
    );
    return row!;
  }

  // ---- internals ----------------------------------------------------------------------------------------

  /** " for the source X" in messages, where several sources make it needed. */
  private ofSource(setup: StockSourceSetup): string {
    return this.deps.sources.all.length > 1 ? ` for the source ${setup.name}` : '';
  }

  private lease(setup: StockSourceSetup): RunLease {
    return this.leases.get(setup.name)!;
  }

  /** The source a rollback works on: the run's when `runId` is given (it must be that source's), else `source`. */
  private async rollbackSource(opts: { source?: string; runId?: number }): Promise<StockSourceSetup> {
    if (opts.runId === undefined) return this.deps.sources.resolve(opts.source);
    const run = await this.deps.db.em().findOne(SyncRun, { id: opts.runId }, { fields: ['sourceSystem'] });
    if (!run) throw new SyncRefusedError(`there is no run ${opts.runId} to roll back`);
    if (opts.source && opts.source !== run.sourceSystem) {
      throw new InvalidInputError('runId', `runId: run ${opts.runId} synced ${run.sourceSystem}, not ${opts.source}`);
    }
    return this.deps.sources.resolve(run.sourceSystem, 'runId');
  }

  /** Runs `fn` holding the source's lease; refuses while another run of that source holds it. */
  private async withRunLock<T>(setup: StockSourceSetup, fn: (lease: HeldLease) => Promise<T>): Promise<T> {
    const runLease = this.lease(setup);
    const lease = await runLease.acquire();
    if (!lease) {
      const holder = await runLease.holder();
      const running = holder?.runId ? await this.deps.db.em().findOne(SyncRun, { id: holder.runId }) : null;
      const until = holder ? `; its lease runs until ${holder.expiresAt.toISOString()} unless renewed` : '';
      throw new SyncRefusedError(
        running
          ? `another sync run is in progress${this.ofSource(setup)}: run ${running.id} (${running.kind.toLowerCase()}, started ${running.startedAt.toISOString()} by ${running.owner})${until}`
          : `another sync run is in progress${this.ofSource(setup)}${holder ? ` (${holder.holder})` : ''}${until}`,
      );
    }
    try {
      await this.recoverInterrupted(setup);
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  private async startRun(
    lease: HeldLease,
    r: { kind: 'SYNC' | 'ROLLBACK'; dryRun: boolean; trigger: string; source: string; sourceSystem: string; rollbackOf?: number; actor?: string },
  ) {
    const em = this.deps.db.em();
    const now = new Date();
    const run = em.create(SyncRun, {
      kind: r.kind, dryRun: r.dryRun, status: 'RUNNING', trigger: r.trigger, source: r.source, sourceSystem: r.sourceSystem, rollbackOf: r.rollbackOf ?? null,
      startedAt: now, heartbeatAt: now, owner: lease.holder, actor: r.actor ?? null, channels: {},
    });
    await em.flush();
    await lease.attachRun(run.id);
    this.deps.logger.info({ runId: run.id, kind: r.kind, dryRun: r.dryRun, trigger: r.trigger, source: r.source, sourceSystem: r.sourceSystem, actor: r.actor }, 'run started');
    return run;
  }

  /**
   * A run that threw: INTERRUPTED when it lost the lease or its database (it stopped, it did not fail), FAILED
   * otherwise. Either way it sends nothing more.
   */
  private async stopped(runId: number, report: SyncReport, err: unknown, lease: HeldLease): Promise<void> {
    const message = (err as Error).message;
    // Whatever went wrong, a run that cannot prove it still holds the lease was stopped, not failed.
    if (!(err instanceof LeaseLostError)) await lease.check().catch(() => {});
    if (err instanceof LeaseLostError || lease.lost) {
      report.status = 'INTERRUPTED';
      report.errorSummary = `stopped sending: ${lease.lost ?? message}`;
    } else if (isConnectionLoss(err)) {
      report.status = 'INTERRUPTED';
      report.errorSummary = `stopped sending: the database connection was lost (${message})`;
    } else {
      report.status = 'FAILED';
      report.errorSummary = message;
    }
    this.deps.logger.error({ runId, err, status: report.status }, 'run stopped');
  }

  private async recordPlan(runId: number, report: SyncReport): Promise<void> {
    await this.deps.db.em().nativeUpdate(SyncRun, { id: runId }, {
      sourceItems: report.sourceItems, mappedSkus: report.mappedSkus, skippedInactive: report.skipped.inactive,
      skippedUnmapped: report.skipped.unmapped, updates: report.updates, channels: channelCounts(report),
    });
  }

  /**
   * Records how the run ended. A stopped run first settles what it may have sent by reading the channels back.
   * When the database cannot be reached the run stays RUNNING; the next process settles it once the lease expired.
   */
  private async finishRun(runId: number, report: SyncReport, links: readonly ChannelLink[]): Promise<void> {
    const stoppedSummary = report.errorSummary;
    const record = async () => {
      if (report.status === 'INTERRUPTED' || report.status === 'FAILED') {
        await this.settlePending(runId, links);
        const counts = await this.ledgerCounts(runId);
        report.failed = Math.max(report.failed, counts.failed);
        if (report.status === 'INTERRUPTED') report.errorSummary = `${stoppedSummary}; ${describeCounts(counts, report.updates)}`;
      }
      // Only a run still RUNNING: a run another process already declared INTERRUPTED keeps that verdict.
      await this.deps.db.em().nativeUpdate(SyncRun, { id: runId, status: 'RUNNING' }, {
        status: report.status, finishedAt: new Date(), sourceItems: report.sourceItems, mappedSkus: report.mappedSkus,
        skippedInactive: report.skipped.inactive, skippedUnmapped: report.skipped.unmapped, updates: report.updates,
        failed: report.failed, channels: channelCounts(report), errorSummary: report.errorSummary,
      });
    };
    try {
      // Recording is idempotent: after a dropped connection the pool may hand out another dead one, so try again.
      for (let attempt = 1; ; attempt++) {
        try {
          await record();
          break;
        } catch (err) {
          if (attempt >= RECORD_ATTEMPTS || !isConnectionLoss(err)) throw err;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    } catch (err) {
      report.status = 'INTERRUPTED';
      report.errorSummary = `${report.errorSummary ?? 'stopped'}; the outcome could not be recorded (${(err as Error).message}): the next run settles it from the channels once the lease expired`;
      this.deps.logger.error({ runId, err }, 'run outcome not recorded');
    }
    await this.deps.auditTrail.flushCalls().catch((err: unknown) => this.deps.logger.warn({ err }, 'integration log not flushed'));
    await this.progress({ runId, phase: 'finished', done: report.updates, total: report.updates, status: report.status });
    this.deps.logger.info(
      { runId, status: report.status, updates: report.updates, failed: report.failed, dryRun: report.dryRun },
      'run finished',
    );
  }

  private async insertLedger(runId: number, batch: StockChange[]): Promise<number[]> {
    const conn = this.deps.db.em().getConnection();
    const ids: number[] = [];
    for (const part of chunk(batch, SQL_CHUNK)) {
      const rows = await conn.execute<{ id: string }[]>(
        `insert into sync_ledger (run_id, channel, sku, code, before, after, result, at)
         select ?, channel, sku, code, before, after, 'PENDING', now()
         from json_to_recordset(?::json) as x(channel text, sku text, code text, before int, after int)
         returning id`,
        [runId, JSON.stringify(part)],
      );
      ids.push(...rows.map((r) => Number(r.id)));
    }
    return ids;
  }

  private async settleLedger(rows: { id: number; result: LedgerResult; error: string | null }[], em?: EntityManager): Promise<void> {
    const conn = em ?? this.deps.db.em();
    for (const part of chunk(rows, SQL_CHUNK)) {
      await conn.execute(
        `update sync_ledger l set result = x.result, error = x.error, at = now()
         from json_to_recordset(?::json) as x(id bigint, result text, error text) where l.id = x.id`,
        [JSON.stringify(part)],
      );
    }
  }

  private async saveSnapshots(channel: string, rows: { sku: string; code: string; quantity: number }[], em?: EntityManager): Promise<void> {
    const conn = em ?? this.deps.db.em();
    for (const part of chunk(rows, SQL_CHUNK)) {
      await conn.execute(
        `insert into stock_snapshot (channel, sku, code, quantity, updated_at)
         select ?, sku, code, quantity, now() from json_to_recordset(?::json) as x(sku text, code text, quantity int)
         on conflict (channel, sku) do update set code = excluded.code, quantity = excluded.quantity, updated_at = excluded.updated_at`,
        [channel, JSON.stringify(part)],
      );
    }
  }

  /** One outbox event per sent batch, in the batch's transaction. */
  private async publishChanges(runId: number, applied: StockChange[], emit: Emit): Promise<void> {
    if (applied.length === 0) return;
    const at = new Date().toISOString();
    const events: StockChangedEvent[] = applied.map((c) => ({ sku: c.sku, channel: c.channel, before: c.before, after: c.after, runId, at }));
    await emit(TOPICS.stockChanged, events);
  }

  private async progress(event: RunProgressEvent): Promise<void> {
    this.progressListeners.get(event.runId)?.(event);
    await this.deps.events.publish(TOPICS.runProgress, event).catch(() => {});
  }

  /** A reading phase's progress, at most every READ_PROGRESS_MS (always when `last`); total grows past an estimate. */
  private throttled(runId: number, phase: 'reading-source' | 'reading-channels', total: number) {
    let at = 0;
    return async (done: number, last = false) => {
      const now = Date.now();
      if (!last && done > 0 && now - at < READ_PROGRESS_MS) return;
      at = now;
      await this.progress({ runId, phase, done, total: last ? done : Math.max(total, done), status: 'RUNNING' });
    };
  }
}

interface LedgerCounts {
  total: number;
  applied: number;
  failed: number;
}

function describeCounts(c: LedgerCounts, planned: number): string {
  return `${c.applied} of ${planned} changes applied, ${c.failed} failed, ${Math.max(0, planned - c.applied - c.failed)} not sent`;
}

function channelCounts(report: SyncReport): Record<string, { updates: number; failed: number }> {
  return Object.fromEntries(Object.entries(report.channels).map(([k, v]) => [k, { updates: v!.updates, failed: v!.failed }]));
}

/** Like Promise.all, but waits for every task to stop before reporting the first error: nothing keeps sending behind the caller's back. */
async function allOrFirstError(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function summarise(failures: ItemFailure[]): string {
  const byError = new Map<string, number>();
  for (const f of failures) {
    const key = `${f.channel}: ${f.error}`;
    byError.set(key, (byError.get(key) ?? 0) + 1);
  }
  return [...byError].slice(0, 5).map(([e, n]) => `${n} × ${e}`).join('; ') + (byError.size > 5 ? `; and ${byError.size - 5} more kinds` : '');
}

function runView(r: {
  id: number; kind: 'SYNC' | 'ROLLBACK'; dryRun: boolean; status: RunStatus; trigger: string; sourceSystem: string; source: string; startedAt: Date;
  finishedAt?: Date | null; sourceItems: number; mappedSkus: number; skippedInactive: number; skippedUnmapped: number;
  updates: number; failed: number; channels: Record<string, { updates: number; failed: number }>; errorSummary?: string | null;
  rollbackOf?: number | null; rolledBackBy?: number | null; actor?: string | null; owner: string;
}): RunView {
  return {
    id: r.id, kind: r.kind, dryRun: r.dryRun, status: r.status, trigger: r.trigger, sourceSystem: r.sourceSystem, source: r.source, startedAt: r.startedAt,
    finishedAt: r.finishedAt ?? null, sourceItems: r.sourceItems, mappedSkus: r.mappedSkus, skippedInactive: r.skippedInactive,
    skippedUnmapped: r.skippedUnmapped, updates: r.updates, failed: r.failed, channels: r.channels,
    errorSummary: r.errorSummary ?? null, rollbackOf: r.rollbackOf ?? null, rolledBackBy: r.rolledBackBy ?? null,
    actor: r.actor ?? null, owner: r.owner,
  };
}

export type { Actor } from './rules.js';
