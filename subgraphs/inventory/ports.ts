// The interfaces the stock-sync engine talks to. Connectors implement them; the engine never knows
// which marketplace is behind one.
import { z } from 'zod';

/** One SKU as the stock source reports it. */
export interface SourceItem {
  sku: string;
  /** The figure that drives allocation (Amazon: inventoryDetails.fulfillableQuantity). */
  quantity: number;
  productName?: string;
}

export interface StockSource {
  readonly name: string;
  /** Every item the source holds, page by page. */
  pages(): AsyncIterable<SourceItem[]>;
}

/** One change of a source's figure, as its stream reports it. */
export interface SourceChange {
  sku: string;
  quantity: number;
  /** The source's sequence number of the change, where it has one. */
  seq?: number;
  /** When the source made the change (ISO 8601), where it says. */
  at?: string;
}

/** A source that also streams its changes as they happen (the real-time feed). */
export interface StockStream {
  readonly name: string;
  /**
   * The stream of changes, handed to `handler` in order, batch by batch, each batch once it was handled before
   * the next (resumed after the last handled one when opened again). A failing handler gets the batch again.
   */
  openChanges(handler: (changes: SourceChange[]) => Promise<void>): StreamHandle;
}

export interface StreamHandle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A channel id from config (one per shop); the catalog's listings name their channel by it. */
export type Channel = string;

export interface StockUpdate {
  /** The channel's own item code: the SKU's listing on this channel. */
  code: string;
  quantity: number;
}

export interface StockWriteResult {
  code: string;
  ok: boolean;
  /** Error text from the channel when ok is false. */
  error?: string;
}

export interface StockTarget {
  readonly channel: Channel;
  /**
   * True when the channel finds a listing by our SKU itself (Shopee's item_sku / model_sku): a SKU whose master row
   * names no code for the channel is sent under the SKU.
   */
  readonly listsBySku?: boolean;
  /** Most items one write call accepts (Yahoo setStock 1000, Rakuten bulk-upsert 400). */
  readonly maxWriteBatch: number;
  /** Most items one read call accepts. */
  readonly maxReadBatch: number;
  /** What the channel holds now, per code; null where the channel has no such listing. At most maxReadBatch codes. */
  getStock(codes: string[]): Promise<Map<string, number | null>>;
  /**
   * Sets absolute quantities; at most maxWriteBatch items. Throws when the call as a whole fails. Aborting
   * `signal` abandons the call (whether the channel applied it is then unknown).
   */
  setStock(updates: StockUpdate[], opts?: { signal?: AbortSignal }): Promise<StockWriteResult[]>;
}

/** A `get_stock` operation's answer: the channel's quantity per code, null where it has no such listing. */
export const stockByCodeSchema = z.strictObject({ stock: z.record(z.string(), z.number().int().nullable()) });

// One health shape for every registered system; the registry (platform/integrations) owns it.
import type { ConnectorHealth } from '../../platform/integrations/index.js';

export type { ConnectorHealth };

/** Whole days left until `at`, rounded up: a 28-day token issued a second ago has 28 days, an expired one 0. */
export function daysLeft(at: Date, now = Date.now()): number {
  return Math.max(0, Math.ceil((at.getTime() - now) / 86_400_000));
}

export interface HealthCheck {
  health(): Promise<ConnectorHealth>;
}
