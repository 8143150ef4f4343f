// The shops as stock targets, one per channel (`shopee:SG` …). Our SKU is a listing's model_sku, or item_sku for
// an item without models; each shop keeps the map SKU → item_id/model_id read from get_item_list +
// get_item_base_info + get_model_list, re-reads what changed when a SKU is missing, and all of it when the map
// is older than config says. Stock is seller_stock; update_stock takes one item and up to 50 models per call.
import type { ConnectorHealth, HealthCheck, StockTarget, StockUpdate, StockWriteResult } from '../../subgraphs/inventory/ports.js';
import type { OrderFulfilment, OrderSource, SourceOrder } from '../../subgraphs/orders/ports.js';
import type { MarketConfig } from '../../platform/config/index.js';
import type { Mapping } from '../../platform/transform/index.js';
import type { ListingTargets } from '../../subgraphs/catalog/ports.js';
import type { PriceTargets } from '../../subgraphs/pricing/ports.js';
import { PATHS, ShopeeApiError, type ShopeeBody, type ShopeeClient } from './client.js';
import { ItemMap, type ItemMapSummary, type Listing } from './item-map.js';
import { ORDERS_PER_DETAIL_CALL, ShopeeOrders } from './orders.js';
import { ShopeeListings } from './listings.js';
import { ShopeePrices } from './prices.js';
import type { ShopConfig } from './config.js';

/** get_item_base_info takes up to 50 item ids; update_stock up to 50 models of one item; get_item_list pages of 100. */
export const ITEMS_PER_INFO_CALL = 50;
export const MODELS_PER_STOCK_CALL = 50;
export const ITEM_LIST_PAGE = 100;
/** seller_stock reads back as int32. */
export const MAX_STOCK = 2_147_483_647;
/** Items changed this long before the last read are read again (clocks and update_time granularity). */
const OVERLAP_SECONDS = 60;
const ITEM_GONE = new Set(['error_item_not_found', 'error_item_not_belong_shop']);
const STOCK_FAILED = ['error_busi_update_stock_failed', 'product.error_busi_update_stock_failed'];

interface StockInfo {
  seller_stock?: { location_id?: string; stock?: number }[];
}
/** price_info[] of an item or model: JSON numbers in the currency it names. */
export interface PriceInfo {
  currency?: string;
  original_price?: number;
  current_price?: number;
}
interface BaseInfo {
  item_id: number;
  item_sku?: string;
  has_model?: boolean;
  stock_info_v2?: StockInfo;
  price_info?: PriceInfo[];
}
interface ModelInfo {
  model_id: number;
  model_sku?: string;
  stock_info_v2?: StockInfo;
  price_info?: PriceInfo[];
}
/** What update_stock and update_price answer, per model. */
export interface ModelOutcomes {
  failure_list?: { model_id: number; failed_reason?: string }[];
  success_list?: { model_id: number }[];
}
/** A listing as Shopee answers it now: the item (no models) or its model, and which one in words. */
export interface ListingInfo {
  where: string;
  info: BaseInfo | ModelInfo;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in order; the first failure rejects. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const chunk = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export class ShopeeShop implements StockTarget {
  readonly channel: string;
  /** A shop's listing carries our SKU (item_sku / model_sku): the SKU is its code. */
  readonly listsBySku = true;
  /** update_stock's model limit: a batch of one item's models goes in one call. */
  readonly maxWriteBatch = MODELS_PER_STOCK_CALL;
  readonly maxReadBatch = ITEMS_PER_INFO_CALL;
  private map = new ItemMap();
  private readAt = 0;
  /** update_time (unix seconds) from which the next read of changed items starts. */
  private watermark = 0;
  private lastMissRead = 0;
  private reading: Promise<void> | undefined;

  constructor(
    readonly client: ShopeeClient,
    readonly shop: ShopConfig,
  ) {
    this.channel = shop.channel;
  }

  /** Reads the whole SKU map again (operation refresh-items; also when the map is older than config says). */
  async refreshItems(): Promise<ItemMapSummary> {
    await this.read('all');
    return this.map.summary(this.readAt);
  }

  /** seller_stock per SKU; null where the shop has no listing with that SKU (or more than one). */
  async getStock(codes: string[]): Promise<Map<string, number | null>> {
    const unique = [...new Set(codes)];
    if (unique.length > this.maxReadBatch) throw new Error(`${this.channel} getStock: ${unique.length} SKUs given, at most ${this.maxReadBatch} per call`);
    const out = new Map<string, number | null>(unique.map((c) => [c, null]));
    for (const [code, l] of await this.listingInfo(await this.resolve(unique))) out.set(code, this.sellerStock(l.info.stock_info_v2, l.where));
    return out;
  }

  /** What Shopee holds now for each found listing (get_item_base_info, get_model_list); left out where it is gone. */
  async listingInfo(found: Map<string, Listing>): Promise<Map<string, ListingInfo>> {
    const out = new Map<string, ListingInfo>();
    const plain = [...found].filter(([, l]) => l.modelId === 0);
    const withModels = new Map<number, [string, Listing][]>();
    for (const entry of found) if (entry[1].modelId !== 0) withModels.set(entry[1].itemId, [...(withModels.get(entry[1].itemId) ?? []), entry]);
    const infos = plain.length ? await this.baseInfo(plain.map(([, l]) => l.itemId)) : [];
    const byItem = new Map(infos.map((i) => [i.item_id, i]));
    for (const [code, l] of plain) if (byItem.has(l.itemId)) out.set(code, { where: `item ${l.itemId}`, info: byItem.get(l.itemId)! });
    await pool([...withModels], this.client.config.concurrency, async ([itemId, entries]) => {
      const models = new Map((await this.models(itemId)).map((m) => [m.model_id, m]));
      for (const [code, l] of entries) if (models.has(l.modelId)) out.set(code, { where: `item ${itemId} model ${l.modelId}`, info: models.get(l.modelId)! });
    });
    return out;
  }

  /**
   * Sets seller_stock, one update_stock call per item (up to 50 models). One result per update, in order; a
   * model Shopee refuses carries its failed_reason. Throws only when no call got an answer (or on abort).
   */
  async setStock(updates: StockUpdate[], opts: { signal?: AbortSignal } = {}): Promise<StockWriteResult[]> {
    if (updates.length > this.maxWriteBatch) throw new Error(`${this.channel} setStock: ${updates.length} updates given, at most ${this.maxWriteBatch} per call`);
    const seen = new Set<string>();
    for (const u of updates) {
      if (typeof u.code !== 'string' || u.code === '') throw new Error(`${this.channel} setStock: empty SKU`);
      if (seen.has(u.code)) throw new Error(`${this.channel} setStock: SKU "${u.code}" appears twice in one batch`);
      seen.add(u.code);
      if (!Number.isInteger(u.quantity) || u.quantity < 0 || u.quantity > MAX_STOCK) {
        throw new Error(`${this.channel} setStock: quantity for "${u.code}" must be an integer 0..${MAX_STOCK}, got ${u.quantity}`);
      }
    }
    if (updates.length === 0) return [];
    const { locationId } = this.shop;
    const outcomes = await this.writePerItem(updates, MODELS_PER_STOCK_CALL, 'update_stock', opts.signal, (call) =>
      this.client.request<ModelOutcomes>({
        path: PATHS.updateStock, method: 'POST', shop: this.shop, signal: opts.signal, accept: STOCK_FAILED,
        body: { item_id: call[0]!.itemId, stock_list: call.map((u) => ({ model_id: u.modelId, seller_stock: [{ ...(locationId ? { location_id: locationId } : {}), stock: u.quantity }] })) },
      }));
    return updates.map((u) => {
      const error = outcomes.get(u.code);
      return error ? { code: u.code, ok: false, error } : { code: u.code, ok: true };
    });
  }

  /**
   * Writes updates one call per item (up to `perCall` of its models), `concurrency` calls in flight: each SKU's
   * error, or null where Shopee applied it (success_list / failure_list per model). A SKU without one listing, or
   * whose call was refused, fails alone; throws only when no call got an answer at all (or on abort).
   */
  async writePerItem<U extends { code: string }>(
    updates: U[], perCall: number, operation: string, signal: AbortSignal | undefined, send: (call: (U & Listing)[]) => Promise<ShopeeBody<ModelOutcomes>>,
  ): Promise<Map<string, string | null>> {
    const found = await this.resolve(updates.map((u) => u.code));
    const results = new Map<string, string | null>();
    const byItem = new Map<number, (U & Listing)[]>();
    for (const u of updates) {
      const l = found.get(u.code);
      if (!l) results.set(u.code, this.missing(u.code));
      else byItem.set(l.itemId, [...(byItem.get(l.itemId) ?? []), { ...u, ...l }]);
    }
    const calls = [...byItem.values()].flatMap((group) => chunk(group, perCall));
    const unanswered: unknown[] = [];
    await pool(calls, this.client.config.concurrency, async (call) => {
      const itemId = call[0]!.itemId;
      try {
        const body = await send(call);
        const failed = new Map((body.response?.failure_list ?? []).map((f) => [f.model_id, f.failed_reason || 'refused without a reason']));
        const applied = new Set((body.response?.success_list ?? []).map((s) => s.model_id));
        for (const u of call) {
          const where = `${this.channel} ${u.modelId ? `item ${itemId} model ${u.modelId}` : `item ${itemId}`}`;
          if (failed.has(u.modelId)) results.set(u.code, `${where}: ${failed.get(u.modelId)}`);
          else if (applied.has(u.modelId)) results.set(u.code, null);
          else results.set(u.code, `${where}: ${operation} answered${body.error ? ` ${body.error}` : ''} without this model in success_list or failure_list`);
        }
      } catch (err) {
        if (signal?.aborted) throw err;
        if (err instanceof ShopeeApiError && ITEM_GONE.has(err.baseCode)) {
          // The listing left the shop (deleted, moved): forget it, and let the next miss read the shop's changes.
          this.map.removeItem(itemId);
          this.lastMissRead = 0;
        }
        // A refusal of the item is the item's failure; no answer at all (network, busy after retries) is noted.
        if (!(err instanceof ShopeeApiError) || err.retryable) unanswered.push(err);
        for (const u of call) results.set(u.code, (err as Error).message);
      }
    });
    if (calls.length > 0 && unanswered.length === calls.length) throw unanswered[0];
    return results;
  }

  // ---- calls ----------------------------------------------------------------------------------------------

  /** Items Shopee no longer has in this shop are left out of the answer and dropped from the map. */
  private async baseInfo(itemIds: number[]): Promise<BaseInfo[]> {
    const pages = await pool(chunk([...new Set(itemIds)], ITEMS_PER_INFO_CALL), this.client.config.concurrency, async (ids) => {
      const body = await this.gone(ids, () => this.client.request<{ item_list?: BaseInfo[] }>({ path: PATHS.itemBaseInfo, shop: this.shop, query: { item_id_list: ids.join(',') } }));
      const items = body?.response?.item_list ?? [];
      const answered = new Set(items.map((i) => i.item_id));
      for (const id of ids) if (!answered.has(id)) this.map.removeItem(id);
      return items;
    });
    return pages.flat();
  }

  private async models(itemId: number): Promise<ModelInfo[]> {
    const body = await this.gone([itemId], () => this.client.request<{ model?: ModelInfo[] }>({ path: PATHS.modelList, shop: this.shop, query: { item_id: itemId } }));
    return body?.response?.model ?? [];
  }

  /** A read of items Shopee says are gone (not found, or not this shop's) answers undefined instead of failing. */
  private async gone<T>(itemIds: number[], read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof ShopeeApiError && ITEM_GONE.has(err.baseCode))) throw err;
      for (const id of itemIds) this.map.removeItem(id);
      return undefined;
    }
  }

  private sellerStock(info: StockInfo | undefined, where: string): number {
    const entries = info?.seller_stock;
    if (!Array.isArray(entries)) throw new Error(`${this.channel} ${where}: Shopee answered without stock_info_v2.seller_stock`);
    const { locationId } = this.shop;
    let total = 0;
    for (const e of entries) {
      if (locationId && e.location_id !== locationId) continue;
      if (!Number.isInteger(e.stock)) throw new Error(`${this.channel} ${where}: seller_stock holds a stock that is not an integer (${String(e.stock)})`);
      total += e.stock!;
    }
    return total;
  }

  // ---- the SKU map ----------------------------------------------------------------------------------------

  /** An item Tsunagi just created (model 0 carries the SKU): known to the map before the shop is read again. */
  learnItem(itemId: number, sku: string): void {
    this.map.setItem(itemId, [{ sku, modelId: 0 }]);
  }

  /** Each code's one listing; absent where the shop has none or several. Reads the map as config says. */
  async resolve(codes: string[]): Promise<Map<string, Listing>> {
    const now = Date.now();
    if (this.readAt === 0 || now - this.readAt > this.client.config.mapMaxAgeMs) await this.read('all');
    else if (codes.some((c) => !this.map.get(c))) {
      if (this.reading) await this.reading;
      else if (now - this.lastMissRead >= this.client.config.missRefreshMs) await this.read('changed');
    }
    const out = new Map<string, Listing>();
    for (const c of codes) {
      const l = this.map.get(c);
      if (l?.length === 1) out.set(c, l[0]!);
    }
    return out;
  }

  private missing(code: string): string {
    const several = this.map.get(code);
    if (several && several.length > 1) {
      return `${this.channel}: SKU "${code}" is on ${several.length} listings (${several.map((l) => `item ${l.itemId}${l.modelId ? ` model ${l.modelId}` : ''}`).join(', ')}); make it unique in the shop`;
    }
    return `${this.channel}: no listing with SKU "${code}" (item_sku or model_sku) in shop ${this.shop.shopId}`;
  }

  /** One read at a time per shop: everything, or the items changed since the last read (with an overlap). */
  private read(what: 'all' | 'changed'): Promise<void> {
    if (!this.reading) {
      this.reading = (what === 'all' ? this.readAll() : this.readChanged()).finally(() => (this.reading = undefined));
    }
    return this.reading;
  }

  private async readAll(): Promise<void> {
    const started = Date.now();
    const map = new ItemMap();
    await this.readListed({}, map);
    this.map = map;
    this.readAt = started;
    this.watermark = Math.floor(started / 1000);
    const summary = map.summary(started);
    if (summary.duplicates.length) {
      this.client.logger.warn({ channel: this.channel, duplicates: summary.duplicates.slice(0, 20), count: summary.duplicates.length }, 'SKUs on more than one listing are left alone');
    }
    this.client.logger.info({ channel: this.channel, items: summary.items, skus: summary.skus }, 'shopee SKU map read');
  }

  private async readChanged(): Promise<void> {
    const started = Date.now();
    this.lastMissRead = started;
    await this.readListed({ update_time_from: Math.max(0, this.watermark - OVERLAP_SECONDS), update_time_to: Math.floor(started / 1000) }, this.map);
    this.watermark = Math.floor(started / 1000);
  }

  /**
   * Lists the items (pages of 100, one after another: offsets must follow next_offset) and reads each page's
   * details while the next page loads, with at most `concurrency` pages' details in flight.
   */
  private async readListed(window: { update_time_from?: number; update_time_to?: number }, into: ItemMap): Promise<void> {
    const pages = this.client.paginate<{ item_id: number }>(
      { path: PATHS.itemList, shop: this.shop, query: { item_status: this.client.config.itemStatuses, ...window } },
      ITEM_LIST_PAGE,
      (r) => {
        const page = (r ?? {}) as { item?: { item_id: number }[]; has_next_page?: boolean; next_offset?: number };
        return { items: page.item ?? [], hasNext: page.has_next_page === true, nextOffset: page.next_offset };
      },
    );
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for await (const page of pages) {
      if (failure) break;
      while (inFlight.size >= this.client.config.concurrency) await Promise.race(inFlight);
      const details = this.readItems(page.map((i) => i.item_id)).then(
        (items) => {
          for (const [itemId, entries] of items) into.setItem(itemId, entries);
        },
        (err: unknown) => void (failure ??= err),
      );
      inFlight.add(details);
      void details.finally(() => inFlight.delete(details));
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  }

  /** Each item's SKUs: item_sku for an item without models, else its models' model_sku. */
  private async readItems(ids: number[]): Promise<Map<number, { sku: string; modelId: number }[]>> {
    const out = new Map<number, { sku: string; modelId: number }[]>();
    const withModels: number[] = [];
    for (const info of await this.baseInfo(ids)) {
      if (info.has_model) withModels.push(info.item_id);
      else out.set(info.item_id, [{ sku: (info.item_sku ?? '').trim(), modelId: 0 }]);
    }
    await pool(withModels, this.client.config.concurrency, async (itemId) => {
      out.set(itemId, (await this.models(itemId)).map((m) => ({ sku: (m.model_sku ?? '').trim(), modelId: m.model_id })));
    });
    return out;
  }
}

/** What the descriptor builds: the client, and one stock target and one price target per configured shop. */
export class ShopeeShops implements HealthCheck, OrderSource, OrderFulfilment, PriceTargets, ListingTargets {
  readonly shops: ShopeeShop[];
  /** The shops as price targets (prices.ts), in the same order. */
  readonly prices: ShopeePrices[];
  /** The shops' orders (orders.ts): the orders module's source, and where tracking numbers go back. */
  readonly orders: ShopeeOrders;
  readonly orderMapping = 'shopee_to_oms';
  readonly lineMapping = 'shopee_to_oms_line';
  readonly maxFetch = ORDERS_PER_DETAIL_CALL;

  /** The shops as listing targets (listings.ts); none without the `pim_to_shopee` mapping. */
  private readonly listings: ShopeeListings[];

  /** `markets`: config.yaml markets by channel; a shop's prices take its market's precision. */
  constructor(
    readonly client: ShopeeClient,
    markets: Record<string, MarketConfig> = {},
    listingMapping?: Mapping,
  ) {
    this.shops = client.config.shops.map((s) => new ShopeeShop(client, s));
    this.prices = this.shops.map((s) => new ShopeePrices(s, markets[s.channel]?.priceDecimals));
    this.listings = listingMapping ? this.shops.map((s) => new ShopeeListings(s, listingMapping)) : [];
    this.orders = new ShopeeOrders(client);
  }

  get system(): string {
    return this.client.config.system;
  }

  fetchOrders(accountRef: string | undefined, orderSns: string[]): Promise<SourceOrder[]> {
    return this.orders.fetchOrders(accountRef, orderSns);
  }

  shipOrder(order: { channel: string; accountRef?: string; orderSn: string; trackingNumber: string }): Promise<{ trackingNumber: string }> {
    return this.orders.shipOrder(order);
  }

  /** The stock target of a channel (`shopee:SG`) or a market (`SG`). */
  target(channelOrCountry: string): ShopeeShop {
    const shop = this.client.shop(channelOrCountry);
    return this.shops.find((s) => s.shop === shop)!;
  }

  priceTargets(): ShopeePrices[] {
    return this.prices;
  }

  listingTargets(): ShopeeListings[] {
    return this.listings;
  }

  /** Re-reads the SKU map of one shop or of every shop. */
  async refreshItems(only?: string): Promise<Record<string, ItemMapSummary>> {
    const out: Record<string, ItemMapSummary> = {};
    for (const s of only ? [this.target(only)] : this.shops) out[s.shop.country] = await s.refreshItems();
    return out;
  }

  health(): Promise<ConnectorHealth> {
    return this.client.health();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
