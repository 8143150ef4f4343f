// The daily retention job: sync runs with their ledgers, the integration log and the event outbox, older than
// config.sync.retentionDays are deleted. The audit trail is kept. `tsunagi cleanup` runs the same function.
// Runs that finished inside the rollback window are kept unless the caller forces it: `rollback` needs them.
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { EventBus } from '../platform/events/index.js';
import { SyncRefusedError } from '../subgraphs/inventory/errors.js';
import type { RetentionService } from '../subgraphs/inventory/services/retention.js';
import type { ReportingService } from '../subgraphs/reporting/service.js';

export const CLEANUP_JOB = 'cleanup';

const DAY_MS = 86_400_000;

export interface CleanupDeps {
  inventory: { retention: Pick<RetentionService, 'deleteRunsOlderThan' | 'runsOlderThan'> };
  reporting: Pick<ReportingService, 'deleteCallsOlderThan' | 'countCallsOlderThan'>;
  events: Pick<EventBus, 'prune' | 'countOlderThan'>;
  logger: Logger;
}

export interface CleanupOptions {
  /** Say what would go, delete nothing. */
  dryRun?: boolean;
  /** Delete runs that finished inside the rollback window too. */
  force?: boolean;
  now?: Date;
}

export interface CleanupResult {
  cutoff: Date;
  dryRun: boolean;
  runs: number;
  ledgerEntries: number;
  integrationLog: number;
  events: number;
  /** Runs among `runs` that finished inside the rollback window. */
  insideRollbackWindow: number;
}

export async function runCleanup(deps: CleanupDeps, olderThanDays: number, opts: CleanupOptions = {}): Promise<CleanupResult> {
  if (!Number.isInteger(olderThanDays) || olderThanDays < 0) throw new Error(`retention must be a whole number of days >= 0, got ${olderThanDays}`);
  const cutoff = new Date((opts.now ?? new Date()).getTime() - olderThanDays * DAY_MS);
  const preview = await deps.inventory.retention.runsOlderThan(cutoff);
  const { insideRollbackWindow } = preview;
  if (opts.dryRun) {
    const integrationLog = await deps.reporting.countCallsOlderThan(cutoff);
    const events = await deps.events.countOlderThan(cutoff);
    return { cutoff, dryRun: true, runs: preview.runs, ledgerEntries: preview.ledgerEntries, integrationLog, events, insideRollbackWindow };
  }
  if (insideRollbackWindow > 0 && !opts.force) {
    throw new SyncRefusedError(
      `cleanup would delete ${insideRollbackWindow} run(s) that finished inside the rollback window, so they could ` +
        'no longer be rolled back; see what would go with --dry-run, delete them anyway with --force',
    );
  }
  const { runs, ledgerEntries } = await deps.inventory.retention.deleteRunsOlderThan(cutoff);
  const integrationLog = await deps.reporting.deleteCallsOlderThan(cutoff);
  const events = await deps.events.prune(cutoff);
  const result = { cutoff, dryRun: false, runs, ledgerEntries, integrationLog, events, insideRollbackWindow };
  deps.logger.info(
    result,
    `Cleanup: deleted ${runs} runs, ${ledgerEntries} ledger entries, ${integrationLog} integration-log rows, ${events} events older than ${cutoff.toISOString()}`,
  );
  return result;
}

export function defineCleanup(agenda: Agenda, deps: CleanupDeps & { retentionDays: number }): void {
  agenda.define(CLEANUP_JOB, async () => {
    await runCleanup(deps, deps.retentionDays);
  }, { concurrency: 1, lockLimit: 1 });
}
