// A run's life, whatever its kind: one at a time per stock source (its lease), recorded when it starts, its
// progress published, its end recorded (a stopped run's PENDING ledger entries settled first), and runs whose
// process died declared INTERRUPTED once their lease has expired.
import type { Logger } from 'pino';
import { isConnectionLoss, type Database } from '../../../platform/db/index.js';
import { attachRun } from '../../../platform/log/correlation.js';
import type { EventBus } from '../../../platform/events/index.js';
import type { AuditPort } from '../../../platform/audit.js';
import { SyncRun, type RunStatus } from '../entities/sync-run.js';
import { SyncRefusedError } from '../errors.js';
import { TOPICS } from '../events.js';
import { LeaseLostError, RunLease, type HeldLease, type LeaseSettings } from '../run-lock.js';
import type { ChannelLink, StockSources, StockSourceSetup } from '../sources.js';
import type { RunKind, RunReport } from './report.js';
import type { LedgerCounts, Sender } from './sending.js';

export interface RunProgressEvent {
  runId: number;
  phase: 'reading-source' | 'reading-channels' | 'sending' | 'finished';
  done: number;
  total: number;
  status: RunStatus;
}

export type ProgressListener = (event: RunProgressEvent) => void;

/** Progress while reading is reported at most this often (sending reports every batch): each event is an outbox row. */
const READ_PROGRESS_MS = 1000;
/** Tries at recording a run's outcome when the database connection drops. */
const RECORD_ATTEMPTS = 3;

export interface RunsDeps {
  db: Database;
  events: EventBus;
  auditTrail: AuditPort;
  sources: StockSources;
  lease: LeaseSettings;
  logger: Logger;
}

export class Runs {
  private readonly leases: Map<string, RunLease>;
  private readonly listeners = new Map<number, ProgressListener>();

  constructor(
    private readonly deps: RunsDeps,
    private readonly sender: Sender,
  ) {
    this.leases = new Map(deps.sources.names.map((name) => [name, new RunLease(deps.db, name, deps.lease, deps.logger)]));
  }

  /** Runs `fn` holding the source's lease (recovering its dead runs first); refuses while another run of that source holds it. */
  async withLease<T>(setup: StockSourceSetup, fn: (lease: HeldLease) => Promise<T>): Promise<T> {
    const runLease = this.leases.get(setup.name)!;
    const lease = await runLease.acquire();
    if (!lease) {
      const holder = await runLease.holder();
      const running = holder?.runId ? await this.deps.db.em().findOne(SyncRun, { id: holder.runId }) : null;
      const until = holder ? `; its lease runs until ${holder.expiresAt.toISOString()} unless renewed` : '';
      const of = this.ofSource(setup);
      throw new SyncRefusedError(
        running
          ? `another sync run is in progress${of}: run ${running.id} (${running.kind.toLowerCase()}, started ${running.startedAt.toISOString()} by ${running.owner})${until}`
          : `another sync run is in progress${of}${holder ? ` (${holder.holder})` : ''}${until}`,
      );
    }
    try {
      await this.recoverInterrupted(setup);
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  /** " for the source X" in messages, where several sources make it needed. */
  ofSource(setup: StockSourceSetup): string {
    return this.deps.sources.all.length > 1 ? ` for the source ${setup.name}` : '';
  }

  /** Records a new RUNNING run under the lease; `onProgress` hears its progress besides the published events. */
  async start(
    lease: HeldLease,
    r: { kind: RunKind; dryRun: boolean; trigger: string; source: string; sourceSystem: string; rollbackOf?: number; actor?: string; onProgress?: ProgressListener },
  ): Promise<number> {
    const em = this.deps.db.em();
    const now = new Date();
    const run = em.create(SyncRun, {
      kind: r.kind, dryRun: r.dryRun, status: 'RUNNING', trigger: r.trigger, source: r.source, sourceSystem: r.sourceSystem,
      rollbackOf: r.rollbackOf ?? null, startedAt: now, heartbeatAt: now, owner: lease.holder, actor: r.actor ?? null, channels: {},
    });
    await em.flush();
    await lease.attachRun(run.id);
    attachRun(run.id);
    if (r.onProgress) this.listeners.set(run.id, r.onProgress);
    this.deps.logger.info({ runId: run.id, kind: r.kind, dryRun: r.dryRun, trigger: r.trigger, source: r.source, sourceSystem: r.sourceSystem, actor: r.actor }, 'run started');
    return run.id;
  }

  /**
   * A run that threw: INTERRUPTED when it lost the lease or its database (it stopped, it did not fail), FAILED
   * otherwise. Either way it sends nothing more.
   */
  async stopped(report: RunReport, err: unknown, lease: HeldLease): Promise<void> {
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
    this.deps.logger.error({ runId: report.runId, err, status: report.status }, 'run stopped');
  }

  /** The run's counts so far, saved as it goes: a run that never finishes still shows what it set out to do. */
  async record(report: RunReport): Promise<void> {
    await this.deps.db.em().nativeUpdate(SyncRun, { id: report.runId }, {
      sourceItems: report.sourceItems, mappedSkus: report.mappedSkus, skippedInactive: report.skipped.inactive,
      skippedUnmapped: report.skipped.unmapped, updates: report.updates, channels: channelCounts(report),
    });
  }

  /**
   * Records how the run ended. A stopped run first settles what it may have sent by reading the channels back.
   * When the database cannot be reached the run stays RUNNING; the next process settles it once the lease expired.
   */
  async finish(report: RunReport, links: readonly ChannelLink[]): Promise<void> {
    const { runId } = report;
    const stoppedSummary = report.errorSummary;
    const record = async () => {
      if (report.status === 'INTERRUPTED' || report.status === 'FAILED') {
        await this.sender.settlePending(runId, links);
        const counts = await this.sender.ledgerCounts(runId);
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
    this.listeners.delete(runId);
    this.deps.logger.info({ runId, status: report.status, updates: report.updates, failed: report.failed, dryRun: report.dryRun }, 'run finished');
  }

  async progress(event: RunProgressEvent): Promise<void> {
    this.listeners.get(event.runId)?.(event);
    await this.deps.events.publish(TOPICS.runProgress, event).catch(() => {});
  }

  /**
   * A reading phase's progress, at most every READ_PROGRESS_MS (always when `last`). `total` is what is known or
   * expected so far; the reported total never falls below what is done.
   */
  throttled(runId: number, phase: 'reading-source' | 'reading-channels', total: () => number) {
    let at = 0;
    return async (done: number, last = false) => {
      const now = Date.now();
      if (!last && done > 0 && now - at < READ_PROGRESS_MS) return;
      at = now;
      await this.progress({ runId, phase, done, total: last ? done : Math.max(total(), done), status: 'RUNNING' });
    };
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
      const lease = await this.leases.get(setup.name)!.acquire();
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
   * Marks a source's runs whose lease expired (their process stopped, or lost the database for longer than the
   * lease) as INTERRUPTED, and settles their PENDING ledger entries by asking each channel what it holds now. Only
   * the lease holder may do this, so it never races a live run or a run about to start.
   */
  private async recoverInterrupted(setup: StockSourceSetup): Promise<number[]> {
    const em = this.deps.db.em();
    const running = await em.find(SyncRun, { status: 'RUNNING', sourceSystem: setup.name });
    const recovered: number[] = [];
    for (const run of running) {
      await this.sender.settlePending(run.id, setup.links);
      const counts = await this.sender.ledgerCounts(run.id);
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
}

function describeCounts(c: LedgerCounts, planned: number): string {
  return `${c.applied} of ${planned} changes applied, ${c.failed} failed, ${Math.max(0, planned - c.applied - c.failed)} not sent`;
}

function channelCounts(report: RunReport): Record<string, { updates: number; failed: number }> {
  return Object.fromEntries(Object.entries(report.channels).map(([k, v]) => [k, { updates: v!.updates, failed: v!.failed }]));
}
