// The scheduled stock sync (a sync_schedule entry of its source system): the same run as `tsunagi sync`, its report
// logged line by line as the CLI prints it, with an alert to the operators whenever it does not simply succeed.
import type { Logger } from 'pino';
import type { AlertRequest, AlertService } from '../subgraphs/reporting/services/alerts.js';
import { SyncRefusedError } from '../subgraphs/inventory/errors.js';
import type { InventoryService, RunReport } from '../subgraphs/inventory/service.js';
import { formatFailure, formatReport } from '../subgraphs/inventory/services/report.js';
import { sourceLabel } from '../subgraphs/inventory/sources.js';

/** Failed items listed in an alert; the rest are in the run's ledger. */
const FAILURES_IN_ALERT = 5;

export interface StockSyncDeps {
  inventory: { sync: Pick<InventoryService['sync'], 'run'> };
  logger: Logger;
  alerts: Pick<AlertService, 'sendAlert'>;
}

/**
 * One scheduled run of a source. Resolves with the report (null when refused because another run holds the lock);
 * rejects when the run FAILED or could not start, so Agenda records the job as failed too. Agenda does not retry
 * it: the next attempt is the next scheduled run, or an operator's `tsunagi sync`.
 */
export async function runScheduledSync({ inventory, logger, alerts }: StockSyncDeps, source: string): Promise<RunReport | null> {
  logger.info({ trigger: 'schedule', source }, '[INFO] Starting Sync...');
  let report: RunReport;
  try {
    report = await inventory.sync.run({ source, dryRun: false, trigger: 'schedule' });
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof SyncRefusedError) {
      // Stock is being synced by the other run; this one is skipped, which operators should still know.
      logger.warn({ trigger: 'schedule', source }, `[REFUSED] ${message}`);
      await alerts.sendAlert({ type: 'sync_skipped', severity: 'warning', message });
      return null;
    }
    logger.error({ err, trigger: 'schedule', source }, `[ERROR] ${message}`);
    await alerts.sendAlert({ type: 'sync_not_started', severity: 'critical', message });
    throw err;
  }
  logReport(logger, report);
  if (report.status !== 'SUCCESS') await alerts.sendAlert(runAlert(report));
  if (report.status === 'FAILED') throw new Error(`stock sync run #${report.runId} FAILED: ${report.errorSummary ?? 'no detail'}`);
  return report;
}

/** The lines `tsunagi sync` prints, one log entry each; the last, with the outcome, is an error unless it succeeded. */
function logReport(logger: Logger, r: RunReport): void {
  const at = { runId: r.runId, trigger: 'schedule', source: r.sourceSystem };
  const lines = formatReport(r);
  for (const line of lines.slice(0, -1)) logger.info(at, line);
  const entry = { ...at, status: r.status, updates: r.updates, failed: r.failed, channels: r.channels, skipped: r.skipped };
  if (r.status === 'SUCCESS') logger.info(entry, lines.at(-1)!);
  else logger.error(entry, lines.at(-1)!);
}

/** A run that did not simply succeed: sync_run_partial or sync_run_failed, its counts and first failures. */
export function runAlert(r: RunReport): AlertRequest {
  const failures = r.failures.slice(0, FAILURES_IN_ALERT).map((f) => `• ${formatFailure(f)}`);
  const more = r.failed > FAILURES_IN_ALERT ? [`… +${r.failed - FAILURES_IN_ALERT} (tsunagi status ${r.runId})`] : [];
  const channels = Object.fromEntries(
    Object.entries(r.channels).map(([name, c]) => [`${name} updates / failed`, `${c!.updates} / ${c!.failed}`]),
  );
  return {
    type: r.status === 'PARTIAL' ? 'sync_run_partial' : 'sync_run_failed',
    severity: 'critical',
    runId: r.runId,
    vars: {
      run_id: r.runId, status: r.status, updates: r.updates, failed: r.failed, errors: r.errorSummary ?? '-', failures: [...failures, ...more].join('\n'),
    },
    fields: {
      Status: r.status,
      [`${sourceLabel(r.sourceSystem)} items`]: r.sourceItems,
      'Mapped SKUs': r.mappedSkus,
      Updates: r.updates,
      Failed: r.failed,
      ...channels,
    },
  };
}
