// Shopee push notifications (integration-contracts §1.8): each POST carries
// `Authorization: hex(HMAC-SHA256(partner_key, callbackURL + "|" + rawBody))`, verified on the raw bytes before
// anything is parsed. The body is `{shop_id, code, timestamp, data}`; a push only says that something changed,
// so the inbox keeps which order and status, and the processor fetches the order itself.
//   code 3 (order status update): data {ordersn, status, update_time, ...}: one message per (shop, order, status,
//          update_time), the key a repeated push is dropped by;
//   code 4 (order tracking number): data {ordersn, ...} (fields UNCONFIRMED): the tracking number is re-read
//          from the API, so the message keys on the body's hash;
//   any other code: acknowledged and logged (Shopee disables a callback whose success rate falls below 30 %).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookBodyError, type DecodedWebhook, type InboxMessage, type WebhookReceiver, type WebhookRequest } from '../../platform/webhooks/index.js';

export const PUSH_CODES = { orderStatus: 3, trackingNumber: 4 } as const;

/** hex(HMAC-SHA256(partnerKey, `${url}|${body}`)): what Shopee puts in Authorization. */
export function pushSignature(partnerKey: string, callbackUrl: string, body: string | Buffer): string {
  return createHmac('sha256', partnerKey).update(`${callbackUrl}|`).update(body).digest('hex');
}

function verifyPush(req: WebhookRequest, partnerKey: string): string | null {
  const given = req.headers.authorization;
  if (!given) return 'missing Authorization';
  const expected = pushSignature(partnerKey, req.url, req.rawBody);
  const a = Buffer.from(given.trim().toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b) ? null : 'Authorization does not match the push';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const wholeNumber = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/** Order numbers are short upper-case alphanumerics ("220810QSK8S7BX"). */
const ORDER_SN = /^[A-Za-z0-9_-]{1,64}$/;
const STATUS = /^[A-Z_]{1,40}$/;

function decodePush(req: WebhookRequest): DecodedWebhook {
  let body: unknown;
  try {
    body = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    throw new WebhookBodyError('the push body is not JSON');
  }
  if (!isObject(body)) throw new WebhookBodyError('the push body is not a JSON object');
  const { code, shop_id: shopId, data } = body;
  if (!wholeNumber(code)) throw new WebhookBodyError('code: a whole number is required');
  if (code !== PUSH_CODES.orderStatus && code !== PUSH_CODES.trackingNumber) return { messages: [], ignored: `push code ${code}` };
  if (!wholeNumber(shopId)) throw new WebhookBodyError(`shop_id: a whole number is required for push code ${code}`);
  if (!isObject(data)) throw new WebhookBodyError(`data: an object is required for push code ${code}`);
  const orderSn = data.ordersn;
  if (typeof orderSn !== 'string' || !ORDER_SN.test(orderSn)) throw new WebhookBodyError('data.ordersn: an order number is required');
  let message: InboxMessage;
  if (code === PUSH_CODES.orderStatus) {
    const { status, update_time: updateTime } = data;
    if (typeof status !== 'string' || !STATUS.test(status)) throw new WebhookBodyError('data.status: an order status is required');
    if (!wholeNumber(updateTime)) throw new WebhookBodyError('data.update_time: unix seconds are required');
    message = { kind: 'order.status', dedupKey: `${shopId}:${orderSn}:${status}:${updateTime}`, accountRef: String(shopId), orderRef: orderSn };
  } else {
    const digest = createHash('sha256').update(req.rawBody).digest('hex').slice(0, 32);
    message = { kind: 'order.tracking', dedupKey: `${shopId}:${orderSn}:tracking:${digest}`, accountRef: String(shopId), orderRef: orderSn };
  }
  return { messages: [message] };
}

/** The push receiver; its secret is the block's partner key. */
export const shopeePushReceiver: WebhookReceiver<{ auth: { partner_key?: string } }> = {
  secret: (block) => block.auth.partner_key,
  verify: verifyPush,
  decode: decodePush,
};
