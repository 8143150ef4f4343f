// The simulator's product API (get_item_list, get_item_base_info, get_model_list, update_stock, update_price) over
// its marketplace: paging and update_time windows, shop ownership of items, 1–50 models per update_stock and
// update_price, stock not below 0 nor below a model's promotion stock, per-model failures, prices in the market's
// precision (two decimals in SG/MY/BR, whole units elsewhere); every answer in Shopee's envelope.
import { randomBytes } from 'node:crypto';
import type { SimResponse } from '../sandbox/server.js';
import { ITEM_STATUSES } from './config.js';
import { priceDecimals } from './prices.js';
import type { SimItemContent, SimMarket, SimShop } from './simulator-state.js';

export const rid = () => randomBytes(16).toString('hex');
/** Success: HTTP 200, `error` empty (UNCONFIRMED for errors too: Shopee's statuses on errors are not documented). */
export const ok = (fields: Record<string, unknown> = {}, warning = ''): SimResponse => ({ status: 200, body: { request_id: rid(), error: '', message: '', warning, ...fields } });
export const fail = (error: string, message: string, fields: Record<string, unknown> = {}): SimResponse => ({ status: 200, body: { request_id: rid(), error, message, ...fields } });
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Why a shop in `region` would refuse `price` as original_price; null when it takes it. */
export function priceProblem(region: string, price: unknown): string | null {
  if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) return 'original_price must be a number above 0';
  const places = /\.(\d+)$/.exec(String(price))?.[1]?.length ?? 0;
  if (/e/i.test(String(price)) || places > priceDecimals(region)) return `${region} takes ${priceDecimals(region) ? `${priceDecimals(region)} decimal places` : 'whole units'}, not ${price}`;
  return null;
}

export class SimProducts {
  /** The filtered, sorted item ids of a shop's last list query, until its catalogue changes. */
  private readonly listCache = new Map<number, { key: string; ids: number[] }>();

  constructor(
    private readonly market: SimMarket,
    private readonly currency: (region: string) => string,
  ) {}

  itemList(shop: SimShop, q: URLSearchParams): SimResponse {
    const offset = Number(q.get('offset') ?? '');
    const pageSize = Number(q.get('page_size') ?? '');
    if (!Number.isInteger(offset) || offset < 0 || q.get('offset') === null) return fail('error_param', 'Wrong parameters, detail: offset is required (an integer >= 0).');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return fail('error_param', 'Wrong parameters, detail: page_size must be 1 to 100.');
    const statuses = q.getAll('item_status');
    if (statuses.length === 0 || statuses.some((s) => !(ITEM_STATUSES as readonly string[]).includes(s))) return fail('error_param_item_status', 'Item status error.');
    const from = q.get('update_time_from');
    const to = q.get('update_time_to');
    if (from !== null && to !== null && Number(to) < Number(from)) return fail('error_update_time_range', 'Update_time_to should be later than update_time_from.');
    const key = `${shop.version}|${statuses.sort().join(',')}|${from}|${to}`;
    let cached = this.listCache.get(shop.shop_id);
    if (cached?.key !== key) {
      const ids = [...shop.items.values()]
        .filter((i) => statuses.includes(i.item_status) && (from === null || i.update_time >= Number(from)) && (to === null || i.update_time <= Number(to)))
        .map((i) => i.item_id)
        .sort((a, b) => a - b);
      this.listCache.set(shop.shop_id, (cached = { key, ids }));
    }
    const page = cached.ids.slice(offset, offset + pageSize);
    const next = offset + page.length;
    const item = page.map((id) => {
      const i = shop.items.get(id)!;
      return { item_id: i.item_id, item_status: i.item_status, update_time: i.update_time };
    });
    return ok({ response: { item, total_count: cached.ids.length, has_next_page: next < cached.ids.length, next_offset: next } });
  }

  itemBaseInfo(shop: SimShop, q: URLSearchParams): SimResponse {
    // UNCONFIRMED which form the server wants: both a comma-joined list and repeated keys are taken.
    const ids = q.getAll('item_id_list').flatMap((v) => v.split(',')).filter((v) => v !== '').map(Number);
    if (ids.length === 0 || ids.some((n) => !Number.isSafeInteger(n))) return fail('error_param', 'Wrong parameters, detail: item_id_list is required.');
    if (ids.length > 50) return fail('error_query_over_itemid_size', 'Wrong parameters, detail: at most 50 item ids.');
    const item_list = ids.flatMap((id) => {
      const i = shop.items.get(id);
      if (!i) return [];
      return [{
        item_id: i.item_id, item_sku: i.item_sku, item_status: i.item_status, update_time: i.update_time, has_model: i.models !== null,
        ...(i.models ? {} : { price_info: this.priceInfo(shop, i.price), stock_info_v2: this.stockInfo(i.stock, i.reserved) }),
        ...(i.content ? this.contentInfo(i.content) : {}),
      }];
    });
    if (item_list.length === 0) return fail('error_item_not_found', 'Item_id is not found.');
    return ok({ response: { item_list } });
  }

  modelList(shop: SimShop, q: URLSearchParams): SimResponse {
    const itemId = Number(q.get('item_id'));
    const owner = this.market.itemShop.get(itemId);
    if (owner === undefined) return fail('error_item_not_found', 'Item_id is not found.');
    if (owner !== shop.shop_id) return fail('error_item_not_belong_shop', 'Item not belong to shop.');
    const item = shop.items.get(itemId)!;
    const model = (item.models ?? []).map((m) => ({ model_id: m.model_id, model_sku: m.model_sku, price_info: this.priceInfo(shop, m.price), stock_info_v2: this.stockInfo(m.stock, m.reserved) }));
    return ok({ response: { tier_variation: [], model } });
  }

  updateStock(shop: SimShop, body: Record<string, unknown>): SimResponse {
    if (!isInt(body.item_id)) return fail('product.error_param', 'invalid field ItemId: value must Not Null');
    const list = body.stock_list;
    if (!Array.isArray(list) || list.length < 1 || list.length > 50) {
      return fail('error_param', 'Parameter is not match the constraints, stock_list length should be between 1 to 50.');
    }
    const owner = this.market.itemShop.get(body.item_id);
    if (owner === undefined) return fail('error_item_not_found', 'Item_id is not found.');
    if (owner !== shop.shop_id) return fail('error_item_not_belong_shop', 'Item not belong to shop.');
    const item = shop.items.get(body.item_id)!;
    const seen = new Set<number>();
    const plan: { modelId: number; stock: number; location: string | undefined; target: { stock: number; reserved: number } }[] = [];
    for (const entry of list as Record<string, unknown>[]) {
      const modelId = entry?.model_id === undefined ? 0 : entry.model_id;
      if (!isInt(modelId)) return fail('error_param', 'Wrong model_id.');
      if (seen.has(modelId)) return fail('error_param', 'Repeat model_id.');
      seen.add(modelId);
      if (modelId === 0 && item.models) return fail('error_edit_item_stock_for_item_has_model', "Can't to edit item stock directly while item has models.");
      const target = modelId === 0 ? item : item.models?.find((m) => m.model_id === modelId);
      if (!target) return fail('error_param', 'Wrong model_id.');
      const seller = entry.seller_stock;
      if (!Array.isArray(seller) || seller.length !== 1 || !isInt((seller[0] as Record<string, unknown>)?.stock)) {
        return fail('error_param', 'Parameter is not match the constraints, seller_stock needs one entry with an integer stock.');
      }
      const { stock, location_id } = seller[0] as { stock: number; location_id?: string };
      if (stock < 0) return fail('error_param', 'Parameter is not match the constraints, stock should be greater than or equal to 0.');
      plan.push({ modelId, stock, location: location_id, target });
    }
    const failure_list: { model_id: number; failed_reason: string }[] = [];
    const success_list: { model_id: number; location_id: string; stock: number }[] = [];
    for (const p of plan) {
      if (p.stock < p.target.reserved) failure_list.push({ model_id: p.modelId, failed_reason: 'Total stock must be more than reserved stock.' });
      else {
        p.target.stock = p.stock;
        success_list.push({ model_id: p.modelId, location_id: p.location ?? '-', stock: p.stock });
      }
    }
    this.market.changed();
    const response = { failure_list, success_list };
    if (success_list.length === 0) return fail('error_busi_update_stock_failed', 'Update stock failed, please check failure_list for detailed reason', { response });
    return ok({ response }, failure_list.length ? 'Some models failed: see failure_list.' : '');
  }

  updatePrice(shop: SimShop, body: Record<string, unknown>): SimResponse {
    if (!isInt(body.item_id)) return fail('product.error_param', 'invalid field ItemId: value must Not Null');
    const list = body.price_list;
    if (!Array.isArray(list) || list.length < 1 || list.length > 50) {
      return fail('error_param', 'Parameter is not match the constraints, price_list length should be between 1 to 50.');
    }
    const owner = this.market.itemShop.get(body.item_id);
    if (owner === undefined) return fail('error_item_not_found', 'Item_id is not found.');
    if (owner !== shop.shop_id) return fail('error_item_not_belong_shop', 'Item not belong to shop.');
    const item = shop.items.get(body.item_id)!;
    const seen = new Set<number>();
    const plan: { modelId: number; price: number; target: { price: number } }[] = [];
    for (const entry of list as Record<string, unknown>[]) {
      const modelId = entry?.model_id === undefined ? 0 : entry.model_id;
      if (!isInt(modelId)) return fail('error_param', 'Wrong model_id.');
      if (seen.has(modelId)) return fail('error_param', 'Repeat model_id.');
      seen.add(modelId);
      const target = modelId === 0 ? (item.models ? undefined : item) : item.models?.find((m) => m.model_id === modelId);
      if (!target) return fail('error_param', 'Wrong model_id.');
      // UNCONFIRMED whether a bad price fails the whole call or only its model: the whole call, as error_invalid_price.
      if (priceProblem(shop.region, entry.original_price)) return fail('error_invalid_price', 'Invalid price, please use the correct format');
      plan.push({ modelId, price: entry.original_price as number, target });
    }
    for (const p of plan) p.target.price = p.price;
    this.market.changed();
    return ok({ response: { failure_list: [], success_list: plan.map((p) => ({ model_id: p.modelId, original_price: p.price })) } });
  }

  /** The product data as get_item_base_info answers it (weight as a string, images as ids and URLs). */
  private contentInfo(c: SimItemContent) {
    return {
      item_name: c.item_name, description: c.description, category_id: c.category_id, weight: String(c.weight), dimension: c.dimension,
      brand: c.brand, image: { image_id_list: c.image_id_list, image_url_list: c.image_id_list.map((id) => `https://cf.shopee.sg/file/${id}`) },
      logistic_info: c.logistic_info,
    };
  }

  /** One entry in the shop's currency; no promotion runs in the simulator, so current_price is original_price. */
  private priceInfo(shop: SimShop, price: number) {
    return [{ currency: this.currency(shop.region), original_price: price, current_price: price, inflated_price_of_original_price: price, inflated_price_of_current_price: price }];
  }

  private stockInfo(stock: number, reserved: number) {
    return {
      summary_info: { total_reserved_stock: reserved, total_available_stock: stock },
      seller_stock: [{ location_id: '-', stock, if_saleable: true }],
      shopee_stock: [],
    };
  }
}
