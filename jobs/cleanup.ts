// The daily retention job: sync runs with their ledgers, the integration log and the event outbox, older than
// config.sync.retentionDays are deleted. The audit trail is kept. `tsunagi cleanup` runs the same function.
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { EventBus } from '../platform/events/index.js';
import type { InventoryService } from '../subgraphs/inventory/service.js';
import type { ReportingService } from '../subgraphs/reporting/service.js';

export const CLEANUP_JOB = 'cleanup';

const DAY_MS = 86_400_000;

export interface CleanupDeps {
  inventory: Pick<InventoryService, 'deleteRunsOlderThan'>;
  reporting: Pick<ReportingService, 'deleteCallsOlderThan'>;
  events: Pick<EventBus, 'prune'>;
  logger: Logger;
}

export interface CleanupResult {
  cutoff: Date;
  runs: number;
  ledgerEntries: number;
  integrationLog: number;
  events: number;
}

export async function runCleanup(deps: CleanupDeps, olderThanDays: number, now = new Date()): Promise<CleanupResult> {
  if (!Number.isInteger(olderThanDays) || olderThanDays < 0) throw new Error(`retention must be a whole number of days >= 0, got ${olderThanDays}`);
  const cutoff = new Date(now.getTime() - olderThanDays * DAY_MS);
  const { runs, ledgerEntries } = await deps.inventory.deleteRunsOlderThan(cutoff);
  const integrationLog = await deps.reporting.deleteCallsOlderThan(cutoff);
  const events = await deps.events.prune(cutoff);
  const result = { cutoff, runs, ledgerEntries, integrationLog, events };
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
