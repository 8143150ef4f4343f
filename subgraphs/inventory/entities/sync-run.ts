import { defineEntity, p } from '@mikro-orm/core';

export const RUN_STATUSES = ['RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'INTERRUPTED', 'ROLLED_BACK'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One stock sync or rollback, dry or applied, with its counts. */
export const SyncRun = defineEntity({
  name: 'SyncRun',
  tableName: 'sync_run',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** REALTIME: a source's stream applied as it happens, one run per hour (never rolled back). */
    kind: p.enum(['SYNC', 'ROLLBACK', 'REALTIME'] as const),
    dryRun: p.boolean(),
    status: p.enum(RUN_STATUSES).index(),
    trigger: p.string(),
    /** Where the figures came from: the source system, or a file, `run:<id>` (rollback), `manual:<user>`. */
    source: p.string(),
    /** The stock source system whose channels the run changes (sync.sources); its lease and rollback are per source. */
    sourceSystem: p.string(),
    /** The run a ROLLBACK undoes. */
    rollbackOf: p.integer().nullable(),
    /** The ROLLBACK run that undid this run. */
    rolledBackBy: p.integer().nullable(),
    startedAt: p.datetime().index(),
    finishedAt: p.datetime().nullable(),
    heartbeatAt: p.datetime(),
    /** The process that ran it (host:pid). */
    owner: p.string(),
    /** Who started it: the CLI user (TSUNAGI_USER or the OS user) or the API caller; null for the scheduler. */
    actor: p.string().nullable(),
    sourceItems: p.integer().default(0),
    mappedSkus: p.integer().default(0),
    skippedInactive: p.integer().default(0),
    skippedUnmapped: p.integer().default(0),
    updates: p.integer().default(0),
    failed: p.integer().default(0),
    channels: p.json<Record<string, { updates: number; failed: number }>>(),
    errorSummary: p.text().nullable(),
  },
});
