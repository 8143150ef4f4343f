// Shopee's order and logistics calls (integration-contracts §1.7) and lost pushes (§1.8), for the orders module:
// order details (50 a call) as the orders' source, order lists in 15-day windows with cursor pages, tracking
// numbers sent back (get_shipping_parameter → ship_order with what info_needed asks for → get_tracking_number),
// and pushes Shopee could not deliver (get_lost_push_message, then confirm_consumed_lost_push_message).
import type { SourceOrder } from '../../subgraphs/orders/ports.js';
import { RejectedError } from '../../subgraphs/orders/ports.js';
import { ShopeeApiError, type ShopeeClient } from './client.js';
import type { ShopConfig } from './config.js';

export const ORDER_PATHS = {
  orderList: '/api/v2/order/get_order_list',
  orderDetail: '/api/v2/order/get_order_detail',
  shippingParameter: '/api/v2/logistics/get_shipping_parameter',
  shipOrder: '/api/v2/logistics/ship_order',
  trackingNumber: '/api/v2/logistics/get_tracking_number',
  lostPushes: '/api/v2/push/get_lost_push_message',
  confirmLostPushes: '/api/v2/push/confirm_consumed_lost_push_message',
} as const;

/** get_order_detail takes 1–50 order numbers; get_order_list pages of 1–100 over at most 15 days. */
export const ORDERS_PER_DETAIL_CALL = 50;
export const ORDER_LIST_PAGE = 100;
export const ORDER_LIST_WINDOW_DAYS = 15;
/** What the order's mapping reads besides the fields always returned. */
export const DETAIL_FIELDS = ['buyer_user_id', 'buyer_username', 'recipient_address', 'item_list', 'total_amount', 'pay_time', 'package_list', 'note'];

/** The order detail fields the connector reads itself (the mapping reads the record as a whole). */
interface OrderDetail {
  order_sn: string;
  order_status: string;
  currency: string;
  update_time: number;
  buyer_user_id?: number;
  item_list?: Record<string, unknown>[];
  package_list?: { package_number?: string }[];
}

/** A push Shopee could not deliver, as its push would have carried it. */
export interface LostPush {
  shopId?: number;
  code: number;
  timestamp: number;
  /** The push body, as the push would have been sent (the receiver's decoder reads it). */
  body: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * ship_order's body: exactly the objects info_needed names (empty ones included), the tracking number in each that
 * asks for it (a non-integrated channel always takes it).
 */
function shipBody(orderSn: string, trackingNumber: string, needed: Record<string, string[]>): Record<string, unknown> {
  const body: Record<string, unknown> = { order_sn: orderSn };
  for (const kind of ['non_integrated', 'pickup', 'dropoff'] as const) {
    if (needed[kind]) body[kind] = kind === 'non_integrated' || needed[kind].includes('tracking_number') ? { tracking_number: trackingNumber } : {};
  }
  if (!needed.non_integrated && !needed.pickup && !needed.dropoff) body.non_integrated = { tracking_number: trackingNumber };
  return body;
}

export class ShopeeOrders {
  constructor(private readonly client: ShopeeClient) {}

  /** The shop of a channel, a market or a shop id (a push's shop_id). */
  shopOf(ref: string): ShopConfig {
    const byId = /^\d+$/.test(ref) ? this.client.config.shops.find((s) => String(s.shopId) === ref) : undefined;
    return byId ?? this.client.shop(ref);
  }

  /** The orders as Shopee has them now (up to 50 a call); orders it does not know are left out. */
  async fetchOrders(accountRef: string | undefined, orderSns: string[]): Promise<SourceOrder[]> {
    if (!accountRef) throw new RejectedError(`${this.client.config.system}: an order push names no shop`);
    const shop = this.shopOf(accountRef);
    const out: SourceOrder[] = [];
    for (let i = 0; i < orderSns.length; i += ORDERS_PER_DETAIL_CALL) {
      let body;
      try {
        body = await this.client.request<{ order_list?: unknown[] }>({
          path: ORDER_PATHS.orderDetail, shop, operation: 'get_order_detail',
          query: { order_sn_list: orderSns.slice(i, i + ORDERS_PER_DETAIL_CALL).join(','), response_optional_fields: DETAIL_FIELDS.join(',') },
        });
      } catch (err) {
        // None of them is known (yet): the caller retries the messages later.
        if (err instanceof ShopeeApiError && err.baseCode === 'error_not_found') continue;
        throw err;
      }
      for (const record of body.response?.order_list ?? []) {
        if (!isRecord(record) || typeof record.order_sn !== 'string') continue;
        const order = record as unknown as OrderDetail;
        out.push({
          system: this.client.config.system, channel: shop.channel, accountRef: String(shop.shopId), orderSn: order.order_sn,
          channelStatus: String(order.order_status), updatedAt: new Date(Number(order.update_time) * 1000),
          buyerId: order.buyer_user_id === undefined ? null : String(order.buyer_user_id),
          record,
          // Each line carries the order's currency: its price is read in it.
          lines: (order.item_list ?? []).map((line) => ({ ...line, currency: order.currency })),
        });
      }
    }
    return out;
  }

  /** The order numbers of a shop created (or updated) in [from, to), window by window of 15 days, page by page. */
  async *listOrders(channel: string, field: 'create_time' | 'update_time', from: Date, to: Date): AsyncGenerator<string[]> {
    const shop = this.shopOf(channel);
    const windowS = ORDER_LIST_WINDOW_DAYS * 86_400;
    for (let start = Math.floor(from.getTime() / 1000); start < Math.floor(to.getTime() / 1000); start += windowS) {
      const end = Math.min(start + windowS, Math.floor(to.getTime() / 1000));
      let cursor = '';
      for (;;) {
        const body = await this.client.request<{ more?: boolean; next_cursor?: string; order_list?: { order_sn: string }[] }>({
          path: ORDER_PATHS.orderList, shop, operation: 'get_order_list',
          query: { time_range_field: field, time_from: start, time_to: end, page_size: ORDER_LIST_PAGE, cursor },
        });
        yield (body.response?.order_list ?? []).map((o) => o.order_sn);
        if (!body.response?.more || !body.response.next_cursor) break;
        cursor = body.response.next_cursor;
      }
    }
  }

  /**
   * Sends the OMS's tracking number for an order (a non-integrated channel, or whatever info_needed asks for) and
   * answers the tracking number Shopee then shows. Sent twice, the second ship_order is refused and the number
   * shown decides: the same one means it is done.
   */
  async shipOrder(order: { channel: string; accountRef?: string; orderSn: string; trackingNumber: string }): Promise<{ trackingNumber: string }> {
    const shop = this.shopOf(order.accountRef ?? order.channel);
    try {
      const params = await this.client.request<{ info_needed?: Record<string, string[]> }>({
        path: ORDER_PATHS.shippingParameter, shop, operation: 'get_shipping_parameter', query: { order_sn: order.orderSn },
      });
      await this.client.request({ path: ORDER_PATHS.shipOrder, method: 'POST', shop, operation: 'ship_order', body: shipBody(order.orderSn, order.trackingNumber, params.response?.info_needed ?? {}) });
    } catch (err) {
      if (!(err instanceof ShopeeApiError) || err.retryable) throw err;
      // Refused for good: unless the order already shows this number (sent before, its answer lost), it stays refused.
      const shown = await this.trackingNumber(shop, order.orderSn).catch(() => '');
      if (shown === order.trackingNumber) return { trackingNumber: shown };
      throw new RejectedError(err.message);
    }
    const shown = await this.trackingNumber(shop, order.orderSn);
    if (shown !== order.trackingNumber) throw new Error(`${this.client.config.system}: order ${order.orderSn} shows tracking number "${shown}" after ship_order with "${order.trackingNumber}"`);
    return { trackingNumber: shown };
  }

  async trackingNumber(shop: ShopConfig, orderSn: string): Promise<string> {
    const body = await this.client.request<{ tracking_number?: string }>({
      path: ORDER_PATHS.trackingNumber, shop, operation: 'get_tracking_number', query: { order_sn: orderSn },
    });
    return body.response?.tracking_number ?? '';
  }

  /** The earliest lost pushes (up to 100) and the id to confirm them with; none when Shopee holds none. */
  async lostPushes(): Promise<{ pushes: LostPush[]; lastMessageId: number | null; more: boolean }> {
    const body = await this.client.request<{ push_message_list?: { shop_id?: number; code: number; timestamp: number; data: string }[]; has_next_page?: boolean; last_message_id?: number }>({
      path: ORDER_PATHS.lostPushes, operation: 'get_lost_push_message',
    });
    const list = body.response?.push_message_list ?? [];
    return {
      pushes: list.map((p) => ({
        shopId: p.shop_id, code: p.code, timestamp: p.timestamp,
        // The push itself carries data as an object; the lost list as a JSON string.
        body: JSON.stringify({ data: JSON.parse(p.data) as unknown, ...(p.shop_id === undefined ? {} : { shop_id: p.shop_id }), code: p.code, timestamp: p.timestamp }),
      })),
      lastMessageId: list.length ? (body.response?.last_message_id ?? null) : null,
      more: Boolean(body.response?.has_next_page),
    };
  }

  async confirmLostPushes(lastMessageId: number): Promise<void> {
    await this.client.request({ path: ORDER_PATHS.confirmLostPushes, method: 'POST', operation: 'confirm_consumed_lost_push_message', body: { last_message_id: lastMessageId, partner_id: this.client.config.partnerId } });
  }
}
