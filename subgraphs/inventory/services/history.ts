// Run history: the runs (recovering dead ones first, so a crashed run is shown INTERRUPTED, not RUNNING), a run's
// ledger page by page, and what Tsunagi last read from or wrote to each channel.
import type { Database } from '../../../platform/db/index.js';
import { LedgerEntry } from '../entities/ledger-entry.js';
import { StockSnapshot } from '../entities/stock-snapshot.js';
import { SyncRun, type RunStatus } from '../entities/sync-run.js';
import type { RunKind } from './report.js';
import type { Runs } from './runs.js';

export interface RunView {
  id: number;
  kind: RunKind;
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

/** Ledger entries one page gives at most. */
const MAX_LEDGER_PAGE = 1000;

/** A LIKE pattern matching `text` literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class HistoryService {
  constructor(private readonly deps: { db: Database; runs: Runs }) {}

  async listRuns(limit = 20, filter: { status?: RunStatus; kind?: RunKind; sourceSystem?: string } = {}): Promise<RunView[]> {
    await this.deps.runs.recoverExpired();
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

  /** The last batch run (sync, rollback, stock set); a stream's REALTIME runs have their state in the stream's health. */
  async lastRun(): Promise<RunView | null> {
    await this.deps.runs.recoverExpired();
    const row = await this.deps.db.em().findOne(SyncRun, { kind: { $ne: 'REALTIME' } }, { orderBy: { id: 'desc' } });
    return row ? runView(row) : null;
  }

  /** A run's ledger, keyset-paginated by entry id; `sku` keeps the entries whose SKU contains it (any case). */
  async ledger(runId: number, opts: { first?: number; after?: number; sku?: string } = {}) {
    const first = Math.min(opts.first ?? 100, MAX_LEDGER_PAGE);
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

  /** What Tsunagi last read from or wrote to each channel for these SKUs (a source system's name: that source's figure). */
  async stock(skus: string[], channels?: string[]) {
    return this.deps.db.em().find(
      StockSnapshot,
      { sku: { $in: skus }, ...(channels?.length ? { channel: { $in: channels } } : {}) },
      { orderBy: { sku: 'asc', channel: 'asc' } },
    );
  }
}

function runView(r: {
  id: number; kind: RunKind; dryRun: boolean; status: RunStatus; trigger: string; sourceSystem: string; source: string; startedAt: Date;
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
