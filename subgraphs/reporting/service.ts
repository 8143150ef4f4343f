// Reporting owns the audit trail and the integration log (every external call's outcome).
import type { Database, EntityManager } from '../../platform/db/index.js';
import type { CallOutcome } from '../../platform/http/index.js';
import { DRY_RUN_METHOD, RUN_METHOD } from '../../platform/integrations/hub.js';
import { AuditEntry } from './entities/audit-entry.js';
import { IntegrationLogEntry } from './entities/integration-log.js';
import type { AuditPort, AuditRecord } from '../../platform/audit.js';

const OPERATION_METHODS = [RUN_METHOD, DRY_RUN_METHOD];

export interface CallStats {
  system: string;
  calls: number;
  failed: number;
  /** The latest failure: "operation: error". */
  lastError: string | null;
  lastFailedAt: Date | null;
}

export class ReportingService implements AuditPort {
  private pending: CallOutcome[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly db: Database) {}

  /** Records an audit entry; pass the caller's EntityManager to make it part of the caller's transaction. */
  async audit(record: AuditRecord, em?: EntityManager): Promise<void> {
    const target = em ?? this.db.em();
    target.create(AuditEntry, { at: new Date(), detail: {}, ...record });
    await target.flush();
  }

  async auditTrail(limit = 50): Promise<{ at: Date; actor: string; action: string; subject: string; detail: Record<string, unknown> }[]> {
    return this.db.em().find(AuditEntry, {}, { orderBy: { id: 'desc' }, limit });
  }

  /** The HttpClient outcome hook: buffered and written in batches so logging never slows a sync. */
  recordCall = (outcome: CallOutcome): void => {
    this.pending.push(outcome);
    if (this.pending.length >= 100) void this.flushCalls();
  };

  async flushCalls(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    // One statement per batch, not the ORM's unit of work: real-time stock records thousands of calls a second.
    this.flushing = this.db.em().getConnection().execute(
      `insert into integration_log (at, system, operation, method, url, status, ok, attempts, duration_ms, error)
       select at, system, operation, method, url, status, ok, attempts, duration_ms, error
       from json_to_recordset(?::json) as x(at timestamptz, system text, operation text, method text, url text, status int, ok boolean, attempts int, duration_ms int, error text)`,
      [JSON.stringify(batch.map((o) => ({ ...o, duration_ms: o.durationMs, error: o.error ?? null })))],
      'run',
    ).then(() => undefined);
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * The integration log, newest first: every external call and every operation run (method RUN / DRY-RUN).
   * `before` is a row id (a page's last row): the rows older than it.
   */
  async integrationLog(opts: { limit?: number; system?: string; failedOnly?: boolean; status?: 'ok' | 'failed'; operationsOnly?: boolean; before?: number } = {}) {
    await this.flushCalls();
    const ok = opts.failedOnly || opts.status === 'failed' ? false : opts.status === 'ok' ? true : undefined;
    return this.db.em().find(
      IntegrationLogEntry,
      {
        ...(opts.system ? { system: opts.system } : {}),
        ...(ok !== undefined ? { ok } : {}),
        ...(opts.operationsOnly ? { method: { $in: OPERATION_METHODS } } : {}),
        ...(opts.before !== undefined ? { id: { $lt: opts.before } } : {}),
      },
      { orderBy: { id: 'desc' }, limit: opts.limit ?? 50 },
    );
  }

  /** Each system's most recent operation run (CLI, API or schedule). */
  async lastOperationRuns(systems: string[]): Promise<Map<string, { at: Date; operation: string; ok: boolean; dryRun: boolean; error: string | null }>> {
    await this.flushCalls();
    const out = new Map<string, { at: Date; operation: string; ok: boolean; dryRun: boolean; error: string | null }>();
    for (const system of systems) {
      const [last] = await this.db.em().find(IntegrationLogEntry, { system, method: { $in: OPERATION_METHODS } }, { orderBy: { id: 'desc' }, limit: 1 });
      if (last) out.set(system, { at: last.at, operation: last.operation, ok: last.ok, dryRun: last.method === DRY_RUN_METHOD, error: last.error ?? null });
    }
    return out;
  }

  /**
   * External calls (operation runs left out) in [from, to), per system: how many, how many failed, and the latest
   * failure. Systems with no call are absent.
   */
  async callStats(from: Date, to: Date): Promise<CallStats[]> {
    await this.flushCalls();
    const rows = await this.db.em().execute<{ system: string; calls: string; failed: string; last_error: string | null; last_failed_at: Date | null }[]>(
      `select system, count(*) as calls, count(*) filter (where not ok) as failed,
              (array_agg(coalesce(operation || ': ' || error, operation) order by id desc) filter (where not ok))[1] as last_error,
              max(at) filter (where not ok) as last_failed_at
         from integration_log where at >= ? and at < ? and method not in (?, ?)
        group by system order by system`,
      [from, to, ...OPERATION_METHODS],
    );
    return rows.map((r) => ({
      system: r.system, calls: Number(r.calls), failed: Number(r.failed), lastError: r.last_error, lastFailedAt: r.last_failed_at ? new Date(r.last_failed_at) : null,
    }));
  }

  /** Deletes integration-log rows older than the cutoff (the audit trail is kept). */
  async countCallsOlderThan(cutoff: Date): Promise<number> {
    await this.flushCalls();
    return this.db.em().count(IntegrationLogEntry, { at: { $lt: cutoff } });
  }

  async deleteCallsOlderThan(cutoff: Date): Promise<number> {
    await this.flushCalls();
    return this.db.em().nativeDelete(IntegrationLogEntry, { at: { $lt: cutoff } });
  }
}
