// What the pricing engine (the source of prices) and the marketplaces' shops (where prices go) offer the pricing
// module. Money crosses these ports as integer minor units of an ISO 4217 currency; each side writes its own
// decimals at its edge.
import { z } from 'zod';
import type { Money } from '../../platform/money.js';

/** A rule the pricing engine applies. */
export interface PricingRule {
  id: string;
  name: string;
  /** Countries it applies in; empty = every market. */
  countries: string[];
  priority: number;
  updatedAt: Date | null;
}

/** A price the engine computed for one SKU in one country, as it wrote it (decimal text, the engine's precision). */
export interface ComputedPrice {
  sku: string;
  country: string;
  currency: string;
  price: string;
  /** The rule that set it, when the engine says. */
  ruleName: string | null;
}

/** The pricing engine: its active rules, and the prices they compute. */
export interface PriceSource {
  readonly name: string;
  /** Most SKUs one calculation takes. */
  readonly maxSkusPerCall: number;
  activeRules(): Promise<PricingRule[]>;
  /** Prices for each SKU in each country the engine prices it in (a SKU it does not know is left out). */
  calculate(skus: string[], countries: string[]): Promise<ComputedPrice[]>;
}

export interface PriceWriteResult {
  sku: string;
  ok: boolean;
  /** The shop's reason when ok is false. */
  error?: string;
}

/** One shop (a market's channel) whose selling prices Tsunagi sets. */
export interface PriceTarget {
  /** The channel id, e.g. shopee:SG (config `markets`). */
  readonly channel: string;
  /** Most SKUs one read or write takes. */
  readonly maxBatch: number;
  /** The price each SKU sells at now; null where the shop has no listing for it. */
  getPrices(skus: string[]): Promise<Map<string, Money | null>>;
  /**
   * Sets prices. The shop's precision is applied at its edge: an amount finer than the shop accepts is refused
   * for that SKU, never rounded there.
   */
  setPrices(updates: { sku: string; price: Money }[]): Promise<PriceWriteResult[]>;
}

/** A connector serving price targets (a marketplace with one shop per market). */
export interface PriceTargets {
  priceTargets(): PriceTarget[];
}

/** A pricing run as the pricing engine's operation answers it: its counts and its first changes. */
export const pricingRunSummarySchema = z.strictObject({
  runId: z.number().int(),
  status: z.string(),
  dryRun: z.boolean(),
  changes: z.number().int(),
  applied: z.number().int(),
  held: z.number().int(),
  failed: z.number().int(),
  unchanged: z.number().int(),
  notListed: z.number().int(),
  marketsWithoutShop: z.array(z.string()),
  /** The first 100 changes: sent, held or (dry run) to send. Minor units. */
  changeList: z.array(z.strictObject({
    sku: z.string(), channel: z.string(), currency: z.string(), before: z.number().int().nullable(), after: z.number().int(), status: z.string(), heldReason: z.string().nullable(),
  })),
  errorSummary: z.string().nullable(),
});
export type PricingRunSummary = z.infer<typeof pricingRunSummarySchema>;

/** What the pricing engine's operation calls: a pricing run through the pricing module (ledgered, with guardrails). */
export interface PricingRuns {
  runSummary(opts: { source?: PriceSource; dryRun: boolean; trigger: string; actor?: string }): Promise<PricingRunSummary>;
}

declare module '../../platform/integrations/index.js' {
  interface OperationServices {
    /** The pricing module's runs (the pricing engine's operation). */
    pricing?: PricingRuns;
  }
}
