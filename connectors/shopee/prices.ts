// The shops as price targets, one per channel beside their stock targets (shops.ts), through the same SKU map. A
// SKU's price is its listing's price_info original_price (the price update_price sets; current_price is after
// promotions); update_price takes one item and up to 50 models per call. A shop's precision is its market's in
// config.yaml (markets.<channel>.priceDecimals), checked at load against what Shopee takes there: a price finer
// than that is refused here, never rounded.
import type { MarketConfig } from '../../platform/config/index.js';
import { decimalToMinor, fitsPrecision, isoDigits, minorToDecimal, type Money } from '../../platform/money.js';
import type { PriceTarget, PriceWriteResult } from '../../subgraphs/pricing/ports.js';
import { PATHS } from './client.js';
import type { ShopeeBlock } from './config.js';
import type { ModelOutcomes, PriceInfo, ShopeeShop } from './shops.js';

export const MODELS_PER_PRICE_CALL = 50;
/**
 * update_price's original_price: "For SG/MY/BR/MX/PL/ES/AR seller: Sellers can set the price with two decimal
 * place, other regions can only set the price as an integer" (integration-contracts §0).
 */
const TWO_DECIMAL_MARKETS = new Set(['SG', 'MY', 'BR', 'MX', 'PL', 'ES', 'AR']);
const PRICE_FAILED = ['error_update_price_fail', 'product.error_update_price_fail'];

/** Decimal places update_price takes in a market: Shopee's published rule (the simulator enforces it too). */
export const priceDecimals = (country: string): number => (TWO_DECIMAL_MARKETS.has(country) ? 2 : 0);

/** The configured markets of the block's shops that Shopee cannot price as configured, by key. */
export function shopeeMarketProblems(block: ShopeeBlock, markets: Record<string, MarketConfig>): string[] {
  return block.settings.shops.flatMap((shop) => {
    const channel = `${block.name}:${shop.country}`;
    const market = markets[channel];
    if (!market) return [];
    const problems: string[] = [];
    const takes = priceDecimals(shop.country);
    if (market.priceDecimals > takes) {
      problems.push(`config: markets.${channel}.priceDecimals: Shopee takes ${takes ? `${takes} decimal places` : 'whole units'} in ${shop.country} (update_price), not ${market.priceDecimals}`);
    }
    if (market.currency !== shop.currency) problems.push(`config: markets.${channel}.currency: the ${block.name} shop in ${shop.country} sells in ${shop.currency}, not ${market.currency}`);
    return problems;
  });
}

export class ShopeePrices implements PriceTarget {
  readonly channel: string;
  /** get_item_base_info's item limit, as for stock reads. */
  readonly maxBatch: number;
  private readonly currency: string;
  private readonly decimals: number;

  /** `decimals`: the market's configured precision; unset (a shop no market names, never priced): Shopee's rule. */
  constructor(
    private readonly shop: ShopeeShop,
    decimals?: number,
  ) {
    this.channel = shop.channel;
    this.maxBatch = shop.maxReadBatch;
    this.currency = shop.shop.currency;
    this.decimals = decimals ?? priceDecimals(shop.shop.country);
  }

  /** original_price per SKU, in the currency price_info names; null where the shop has no (single) listing. */
  async getPrices(skus: string[]): Promise<Map<string, Money | null>> {
    const unique = [...new Set(skus)];
    if (unique.length > this.maxBatch) throw new Error(`${this.channel} getPrices: ${unique.length} SKUs given, at most ${this.maxBatch} per call`);
    const out = new Map<string, Money | null>(unique.map((sku) => [sku, null]));
    const listings = await this.shop.listingInfo(await this.shop.resolve(unique));
    for (const [sku, l] of listings) out.set(sku, this.price(l.info.price_info, l.where));
    return out;
  }

  /**
   * Sets original_price, one update_price call per item (up to 50 models). A price in another currency or finer
   * than the market takes fails that SKU; other refusals carry Shopee's failed_reason or error.
   */
  async setPrices(updates: { sku: string; price: Money }[]): Promise<PriceWriteResult[]> {
    if (updates.length > this.maxBatch) throw new Error(`${this.channel} setPrices: ${updates.length} updates given, at most ${this.maxBatch} per call`);
    const refused = new Map<string, string>();
    const send: { code: string; price: number }[] = [];
    const seen = new Set<string>();
    for (const { sku, price } of updates) {
      if (typeof sku !== 'string' || sku === '') throw new Error(`${this.channel} setPrices: empty SKU`);
      if (seen.has(sku)) throw new Error(`${this.channel} setPrices: SKU "${sku}" appears twice in one batch`);
      seen.add(sku);
      if (price.currency !== this.currency) refused.set(sku, `${this.channel} sells in ${this.currency}, not ${price.currency}`);
      else if (!Number.isSafeInteger(price.amount) || price.amount <= 0) refused.set(sku, `${this.channel}: a price must be a positive amount, got ${price.amount} minor units of ${this.currency}`);
      else if (!fitsPrecision(price.amount, this.currency, this.decimals)) {
        refused.set(sku, `${this.channel}: ${minorToDecimal(price.amount, this.currency)} ${this.currency} is finer than the market's ${this.decimals} decimal places`);
      } else send.push({ code: sku, price: Number(minorToDecimal(price.amount, this.currency, this.decimals)) });
    }
    const outcomes = send.length
      ? await this.shop.writePerItem(send, MODELS_PER_PRICE_CALL, 'update_price', undefined, (call) =>
          this.shop.client.request<ModelOutcomes>({
            path: PATHS.updatePrice, method: 'POST', shop: this.shop.shop, accept: PRICE_FAILED,
            body: { item_id: call[0]!.itemId, price_list: call.map((u) => ({ model_id: u.modelId, original_price: u.price })) },
          }))
      : new Map<string, string | null>();
    return updates.map(({ sku }) => {
      const error = refused.get(sku) ?? outcomes.get(sku);
      return error ? { sku, ok: false, error } : { sku, ok: true };
    });
  }

  /** The price_info entry in the shop's currency (else the first: the pricing module names the mismatch). */
  private price(info: PriceInfo[] | undefined, where: string): Money {
    const entry = info?.find((p) => p.currency === this.currency) ?? info?.[0];
    if (!entry || typeof entry.currency !== 'string' || typeof entry.original_price !== 'number') {
      throw new Error(`${this.channel} ${where}: Shopee answered without price_info[].original_price and currency`);
    }
    // A JSON number's shortest text is the decimal Shopee wrote; more places than the currency has is not a price.
    const text = String(entry.original_price);
    const places = /^\d+(?:\.(\d+))?$/.exec(text);
    if (!places || (places[1]?.length ?? 0) > isoDigits(entry.currency)) {
      throw new Error(`${this.channel} ${where}: original_price ${text} is not an amount of ${entry.currency}`);
    }
    return { amount: decimalToMinor(text, entry.currency), currency: entry.currency };
  }
}
