// What the catalog asks of the systems behind its channels.
import { z } from 'zod';
import type { Money } from '../../platform/money.js';

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

/** What a product is listed with on one channel, in that market's language and the catalog's units. */
export interface ListingContent {
  title: string;
  description: string | null;
  /** The marketplace's category id in that market (config catalog.categories). */
  categoryId: number;
  brand: string | null;
  weightGrams: number | null;
  dimensionsMm: { length: number; width: number; height: number } | null;
  /** The market's image variants in display order, as media keys (`<content hash>.<ext>`). */
  images: string[];
}
export type ListingField = keyof ListingContent;
export const LISTING_FIELDS: readonly ListingField[] = ['title', 'description', 'categoryId', 'brand', 'weightGrams', 'dimensionsMm', 'images'];

/** One listing to create (every field, and a price: a marketplace lists nothing without one) or to update (the changed fields). */
export type ListingWrite =
  | { sku: string; action: 'CREATE'; content: ListingContent; price: Money }
  | { sku: string; action: 'UPDATE'; content: ListingContent; changed: ListingField[] };

export interface ListingWriteResult {
  sku: string;
  ok: boolean;
  /** The channel's reason when ok is false. */
  error?: string;
}

/** One channel (a market's shop) whose listings' product data Tsunagi keeps as the product master says. */
export interface ListingTarget {
  readonly channel: string;
  /** Most SKUs one listed() or write() takes. */
  readonly maxBatch: number;
  /** The SKUs the channel already has a listing for. */
  listed(skus: string[]): Promise<Set<string>>;
  /** Creates or updates listings; `image` gives a media key's bytes (for channels that take uploads). */
  write(changes: ListingWrite[], image: (key: string) => Promise<Buffer>): Promise<ListingWriteResult[]>;
}

/** A connector serving listing targets (a marketplace with one shop per market). */
export interface ListingTargets {
  listingTargets(): ListingTarget[];
}

/** What publishing did on the channels (created, updated, left alone, failed), per run. */
export const listingPublishReportSchema = z.strictObject({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.strictObject({ sku: z.string(), channel: z.string(), error: z.string() })),
});
export type ListingPublishReport = z.infer<typeof listingPublishReportSchema>;

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
  /** The listings the imported changes were published to (null in a dry run or with no listing channel). */
  listings: listingPublishReportSchema.nullable(),
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
