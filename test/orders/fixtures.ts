// Orders as Shopee's get_order_detail returns them (integration-contracts §1.7: the fields it always returns and the
// optional ones asked for), wrapped as the orders module's SourceOrder, for tests of the orders pipeline.
import type { SourceOrder } from '../../subgraphs/orders/ports.js';

export interface DetailOptions {
  orderSn: string;
  region?: string;
  currency?: string;
  status?: string;
  /** Unix seconds. */
  updateTime?: number;
  /** Unix seconds; default 2025-11-24T16:00:00Z (2025-11-25 01:00 in Tokyo). */
  createTime?: number;
  items?: { sku: string; quantity: number; price: number; modelSku?: string }[];
  buyerUserId?: number;
  withAddress?: boolean;
}

/** A get_order_detail record with item_list, recipient_address, total_amount and buyer_user_id. */
export function orderDetail(o: DetailOptions): Record<string, unknown> {
  const items = o.items ?? [{ sku: 'AMZ-000001', quantity: 2, price: 12.5 }];
  const created = o.createTime ?? 1_764_000_000;
  return {
    order_sn: o.orderSn, region: o.region ?? 'SG', currency: o.currency ?? 'SGD', cod: false, order_status: o.status ?? 'READY_TO_SHIP',
    message_to_seller: '', create_time: created, update_time: o.updateTime ?? created, days_to_ship: 3, ship_by_date: created + 3 * 86_400,
    booking_sn: '', buyer_user_id: o.buyerUserId ?? 5001, buyer_username: 'test.buyer',
    // As Shopee writes it: a JSON number with at most two decimals.
    total_amount: Math.round(items.reduce((sum, i) => sum + i.quantity * i.price, 0) * 100) / 100,
    ...(o.withAddress === false ? {} : {
      recipient_address: {
        name: 'Test Buyer', phone: '6590000000', town: '', district: '', city: 'Singapore', state: '', region: o.region ?? 'SG',
        zipcode: '018956', full_address: '10 Test Street, #01-01, Singapore 018956',
      },
    }),
    item_list: items.map((i, n) => ({
      item_id: 1000 + n, item_name: `Item ${i.sku}`, item_sku: i.modelSku ? `PARENT-${i.sku}` : i.sku, model_id: i.modelSku ? 2000 + n : 0,
      model_name: '', model_sku: i.modelSku ?? '', model_quantity_purchased: i.quantity, model_original_price: i.price, model_discounted_price: i.price,
    })),
  };
}

export const SHOPEE_MAPPING = { order: 'shopee_to_oms', line: 'shopee_to_oms_line' } as const;

/** The detail as the channel's connector hands it to the orders module. */
export function sourceOrder(o: DetailOptions & { shopId?: number }): SourceOrder {
  const record = orderDetail(o);
  return {
    system: 'shopee', channel: `shopee:${o.region ?? 'SG'}`, accountRef: String(o.shopId ?? 727720655), orderSn: o.orderSn,
    channelStatus: String(record.order_status), updatedAt: new Date(Number(record.update_time) * 1000), buyerId: String(record.buyer_user_id),
    record, lines: (record.item_list as Record<string, unknown>[]).map((l) => ({ ...l, currency: record.currency })),
  };
}
