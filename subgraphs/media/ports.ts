// What the media module reads images from (the DAM) and what the DAM's operation calls.
import { z } from 'zod';

/** One image of a product as the DAM lists it. */
export interface SourceImage {
  /** The DAM's asset id. */
  id: string;
  sku: string;
  /** Where the file is read from. */
  url: string;
  alt: string | null;
  /** Display order, 0 first. */
  position: number;
  /** When the DAM last changed it; null when it does not say. */
  updatedAt: Date | null;
}

export interface ImageSource {
  readonly name: string;
  /** Every product's images, or one SKU's, page by page. */
  images(opts: { sku?: string }): AsyncIterable<SourceImage[]>;
  /** The image file; one larger than maxBytes is refused without being read whole. */
  download(image: SourceImage, maxBytes: number): Promise<Buffer>;
}

/** An image sync as the DAM's operation answers it. */
export const imageSyncReportSchema = z.strictObject({
  dryRun: z.boolean(),
  /** Products and images the DAM listed. */
  products: z.number().int(),
  images: z.number().int(),
  /** Variants made now, reused (the same source made by the same rule before), unchanged (not even read again). */
  transcoded: z.number().int(),
  reused: z.number().int(),
  unchanged: z.number().int(),
  /** Images the DAM no longer lists, taken off their products. */
  removed: z.number().int(),
  /** Images refused (named), the others synced all the same. */
  failed: z.array(z.strictObject({ sku: z.string(), image: z.string(), url: z.string(), error: z.string() })),
  durationMs: z.number().int(),
});
export type ImageSyncReport = z.infer<typeof imageSyncReportSchema>;

/** What the DAM's operation calls: the media module's image sync. */
export interface ImageSync {
  sync(opts: { source?: ImageSource; sku?: string; dryRun: boolean; trigger: string; actor?: string }): Promise<ImageSyncReport>;
}

declare module '../../platform/integrations/index.js' {
  interface OperationServices {
    /** The media module's image sync (the DAM's operation). */
    media?: ImageSync;
  }
}
