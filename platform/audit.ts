// The audit port: the one interface through which modules other than reporting write the audit trail.
import type { EntityManager } from './db/index.js';

/** One audit-trail entry: who did what to which subject. */
export interface AuditRecord {
  actor: string;
  action: string;
  subject: string;
  detail?: Record<string, unknown>;
}

/**
 * Where a module writes the audit trail and hands over its outbound-call log. The reporting module owns both and
 * implements this; the modules that write (inventory) get it injected and do not know reporting.
 */
export interface AuditPort {
  /** `em`: the caller's EntityManager, to make the entry part of its transaction. */
  audit(record: AuditRecord, em?: EntityManager): Promise<void>;
  /** Writes out the outbound-call outcomes still buffered. */
  flushCalls(): Promise<void>;
}
