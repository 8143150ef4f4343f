// The daily retention job: sync runs with their ledgers, the integration log, the event outbox and processed order
// webhooks and calls out, older than config.sync.retentionDays, are deleted; so is the personal data of order
// buyers once an order has been complete for orders.buyerRetentionDays. The audit trail is kept. `tsunagi cleanup`
// runs the same function.
// Runs that finished inside the rollback window are kept unless the caller forces it: `rollback` needs them.
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { EventBus } from '../platform/events/index.js';
import { correlated } from '../platform/log/correlation.js';
import { SyncRefusedError } from '../subgraphs/inventory/errors.js';
import type { RetentionService } from '../subgraphs/inventory/services/retention.js';
import type { OrdersService } from '../subgraphs/orders/service.js';
import type { ReportingService } from '../subgraphs/reporting/service.js';

export const CLEANUP_JOB = 'cleanup';

const DAY_MS = 86_400_000;

export interface CleanupDeps {
  inventory: { retention: Pick<RetentionService, 'deleteRunsOlderThan' | 'runsOlderThan'> };
  reporting: Pick<ReportingService, 'deleteCallsOlderThan' | 'countCallsOlderThan'>;
  events: Pick<EventBus, 'prune' | 'countOlderThan'>;
  orders: Pick<OrdersService, 'cleanup'>;
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
  /** Orders whose buyer's personal data was deleted (complete for longer than orders.buyerRetentionDays). */
  orderBuyers: number;
  /** Processed order webhooks (inbox) and calls out (outbox). */
  orderMessages: number;
}

export async function runCleanup(deps: CleanupDeps, olderThanDays: number, opts: CleanupOptions = {}): Promise<CleanupResult> {
  if (!Number.isInteger(olderThanDays) || olderThanDays < 0) throw new Error(`retention must be a whole number of days >= 0, got ${olderThanDays}`);
  const cutoff = new Date((opts.now ?? new Date()).getTime() - olderThanDays * DAY_MS);
  const preview = await deps.inventory.retention.runsOlderThan(cutoff);
  const { insideRollbackWindow } = preview;
  if (opts.dryRun) {
    const integrationLog = await deps.reporting.countCallsOlderThan(cutoff);
    const events = await deps.events.countOlderThan(cutoff);
    const orders = await deps.orders.cleanup(olderThanDays, { dryRun: true, now: opts.now });
    return {
      cutoff, dryRun: true, runs: preview.runs, ledgerEntries: preview.ledgerEntries, integrationLog, events, insideRollbackWindow,
      orderBuyers: orders.buyers, orderMessages: orders.inbox + orders.outbox,
    };
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
  const orders = await deps.orders.cleanup(olderThanDays, { now: opts.now });
  const result = {
    cutoff, dryRun: false, runs, ledgerEntries, integrationLog, events, insideRollbackWindow, orderBuyers: orders.buyers, orderMessages: orders.inbox + orders.outbox,
  };
  deps.logger.info(
    result,
    `Cleanup: deleted ${runs} runs, ${ledgerEntries} ledger entries, ${integrationLog} integration-log rows, ${events} events, ` +
      `${result.orderMessages} order messages older than ${cutoff.toISOString()}, and the buyer data of ${orders.buyers} completed orders`,
  );
  return result;
}

export function defineCleanup(agenda: Agenda, deps: CleanupDeps & { retentionDays: number }): void {
  agenda.define(CLEANUP_JOB, async () => {
    await correlated(() => runCleanup(deps, deps.retentionDays));
  }, { concurrency: 1, lockLimit: 1 });
}
