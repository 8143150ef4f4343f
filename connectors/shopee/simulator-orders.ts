// The Shopee simulator's orders: orders placed in its shops (the listing's stock drops, as on Shopee), their
// details and lists, shipment with a tracking number (get_shipping_parameter → ship_order → get_tracking_number),
// and pushes: each order change is POSTed, signed as Shopee signs (integration-contracts §1.8), to the URL the hub
// registered; a push the hub does not acknowledge with 2xx is kept as a lost push for get_lost_push_message.
import { randomBytes } from 'node:crypto';
import type { SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { pushSignature } from './push.js';
import { fail, ok } from './simulator-products.js';
import type { SimMarket, SimShop } from './simulator-state.js';

/** Order statuses an order may be moved to (integration-contracts §1.7). */
export const ORDER_STATUSES = ['UNPAID', 'READY_TO_SHIP', 'PROCESSED', 'RETRY_SHIP', 'SHIPPED', 'TO_CONFIRM_RECEIVE', 'IN_CANCEL', 'CANCELLED', 'TO_RETURN', 'COMPLETED'];
/** Sandbox listing price per unit, in the market's currency: the simulator's items carry no price of their own. */
const DEMO_PRICE: Record<string, number> = { SGD: 19.9, MYR: 59.9, THB: 490, TWD: 590, PHP: 990, VND: 359000, BRL: 89.9 };

export interface SimOrder {
  order_sn: string;
  shop_id: number;
  region: string;
  currency: string;
  order_status: string;
  create_time: number;
  update_time: number;
  pay_time: number | null;
  buyer_user_id: number;
  buyer_username: string;
  message_to_seller: string;
  days_to_ship: number;
  ship_by_date: number;
  total_amount: number;
  recipient_address: Record<string, string>;
  item_list: Record<string, unknown>[];
  package_number: string;
  tracking_number: string | null;
}

interface LostPushRow {
  id: number;
  shop_id: number;
  code: number;
  timestamp: number;
  data: string;
}

interface Snapshot {
  orders: SimOrder[];
  pushUrl: string | null;
  lost: LostPushRow[];
  nextLostId: number;
}

export interface PushSent {
  url: string;
  body: string;
  authorization: string;
  /** The hub's answer; null when it could not be reached (the push is then kept as lost). */
  status: number | null;
}

const answer = (response: unknown): SimResponse => ok({ response });
const now = () => Math.floor(Date.now() / 1000);
const DIGITS: Record<string, number> = { SGD: 2, MYR: 2, BRL: 2 };

export class SimOrders {
  private readonly state: PersistentState<Snapshot>;
  private readonly bySn = new Map<string, SimOrder>();

  constructor(
    stateFile: string | undefined,
    private readonly market: SimMarket,
    private readonly partnerKey: string,
    /** The currency of a market's shop. */
    private readonly currencyOf: (region: string) => string,
  ) {
    this.state = new PersistentState<Snapshot>(stateFile, () => ({ orders: [], pushUrl: null, lost: [], nextLostId: 1 }));
    for (const o of this.state.data.orders) this.bySn.set(o.order_sn, o);
  }

  flush(): void {
    this.state.flush();
  }

  // ---- control ---------------------------------------------------------------------------------------------

  setPushUrl(url: string | null): void {
    this.state.data.pushUrl = url;
    this.state.changed();
  }

  /**
   * A buyer orders `quantity` of a SKU in a shop: the listing's stock drops (refused when it has too little), the
   * order is READY_TO_SHIP (paid), and its push goes to the hub. Answers the order and the push sent.
   */
  async placeOrder(shop: SimShop, spec: { sku: string; quantity: number; price?: number; status?: string }): Promise<{ order: SimOrder; push: PushSent | null }> {
    const order = this.build(shop, spec);
    return { order, push: await this.push(order, 3) };
  }

  /** The order, placed: the listing's stock taken, the order stored. */
  private build(shop: SimShop, spec: { sku: string; quantity: number; price?: number; status?: string }): SimOrder {
    if (!Number.isInteger(spec.quantity) || spec.quantity < 1) throw new Error(`shopee simulator: quantity must be a whole number >= 1, got ${spec.quantity}`);
    const status = spec.status ?? 'READY_TO_SHIP';
    if (!ORDER_STATUSES.includes(status)) throw new Error(`shopee simulator: unknown order status ${status}`);
    const { item, model } = this.market.listing(shop, spec.sku);
    const held = model ? model.stock : item.stock;
    if (held < spec.quantity) throw new Error(`shopee simulator: ${shop.region} has ${held} of ${spec.sku}; an order for ${spec.quantity} cannot be placed`);
    if (model) model.stock -= spec.quantity;
    else item.stock -= spec.quantity;
    this.market.changed();
    const currency = this.currencyOf(shop.region);
    const price = spec.price ?? DEMO_PRICE[currency] ?? 10;
    const digits = DIGITS[currency] ?? 0;
    if (Number(price.toFixed(digits)) !== price) throw new Error(`shopee simulator: a ${currency} price has at most ${digits} decimals`);
    const t = now();
    const order: SimOrder = {
      order_sn: this.newOrderSn(),
      shop_id: shop.shop_id, region: shop.region, currency, order_status: status, create_time: t, update_time: t,
      pay_time: status === 'UNPAID' ? null : t, buyer_user_id: 700_000_000 + Math.floor(Math.random() * 1_000_000), buyer_username: 'sandbox.buyer',
      message_to_seller: '', days_to_ship: 3, ship_by_date: t + 3 * 86_400, total_amount: Number((price * spec.quantity).toFixed(digits)),
      recipient_address: {
        name: 'Sandbox Buyer', phone: '0000000000', town: '', district: '', city: '', state: '', region: shop.region, zipcode: '000000',
        full_address: `Sandbox address, ${shop.region}`,
      },
      item_list: [{
        item_id: item.item_id, item_name: `Sandbox item ${spec.sku}`, item_sku: item.item_sku, model_id: model?.model_id ?? 0, model_name: '',
        model_sku: model?.model_sku ?? '', model_quantity_purchased: spec.quantity, model_original_price: price, model_discounted_price: price,
        order_item_id: item.item_id,
      }],
      package_number: `PKG${randomBytes(5).toString('hex').toUpperCase()}`,
      tracking_number: null,
    };
    this.state.data.orders.push(order);
    this.bySn.set(order.order_sn, order);
    this.state.changed();
    return order;
  }

  /**
   * Orders placed without their pushes, for a load test that sends the pushes itself: `count` orders of one unit
   * each (the listing's stock must cover them). Answers what each push needs.
   */
  createOrders(shop: SimShop, sku: string, count: number): { orderSn: string; shopId: number; updateTime: number }[] {
    if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new Error(`shopee simulator: count must be 1..1,000,000, got ${count}`);
    const pushUrl = this.state.data.pushUrl;
    this.state.data.pushUrl = null;
    const out: { orderSn: string; shopId: number; updateTime: number }[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const order = this.build(shop, { sku, quantity: 1 });
        out.push({ orderSn: order.order_sn, shopId: order.shop_id, updateTime: order.update_time });
      }
    } finally {
      this.state.data.pushUrl = pushUrl;
    }
    return out;
  }

  /** The order moves to `status` (cancelled by the buyer, completed, ...), its update_time with it; pushed. */
  async setStatus(orderSn: string, status: string): Promise<PushSent | null> {
    const order = this.order(orderSn);
    if (!ORDER_STATUSES.includes(status)) throw new Error(`shopee simulator: unknown order status ${status}`);
    // update_time is whole seconds: a change within the same second still moves it on.
    Object.assign(order, { order_status: status, update_time: Math.max(now(), order.update_time + 1) });
    this.state.changed();
    return this.push(order, 3);
  }

  order(orderSn: string): SimOrder {
    const order = this.bySn.get(orderSn);
    if (!order) throw new Error(`shopee simulator: no order ${orderSn}`);
    return order;
  }

  list(): SimOrder[] {
    return this.state.data.orders;
  }

  lost(): LostPushRow[] {
    return this.state.data.lost;
  }

  reset(): void {
    this.bySn.clear();
    Object.assign(this.state.data, { orders: [], lost: [], nextLostId: 1 });
    this.state.changed();
  }

  // ---- API -------------------------------------------------------------------------------------------------

  orderList(shop: SimShop, q: URLSearchParams): SimResponse {
    const field = q.get('time_range_field');
    if (field !== 'create_time' && field !== 'update_time') return fail('error_param', 'Wrong parameters, detail: time_range_field must be create_time or update_time.');
    const from = Number(q.get('time_from'));
    const to = Number(q.get('time_to'));
    if (!Number.isInteger(from) || !Number.isInteger(to) || from >= to || to - from > 15 * 86_400) {
      return fail('order.order_list_invalid_time', 'Start time must be earlier than end time and diff in 15days.');
    }
    const size = Number(q.get('page_size'));
    if (!Number.isInteger(size) || size < 1 || size > 100) return fail('error_param', 'Wrong parameters, detail: page_size must be 1 to 100.');
    const offset = q.get('cursor') ? Number(q.get('cursor')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return fail('error_param', 'Wrong parameters, detail: invalid cursor.');
    const status = q.get('order_status');
    const all = this.state.data.orders.filter((o) => o.shop_id === shop.shop_id && o[field] >= from && o[field] <= to && (!status || o.order_status === status));
    const page = all.slice(offset, offset + size);
    const more = offset + size < all.length;
    return answer({ more, next_cursor: more ? String(offset + size) : '', order_list: page.map((o) => ({ order_sn: o.order_sn })) });
  }

  orderDetail(shop: SimShop, q: URLSearchParams): SimResponse {
    const sns = (q.get('order_sn_list') ?? '').split(',').filter((s) => s !== '');
    if (sns.length < 1 || sns.length > 50) return fail('error_param', 'Wrong parameters, detail: order_sn_list must hold 1 to 50 order numbers.');
    const optional = new Set((q.get('response_optional_fields') ?? '').split(','));
    const found = sns.map((sn) => this.bySn.get(sn)).filter((o): o is SimOrder => o !== undefined && o.shop_id === shop.shop_id);
    if (found.length === 0) return fail('error_not_found', 'Wrong parameters, detail: the order is not found.');
    const ALWAYS = ['order_sn', 'region', 'currency', 'order_status', 'message_to_seller', 'create_time', 'update_time', 'days_to_ship', 'ship_by_date'];
    return answer({
      order_list: found.map((o) => ({
        ...Object.fromEntries(ALWAYS.map((k) => [k, o[k as keyof SimOrder]])), cod: false, booking_sn: '',
        ...Object.fromEntries(['buyer_user_id', 'buyer_username', 'recipient_address', 'item_list', 'total_amount', 'pay_time'].filter((k) => optional.has(k)).map((k) => [k, o[k as keyof SimOrder]])),
        ...(optional.has('package_list') ? { package_list: [{ package_number: o.package_number, logistics_status: o.tracking_number ? 'LOGISTICS_READY' : 'LOGISTICS_NOT_START', item_list: o.item_list.map((i) => ({ item_id: i.item_id, model_id: i.model_id, model_quantity: i.model_quantity_purchased })) }] } : {}),
      })),
    });
  }

  shippingParameter(shop: SimShop, q: URLSearchParams): SimResponse {
    const order = this.ownOrder(shop, q.get('order_sn'));
    if (!order) return fail('logistics.error_param', 'Wrong parameters, detail: the order is not found.');
    if (!['READY_TO_SHIP', 'RETRY_SHIP'].includes(order.order_status)) return fail('logistics.invalid_error', `The order status ${order.order_status} cannot arrange shipment.`);
    // The sandbox shops ship through a non-integrated channel: the seller's own tracking number.
    return answer({ info_needed: { non_integrated: ['tracking_number'] } });
  }

  async shipOrder(shop: SimShop, body: Record<string, unknown>): Promise<SimResponse> {
    const order = this.ownOrder(shop, typeof body.order_sn === 'string' ? body.order_sn : null);
    if (!order) return fail('logistics.error_param', 'Wrong parameters, detail: the order is not found.');
    if (!['READY_TO_SHIP', 'RETRY_SHIP'].includes(order.order_status)) return fail('logistics.invalid_error', `The order status ${order.order_status} cannot arrange shipment.`);
    const ni = body.non_integrated as { tracking_number?: unknown } | undefined;
    if (!ni || typeof ni !== 'object') return fail('logistics.ship_order_need_non_integrated', 'This order needs non_integrated (from get_shipping_parameter info_needed).');
    if (typeof ni.tracking_number !== 'string' || ni.tracking_number.trim() === '') return fail('logistics.error_param', 'Wrong parameters, detail: tracking_number is required for a non-integrated channel.');
    Object.assign(order, { tracking_number: ni.tracking_number, order_status: 'PROCESSED', update_time: Math.max(now(), order.update_time + 1) });
    this.state.changed();
    await this.push(order, 3);
    return ok();
  }

  trackingNumber(shop: SimShop, q: URLSearchParams): SimResponse {
    const order = this.ownOrder(shop, q.get('order_sn'));
    if (!order) return fail('logistics.error_param', 'Wrong parameters, detail: the order is not found.');
    if (!order.tracking_number) return fail('logistics.error_param', 'The order is being allocated, please wait and try again.');
    return answer({ tracking_number: order.tracking_number, plp_number: '', first_mile_tracking_number: '', last_mile_tracking_number: '', hint: '', pickup_code: '' });
  }

  lostPushes(): SimResponse {
    const list = this.state.data.lost.slice(0, 100);
    return answer({
      push_message_list: list.map(({ shop_id, code, timestamp, data }) => ({ shop_id, code, timestamp, data })),
      has_next_page: this.state.data.lost.length > list.length,
      last_message_id: list.at(-1)?.id ?? 0,
    });
  }

  confirmLostPushes(body: Record<string, unknown>): SimResponse {
    const last = body.last_message_id;
    if (typeof last !== 'number' || !Number.isInteger(last)) return fail('error_param', 'Wrong parameters, detail: last_message_id is required.');
    this.state.data.lost = this.state.data.lost.filter((p) => p.id > last);
    this.state.changed();
    return ok();
  }

  // ---- pushes ----------------------------------------------------------------------------------------------

  private async push(order: SimOrder, code: number): Promise<PushSent | null> {
    const data = { items: [], ordersn: order.order_sn, status: order.order_status, completed_scenario: '', update_time: order.update_time };
    const url = this.state.data.pushUrl;
    const keep = () => {
      this.state.data.lost.push({ id: this.state.data.nextLostId++, shop_id: order.shop_id, code, timestamp: now(), data: JSON.stringify(data) });
      this.state.changed();
    };
    if (!url) {
      keep();
      return null;
    }
    const body = JSON.stringify({ data, shop_id: order.shop_id, code, timestamp: now() });
    const authorization = pushSignature(this.partnerKey, url, body);
    let status: number | null = null;
    try {
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization }, signal: AbortSignal.timeout(10_000), redirect: 'manual' });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = null;
    }
    if (status === null || status < 200 || status >= 300) keep();
    return { url, body, authorization, status };
  }

  /** Shopee's form: the day (YYMMDD) and upper-case letters and digits; never one already given. */
  private newOrderSn(): string {
    for (;;) {
      const sn = `${new Date().toISOString().slice(2, 10).replaceAll('-', '')}${randomBytes(4).toString('hex').toUpperCase()}`;
      if (!this.bySn.has(sn)) return sn;
    }
  }

  private ownOrder(shop: SimShop, orderSn: string | null): SimOrder | undefined {
    const order = orderSn ? this.bySn.get(orderSn) : undefined;
    return order?.shop_id === shop.shop_id ? order : undefined;
  }
}
