// The test shop's local server: listings per channel with a price each, as decimal text in the channel's currency;
// a price with more decimals than the channel accepts is refused (as Shopee refuses 123.45 TWD), never rounded.
import { SimulatorServer, type SimRequest, type SimResponse } from '../../../connectors/sandbox/server.js';

export const PRICE_SHOP_KEY = 'price-shop-sandbox-key';
/** Decimal places each currency's shops accept (Shopee's rule: two in SG/MY/BR, whole units elsewhere). */
const DECIMALS: Record<string, number> = { SGD: 2, MYR: 2, BRL: 2, TWD: 0, THB: 0, PHP: 0, VND: 0 };

export class PriceShopSimulator {
  /** channel → sku → { price, currency }. */
  private readonly listings = new Map<string, Map<string, { price: string; currency: string }>>();
  private readonly server = new SimulatorServer('price-shop', (req) => this.handle(req));
  readonly writes: { channel: string; sku: string; price: string }[] = [];

  listen(): Promise<string> {
    return this.server.listen();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Lists the SKUs in a channel at a price. */
  list(channel: string, currency: string, prices: Record<string, string>): void {
    const shop = this.listings.get(channel) ?? new Map();
    for (const [sku, price] of Object.entries(prices)) shop.set(sku, { price, currency });
    this.listings.set(channel, shop);
  }

  price(channel: string, sku: string): string | null {
    return this.listings.get(channel)?.get(sku)?.price ?? null;
  }

  private handle(req: SimRequest): SimResponse {
    if (req.headers['x-api-key'] !== PRICE_SHOP_KEY) return { status: 401, body: { error: 'error_auth' } };
    if (req.method === 'GET' && req.path === '/prices') {
      const shop = this.listings.get(req.query.get('channel') ?? '');
      const skus = (req.query.get('skus') ?? '').split(',').filter(Boolean);
      return { status: 200, body: { items: skus.flatMap((sku) => (shop?.get(sku) ? [{ sku, ...shop.get(sku) }] : [])) } };
    }
    if (req.method === 'POST' && req.path === '/prices') {
      const { channel, items } = JSON.parse(req.body) as { channel: string; items: { sku: string; price: string }[] };
      if (!Array.isArray(items) || items.length < 1 || items.length > 50) return { status: 400, body: { error: 'error_param', message: '1 to 50 items' } };
      const shop = this.listings.get(channel);
      const results = items.map(({ sku, price }) => {
        const listing = shop?.get(sku);
        if (!listing) return { sku, ok: false, error: 'error_item_not_found' };
        const places = /\.(\d+)$/.exec(price)?.[1]?.length ?? 0;
        if (!/^\d+(\.\d+)?$/.test(price) || places > (DECIMALS[listing.currency] ?? 2)) return { sku, ok: false, error: 'error_invalid_price: Invalid price, please use the correct format' };
        listing.price = price;
        this.writes.push({ channel, sku, price });
        return { sku, ok: true };
      });
      return { status: 200, body: { results } };
    }
    return { status: 404, body: { error: 'not found' } };
  }
}
