// Rollback: a source's channels back to what they held before its most recent applied run, from that run's ledger —
// within the rollback window, once, under the source's lease like any run.
import type { AuditPort } from '../../../platform/audit.js';
import type { Database } from '../../../platform/db/index.js';
import { LedgerEntry } from '../entities/ledger-entry.js';
import { SyncRun } from '../entities/sync-run.js';
import { InvalidInputError, SyncRefusedError } from '../errors.js';
import type { StockSources, StockSourceSetup } from '../sources.js';
import { addChanges, addFailures, FailureTally, newReport, outcome, type RunReport, type StockChange } from './report.js';
import type { ProgressListener, Runs } from './runs.js';
import type { Sender } from './sending.js';

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
  async run(opts: RollbackOptions): Promise<RunReport> {
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
      const entries = await em.find(LedgerEntry, { runId: latest.id, result: 'APPLIED' }, { orderBy: { id: 'asc' } });
      const source = `run:${latest.id}`;
      const runId = await runs.start(lease, {
        kind: 'ROLLBACK', dryRun: opts.dryRun, trigger: opts.trigger, source, sourceSystem: setup.name, rollbackOf: latest.id, actor: opts.actor,
        onProgress: opts.onProgress,
      });
      const report = newReport({ runId, kind: 'ROLLBACK', dryRun: opts.dryRun, trigger: opts.trigger, sourceSystem: setup.name, source, rollbackOf: latest.id });
      report.sourceItems = entries.length;
      report.mappedSkus = entries.length;
      try {
        const planned = await Promise.all(
          setup.links.map(async (link) => {
            const mine = entries.filter((e) => e.channel === link.channel && e.before !== null);
            const current = await sender.readChannel(link.target, mine.map((e) => e.code));
            // A channel already holding the old figure needs no call: list and count only real changes.
            const changes: StockChange[] = mine
              .map((e) => ({ channel: link.channel, sku: e.sku, code: e.code, before: current.get(e.code) ?? null, after: e.before! }))
              .filter((c) => c.before !== c.after);
            return { link, changes, summary: { updates: changes.length, failed: 0, unchanged: mine.length - changes.length, notListed: 0 } };
          }),
        );
        for (const { link, changes, summary } of planned) {
          report.channels[link.channel] = summary;
          addChanges(report, changes);
        }
        await runs.record(report);
        const tally = new FailureTally();
        if (!opts.dryRun) {
          const total = report.updates;
          let sent = 0;
          for (const { link, changes } of planned) {
            const failures = await sender.send(runId, link, changes, lease, (n) => runs.progress({ runId, phase: 'sending', done: (sent += n), total, status: 'RUNNING' }));
            report.channels[link.channel]!.failed = failures.length;
            addFailures(report, failures);
            tally.add(failures);
          }
        }
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

  /** The source a rollback works on: the run's when `runId` is given (it must be that source's), else `source`. */
  private async sourceOf(opts: { source?: string; runId?: number }): Promise<StockSourceSetup> {
    if (opts.runId === undefined) return this.deps.sources.resolve(opts.source);
    const run = await this.deps.db.em().findOne(SyncRun, { id: opts.runId }, { fields: ['sourceSystem'] });
    if (!run) throw new SyncRefusedError(`there is no run ${opts.runId} to roll back`);
    if (opts.source && opts.source !== run.sourceSystem) {
      throw new InvalidInputError('runId', `runId: run ${opts.runId} synced ${run.sourceSystem}, not ${opts.source}`);
    }
    return this.deps.sources.resolve(run.sourceSystem, 'runId');
  }
}
