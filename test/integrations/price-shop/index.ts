// A shop that exists only in this test folder and takes prices: the PriceTarget the pricing module drives until a
// marketplace connector implements it. Its descriptor, client and simulator are real (HTTP through platform/http);
// money is written at its edge in each channel's precision, and an amount finer than that is refused, not rounded.
import { z } from 'zod';
import { HttpClient } from '../../../platform/http/index.js';
import { authSchema, integrationBlock, optionalString, type ConnectorDescriptor } from '../../../platform/integrations/index.js';
import { currencySchema, decimalToMinor, fitsPrecision, minorToDecimal, type Money } from '../../../platform/money.js';
import type { PriceTarget, PriceTargets, PriceWriteResult } from '../../../subgraphs/pricing/ports.js';
import { PRICE_SHOP_KEY, PriceShopSimulator } from './simulator.js';

export const priceShopConfigSchema = integrationBlock({
  auth: authSchema('api_key', { key: optionalString }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z.strictObject({ shops: z.array(z.strictObject({ channel: z.string(), currency: currencySchema, decimals: z.number().int().min(0).max(2) })).min(1) }),
  rate_limit: z.undefined().optional(),
});
type PriceShopBlock = z.infer<typeof priceShopConfigSchema>;

class ShopPrices implements PriceTarget {
  readonly maxBatch = 50;
  constructor(
    private readonly http: HttpClient,
    private readonly key: string,
    readonly channel: string,
    private readonly currency: string,
    private readonly decimals: number,
  ) {}

  async getPrices(skus: string[]): Promise<Map<string, Money | null>> {
    const res = await this.http.request({ url: '/prices', query: { channel: this.channel, skus: skus.join(',') }, headers: { 'x-api-key': this.key }, operation: 'getPrices' });
    const found = new Map(res.json<{ items: { sku: string; price: string; currency: string }[] }>().items.map((i) => [i.sku, i]));
    return new Map(skus.map((sku) => {
      const i = found.get(sku);
      return [sku, i ? { amount: decimalToMinor(i.price, i.currency), currency: i.currency } : null];
    }));
  }

  async setPrices(updates: { sku: string; price: Money }[]): Promise<PriceWriteResult[]> {
    const refused = new Map<string, string>();
    const items: { sku: string; price: string }[] = [];
    for (const u of updates) {
      if (u.price.currency !== this.currency) refused.set(u.sku, `${this.channel} sells in ${this.currency}, not ${u.price.currency}`);
      else if (!fitsPrecision(u.price.amount, this.currency, this.decimals)) refused.set(u.sku, `${u.price.amount} minor units of ${this.currency}: finer than the ${this.decimals} decimal places ${this.channel} accepts`);
      else items.push({ sku: u.sku, price: minorToDecimal(u.price.amount, this.currency, this.decimals) });
    }
    const results = new Map<string, PriceWriteResult>();
    if (items.length) {
      const res = await this.http.request({ method: 'POST', url: '/prices', body: { channel: this.channel, items }, headers: { 'x-api-key': this.key }, operation: 'setPrices' });
      for (const r of res.json<{ results: PriceWriteResult[] }>().results) results.set(r.sku, r);
    }
    return updates.map((u) => results.get(u.sku) ?? { sku: u.sku, ok: false, error: refused.get(u.sku) ?? 'no result' });
  }
}

export const priceShopConnector: ConnectorDescriptor<PriceShopBlock, PriceTargets> = {
  id: 'price-shop',
  implements: ['PriceTarget'],
  configSchema: priceShopConfigSchema,
  credentials: (b) => ({ 'auth.key': b.auth.key }),
  create(block, deps) {
    const http = new HttpClient({ system: block.name, baseUrl: block.endpoints.api, policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome });
    const shops = block.settings.shops.map((s) => new ShopPrices(http, block.auth.key ?? '', s.channel, s.currency, s.decimals));
    return { priceTargets: () => shops };
  },
  health: async () => ({ name: 'price-shop', ok: true, detail: 'test shop', expiresInDays: null }),
  operations: {},
  simulator: {
    create: () => new PriceShopSimulator(),
    controlMethods: ['list', 'price'],
    sandboxConfig: (block, url) => ({ ...block, endpoints: { api: url }, auth: { ...block.auth, key: PRICE_SHOP_KEY } }),
  },
};
