// What the catalog asks of the systems behind its channels.
import { z } from 'zod';

/**
 * Creates, on a channel, the listings it lacks (quantity 0) and answers how many it created. Only the sandbox
 * has one: a merchant's real malls already hold the listings a master names, its simulated ones must be told.
 */
export interface ListingProvisioner {
  createMissing(channel: string, codes: string[]): Promise<number>;
}

/** One product as the product master (the PIM) describes it, in the catalog's terms. */
export interface ProductRecord {
  sku: string;
  enabled: boolean;
  nameJa: string | null;
  nameEn: string | null;
  descriptionJa: string | null;
  descriptionEn: string | null;
  brand: string | null;
  /** The PIM's category codes, in its order. */
  categories: string[];
  /** Every other attribute the PIM holds, by its code. */
  attributes: Record<string, unknown>;
  /** The product's image references (the DAM's asset codes), in display order. */
  imageRefs: string[];
  weightGrams: number | null;
  dimensionsMm: { length: number; width: number; height: number } | null;
  /** When the PIM last changed it; null when the source does not say (an export file). */
  updatedAt: Date | null;
}

/** A product the source holds but could not be read as a ProductRecord: named, with what is wrong. */
export interface InvalidProduct {
  sku: string | null;
  error: string;
}

export interface ProductPage {
  records: ProductRecord[];
  invalid: InvalidProduct[];
  /** The source's own clock when it answered (its Date header), if it says: bounds the next run's watermark. */
  serverTime: Date | null;
}

/** The product master's API: every product, or those changed after a watermark (the source re-reads a small overlap). */
export interface ProductSource {
  readonly name: string;
  products(opts: { updatedSince: Date | null }): AsyncIterable<ProductPage>;
}

/** A product import's answer, as the product master's operations return it. */
export const productImportReportSchema = z.strictObject({
  runId: z.number().int(),
  system: z.string(),
  mode: z.enum(['FULL', 'INCREMENTAL', 'FILE']),
  dryRun: z.boolean(),
  status: z.enum(['RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED']),
  since: z.date().nullable(),
  watermark: z.date().nullable(),
  read: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  invalid: z.number().int(),
  errors: z.array(z.strictObject({ sku: z.string().nullable(), error: z.string() })),
  errorSummary: z.string().nullable(),
});
export type ProductImportReport = z.infer<typeof productImportReportSchema>;

export interface ImportRequest {
  /** The system read (its block name in integrations.yaml). */
  system: string;
  dryRun: boolean;
  trigger: string;
  actor?: string;
}

/** What the product master's operations call: the catalog's product import. */
export interface ProductImport {
  /** Reads the source (every product, or those changed since the last run's watermark) into the catalog. */
  importFromSource(source: ProductSource, req: ImportRequest & { mode: 'FULL' | 'INCREMENTAL' }): Promise<ProductImportReport>;
  /** Imports an export file's products, all or nothing. */
  importFile(records: ProductRecord[], req: ImportRequest & { fileName: string }): Promise<ProductImportReport>;
}

declare module '../../platform/integrations/index.js' {
  interface OperationServices {
    /** The catalog's product import (the product master's operations). */
    products?: ProductImport;
  }
}
