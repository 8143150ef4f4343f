// The interfaces the stock-sync engine talks to. Connectors implement them; the engine never knows
// which marketplace is behind one.

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

export type Channel = 'yahoo' | 'rakuten';
export const CHANNELS: readonly Channel[] = ['yahoo', 'rakuten'];

export interface StockUpdate {
  /** The channel's own item code from the SKU master (yahoo_item_code / rakuten_item_number). */
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

export interface ConnectorHealth {
  name: string;
  ok: boolean;
  detail: string;
  /** Days until the credential that expires first runs out (whole days, rounded up); null when it does not expire. */
  expiresInDays: number | null;
  /** When that credential runs out, when known: the CLI shows it in the configured timezone. */
  expiresAt?: Date | null;
}

/** Whole days left until `at`, rounded up: a 28-day token issued a second ago has 28 days, an expired one 0. */
export function daysLeft(at: Date, now = Date.now()): number {
  return Math.max(0, Math.ceil((at.getTime() - now) / 86_400_000));
}

export interface HealthCheck {
  health(): Promise<ConnectorHealth>;
}
