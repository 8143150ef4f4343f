// Reporting owns the audit trail and the integration log (every external call's outcome).
import type { Database, EntityManager } from '../../platform/db/index.js';
import type { CallOutcome } from '../../platform/http/index.js';
import { AuditEntry } from './entities/audit-entry.js';
import { IntegrationLogEntry } from './entities/integration-log.js';
import type { AuditPort, AuditRecord } from '../../platform/audit.js';


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
    this.flushing = (async () => {
      const em = this.db.em();
      for (const o of batch) {
        em.create(IntegrationLogEntry, {
          at: o.at, system: o.system, operation: o.operation, method: o.method, url: o.url, status: o.status,
          ok: o.ok, attempts: o.attempts, durationMs: o.durationMs, error: o.error ?? null,
        });
      }
      await em.flush();
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  async integrationLog(opts: { limit?: number; system?: string; failedOnly?: boolean } = {}) {
    await this.flushCalls();
    return this.db.em().find(
      IntegrationLogEntry,
      { ...(opts.system ? { system: opts.system } : {}), ...(opts.failedOnly ? { ok: false } : {}) },
      { orderBy: { id: 'desc' }, limit: opts.limit ?? 50 },
    );
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
