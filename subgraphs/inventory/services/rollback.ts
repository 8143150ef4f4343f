// Rollback: a source's channels back to what they held before its most recent applied run, from that run's ledger —
// within the rollback window, once, under the source's lease like any run.
import type { AuditPort } from '../../../platform/audit.js';
import type { Database } from '../../../platform/db/index.js';
import { correlated } from '../../../platform/log/correlation.js';
import { SyncRun } from '../entities/sync-run.js';
import { InvalidInputError, SyncRefusedError } from '../errors.js';
import type { StockSources, StockSourceSetup } from '../sources.js';
import { addChanges, addFailures, FailureTally, newReport, outcome, type RunReport, type StockChange } from './report.js';
import type { ProgressListener, Runs } from './runs.js';
import { ChannelOutbox, type Sender } from './sending.js';

/** Ledger entries undone together: read back from the channel, compared, sent. */
const LEDGER_PAGE = 2000;

export interface RollbackOptions {
  /** The source whose latest run to undo; `runId` names that run instead (its source is used). */
  source?: string;
  runId?: number;
  dryRun: boolean;
  trigger: string;
  actor: string;
  onProgress?: ProgressListener;
}

export interface RollbackDeps {
  db: Database;
  auditTrail: AuditPort;
  sources: StockSources;
  runs: Runs;
  sender: Sender;
  rollbackWindowHours: number;
}

export class RollbackService {
  constructor(private readonly deps: RollbackDeps) {}

  /** Undoes the source's most recent applied sync run; the report's `rollbackOf` names it. */
  run(opts: RollbackOptions): Promise<RunReport> {
    return correlated(() => this.execute(opts));
  }

  private async execute(opts: RollbackOptions): Promise<RunReport> {
    const { runs, sender } = this.deps;
    const setup = await this.sourceOf(opts);
    return runs.withLease(setup, async (lease) => {
      const em = this.deps.db.em();
      const latest = await em.findOne(SyncRun, { kind: 'SYNC', dryRun: false, sourceSystem: setup.name, status: { $ne: 'RUNNING' } }, { orderBy: { id: 'desc' } });
      if (!latest) throw new SyncRefusedError(`there is no applied sync run to roll back${runs.ofSource(setup)}`);
      if (opts.runId !== undefined && opts.runId !== latest.id) {
        throw new SyncRefusedError(`only the most recent applied run can be rolled back: that is run ${latest.id}, not ${opts.runId}`);
      }
      if (latest.rolledBackBy) throw new SyncRefusedError(`run ${latest.id} was already rolled back by run ${latest.rolledBackBy}`);
      const { rollbackWindowHours } = this.deps;
      const ageHours = (Date.now() - (latest.finishedAt ?? latest.startedAt).getTime()) / 3_600_000;
      if (ageHours > rollbackWindowHours) {
        throw new SyncRefusedError(`run ${latest.id} finished ${ageHours.toFixed(1)} hours ago; rollback is only possible within ${rollbackWindowHours} hours`);
      }
      const toUndo = await this.countApplied(latest.id);
      const source = `run:${latest.id}`;
      const runId = await runs.start(lease, {
        kind: 'ROLLBACK', dryRun: opts.dryRun, trigger: opts.trigger, source, sourceSystem: setup.name, rollbackOf: latest.id, actor: opts.actor,
        onProgress: opts.onProgress,
      });
      const report = newReport({ runId, kind: 'ROLLBACK', dryRun: opts.dryRun, trigger: opts.trigger, sourceSystem: setup.name, source, rollbackOf: latest.id });
      report.sourceItems = toUndo;
      report.mappedSkus = toUndo;
      try {
        const tally = new FailureTally();
        const reading = runs.throttled(runId, 'reading-channels', () => toUndo);
        let read = 0;
        let sent = 0;
        // Channel by channel, the run's ledger a page at a time: read back, compare, send what differs.
        for (const link of setup.links) {
          const summary = (report.channels[link.channel] = { updates: 0, failed: 0, unchanged: 0, notListed: 0 });
          const outbox = opts.dryRun ? undefined : new ChannelOutbox(sender, runId, link, lease, async (batch, failures) => {
            summary.failed += failures.length;
            addFailures(report, failures);
            tally.add(failures);
            await runs.progress({ runId, phase: 'sending', done: (sent += batch), total: report.updates, status: 'RUNNING' });
          });
          try {
            for (let after = 0; ;) {
              const entries = await this.appliedPage(latest.id, link.channel, after);
              if (entries.length === 0) break;
              after = entries.at(-1)!.id;
              const current = await sender.readChannel(link.target, entries.map((e) => e.code), (n) => reading((read += n)));
              // A channel already holding the old figure needs no call: list and count only real changes.
              const changes: StockChange[] = entries
                .map((e) => ({ channel: link.channel, sku: e.sku, code: e.code, before: current.get(e.code) ?? null, after: e.before }))
                .filter((c) => c.before !== c.after);
              summary.updates += changes.length;
              summary.unchanged += entries.length - changes.length;
              addChanges(report, changes);
              await runs.record(report);
              await outbox?.push(changes);
            }
            await outbox?.flush();
          } finally {
            await outbox?.settled();
          }
        }
        await reading(read, true);
        report.status = outcome(report.failed, report.updates);
        report.errorSummary = tally.summary();
      } catch (err) {
        await runs.stopped(report, err, lease);
      }
      await runs.finish(report, setup.links);
      if (!opts.dryRun && (report.status === 'SUCCESS' || report.status === 'PARTIAL')) {
        await em.nativeUpdate(SyncRun, { id: latest.id }, { status: 'ROLLED_BACK', rolledBackBy: runId });
        await this.deps.auditTrail.audit({
          actor: opts.actor, action: 'sync.rollback', subject: `run:${latest.id}`,
          detail: { rollbackRun: runId, changes: report.updates, failed: report.failed },
        });
      }
      return report;
    });
  }

  /** The run's APPLIED entries that had a figure before (what a rollback can put back). */
  private async countApplied(runId: number): Promise<number> {
    const [row] = await this.deps.db.em().execute<{ n: number }[]>(
      `select count(*)::int as n from sync_ledger where run_id = ? and result = 'APPLIED' and before is not null`, [runId],
    );
    return row!.n;
  }

  /** One page of a channel's APPLIED entries (with a figure before) of a run, in entry order after `after`. */
  private async appliedPage(runId: number, channel: string, after: number) {
    const rows = await this.deps.db.em().execute<{ id: string; sku: string; code: string; before: number }[]>(
      `select id, sku, code, before from sync_ledger
       where run_id = ? and channel = ? and result = 'APPLIED' and before is not null and id > ? order by id limit ?`,
      [runId, channel, after, LEDGER_PAGE],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** The source a rollback works on: the run's when `runId` is given (it must be that source's), else `source`. */
  private async sourceOf(opts: { source?: string; runId?: number }): Promise<StockSourceSetup> {
    if (opts.runId === undefined) return this.deps.sources.resolve(opts.source);
    const run = await this.deps.db.em().findOne(SyncRun, { id: opts.runId }, { fields: ['sourceSystem', 'kind'] });
    if (!run) throw new SyncRefusedError(`there is no run ${opts.runId} to roll back`);
    if (run.kind === 'REALTIME') throw new SyncRefusedError(`run ${opts.runId} is a REALTIME run: it is not rolled back (the next change from the source supersedes it)`);
    if (opts.source && opts.source !== run.sourceSystem) {
      throw new InvalidInputError('runId', `runId: run ${opts.runId} synced ${run.sourceSystem}, not ${opts.source}`);
    }
    return this.deps.sources.resolve(run.sourceSystem, 'runId');
  }
}
