// The price guardrails from config (`pricing`): a floor and a ceiling per SKU and market, and a largest change per
// run. A change outside them is held for a manager's approval; this file only says whether, and why.
import type { MarketConfig, PricingSection } from '../../platform/config/index.js';
import { decimalToMinor, minorToDecimal } from '../../platform/money.js';

export interface ProposedChange {
  sku: string;
  channel: string;
  currency: string;
  /** Minor units; null when the shop's current price is not known. */
  before: number | null;
  after: number;
}

export class Guardrails {
  private readonly bounds = new Map<string, { floor?: number; ceiling?: number }>();
  private readonly maxChangePercent: number;

  constructor(settings: Pick<PricingSection, 'guardrails' | 'maxChangePercent'>, private readonly markets: Record<string, MarketConfig>) {
    this.maxChangePercent = settings.maxChangePercent;
    for (const g of settings.guardrails) {
      const market = markets[g.market];
      if (!market) throw new Error(`pricing guardrail for ${g.sku}: no market ${g.market}`);
      const minor = (text: string | undefined) => (text === undefined ? undefined : decimalToMinor(text, market.currency, { decimals: market.priceDecimals, rounding: 'down' }));
      this.bounds.set(`${g.sku}\u0000${g.market}`, { floor: minor(g.floor), ceiling: minor(g.ceiling) });
    }
  }

  /** Why the change must wait for a manager's approval; null when it may be sent. */
  heldReason(c: ProposedChange): string | null {
    const money = (amount: number) => `${minorToDecimal(amount, c.currency, this.markets[c.channel]?.priceDecimals)} ${c.currency}`;
    const b = this.bounds.get(`${c.sku}\u0000${c.channel}`);
    if (b?.floor !== undefined && c.after < b.floor) return `below the floor of ${money(b.floor)} for ${c.sku} in ${c.channel}`;
    if (b?.ceiling !== undefined && c.after > b.ceiling) return `above the ceiling of ${money(b.ceiling)} for ${c.sku} in ${c.channel}`;
    if (c.before !== null && c.before > 0) {
      const percent = (Math.abs(c.after - c.before) * 100) / c.before;
      if (percent > this.maxChangePercent) {
        return `a change of ${percent.toFixed(2)} % (${money(c.before)} → ${money(c.after)}), more than the ${this.maxChangePercent} % a run may make`;
      }
    }
    return null;
  }
}
