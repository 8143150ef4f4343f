// The load of bench:webhooks, in a process of its own: autocannon POSTs Shopee order-status pushes at the gateway,
// each for another order (from a file of orders the Shopee simulator holds), signed as Shopee signs them. Prints one
// JSON document: autocannon's figures and the orders whose push was acknowledged (2xx).
// Usage: node webhooks-load.js <url> <partnerKey> <orders.json> <connections> <seconds>
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Context = Record<string, unknown>;
/** autocannon's programmatic API, as far as this load uses it (the package ships no types). */
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string; connections: number; duration: number; method: string;
  requests: { setupRequest(req: Context, context: Context): Context; onResponse(status: number, body: string, context: Context): void }[];
}) => Promise<Record<string, unknown>>;

const [url, partnerKey, ordersFile, connections, seconds] = process.argv.slice(2);
if (!url || !partnerKey || !ordersFile) throw new Error('usage: webhooks-load.js <url> <partnerKey> <orders.json> <connections> <seconds>');
const orders = JSON.parse(readFileSync(ordersFile, 'utf8')) as { orderSn: string; shopId: number; updateTime: number }[];
let next = 0;
const acked: string[] = [];

const result = await autocannon({
  url, connections: Number(connections), duration: Number(seconds), method: 'POST',
  requests: [{
    setupRequest: (req, context) => {
      // Each push another order; past the last one, the orders come round again (a repeated push is acknowledged too).
      const o = orders[next++ % orders.length]!;
      const body = JSON.stringify({ data: { items: [], ordersn: o.orderSn, status: 'READY_TO_SHIP', completed_scenario: '', update_time: o.updateTime }, shop_id: o.shopId, code: 3, timestamp: o.updateTime });
      context.orderSn = o.orderSn;
      return { ...req, body, headers: { 'content-type': 'application/json', authorization: createHmac('sha256', partnerKey).update(`${url}|${body}`).digest('hex') } };
    },
    onResponse: (status, _body, context) => {
      if (status >= 200 && status < 300) acked.push(String(context.orderSn));
    },
  }],
});
process.stdout.write(`${JSON.stringify({ result, acked, sent: next })}\n`);
