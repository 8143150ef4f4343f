import { defineEntity, p } from '@mikro-orm/core';
import type { ListingPublishReport } from '../ports.js';

export const PRODUCT_IMPORT_MODES = ['FULL', 'INCREMENTAL', 'FILE'] as const;
export type ProductImportMode = (typeof PRODUCT_IMPORT_MODES)[number];
export const PRODUCT_IMPORT_STATUSES = ['RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED'] as const;

/**
 * One product import from the product master: a full or incremental read of its API, or one export file. A
 * successful API run keeps the watermark the next incremental run reads from.
 */
export const ProductImportRun = defineEntity({
  name: 'ProductImportRun',
  tableName: 'product_import_run',
  indexes: [{ properties: ['system', 'status'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    /** The system it read (the block name in integrations.yaml). */
    system: p.string(),
    mode: p.enum(PRODUCT_IMPORT_MODES),
    dryRun: p.boolean(),
    status: p.enum(PRODUCT_IMPORT_STATUSES),
    trigger: p.string(),
    actor: p.string().nullable(),
    /** The export file's name (FILE runs). */
    fileName: p.text().nullable(),
    startedAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
    /** INCREMENTAL: the watermark it read from (the source re-reads a small overlap before it). */
    since: p.datetime().nullable(),
    /** Where the next incremental run starts: the latest change read, never later than the listing's start. */
    watermark: p.datetime().nullable(),
    read: p.integer().default(0),
    created: p.integer().default(0),
    updated: p.integer().default(0),
    unchanged: p.integer().default(0),
    invalid: p.integer().default(0),
    /** The first invalid products, each named ({ sku, error }). */
    errors: p.json<{ sku: string | null; error: string }[]>(),
    errorSummary: p.text().nullable(),
    /** What publishing the run's changes to the listing channels did. */
    listings: p.json<ListingPublishReport>().nullable(),
  },
});
