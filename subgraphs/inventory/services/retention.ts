// Retention: finished runs and their ledgers past the retention period go (the cleanup job); a run still running
// never does, and the caller is told which of them finished inside the rollback window.
import type { Database } from '../../../platform/db/index.js';
import { LedgerEntry } from '../entities/ledger-entry.js';
import { SyncRun } from '../entities/sync-run.js';

export class RetentionService {
  constructor(private readonly deps: { db: Database; rollbackWindowHours: number }) {}

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
}
