// Contract test: OmsClient against OmsSimulator over real HTTP on 127.0.0.1, and the shipment webhooks the
// simulator sends, verified by the connector's receiver.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager } from '../../platform/auth/token-manager.js';
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { signedHeaders } from '../../platform/webhooks/standard.js';
import { RejectedError } from '../../subgraphs/orders/ports.js';
import { OmsAuthError, OmsClient, omsWebhookReceiver, type OmsConfig } from './client.js';
import { OMS_SANDBOX_CREDENTIALS, OmsSimulator, type OmsSimulatorOptions } from './simulator.js';

const policy: HttpPolicy = { timeoutMs: 2000, retries: 2, backoffBaseMs: 10, backoffMaxMs: 50 };
let sim: OmsSimulator;
let client: OmsClient;
let outcomes: CallOutcome[];

async function start(simOpts: OmsSimulatorOptions = {}, config: Partial<OmsConfig> = {}) {
  sim = new OmsSimulator({ rateLimit: false, ...simOpts });
  const url = await sim.listen();
  outcomes = [];
  client = new OmsClient({
    config: {
      system: 'oms', endpoint: url, tokenUrl: `${url}/oauth/token`, clientId: OMS_SANDBOX_CREDENTIALS.clientId, clientSecret: OMS_SANDBOX_CREDENTIALS.clientSecret,
      rateLimit: { perSecond: 1000, burst: 1000 }, circuit: { failures: 50, openMs: 1000 }, ...config,
    },
    tokens: new TokenManager(), policy, onOutcome: (o) => outcomes.push(o),
  });
}
afterEach(async () => {
  await client?.close();
  await sim?.close();
});

const order = (sn: string, extra: Record<string, unknown> = {}) => ({
  external_order_id: sn, channel: 'shopee:SG', country: 'SG', currency: 'SGD', status: 'confirmed', totals: { amount_minor: 2500 },
  ordered_at: '2026-11-27T08:00:00Z', lines: [{ line_no: 1, sku: 'AMZ-000001', quantity: 2, unit_price_minor: 1250 }], ...extra,
});

describe('creating orders', () => {
  it('creates an order with an Idempotency-Key; the same key is the same order, another body under it is refused', async () => {
    await start();
    const first = await client.createOrder(order('SN-1'), 'tsunagi:shopee:SG:SN-1:create');
    expect(first.omsOrderId).toMatch(/^OMS-\d{8}$/);
    expect(await client.createOrder(order('SN-1'), 'tsunagi:shopee:SG:SN-1:create')).toEqual(first);
    expect(sim.listOrders()).toHaveLength(1);
    await expect(client.createOrder(order('SN-1', { note: 'changed' }), 'tsunagi:shopee:SG:SN-1:create')).rejects.toThrow(RejectedError);
    await expect(client.createOrder(order('SN-1', { note: 'changed' }), 'tsunagi:shopee:SG:SN-1:create')).rejects.toThrow(/idempotency_key_reused/);
  });

  it('an order the OMS already has under another key is that order (created once)', async () => {
    await start();
    const first = await client.createOrder(order('SN-2'), 'key-a');
    expect(await client.createOrder(order('SN-2'), 'key-b')).toEqual(first);
    expect(sim.listOrders()).toHaveLength(1);
  });

  it('a document the OMS refuses is a RejectedError naming each field', async () => {
    await start();
    const bad = order('SN-3', { currency: 'XXX', lines: [{ sku: '', quantity: 0, unit_price_minor: 1.5 }] });
    await expect(client.createOrder(bad, 'key-3')).rejects.toThrow(
      /validation_failed: the order is not valid \(currency: an ISO 4217 code; lines\[0\]\.sku: required; lines\[0\]\.quantity: a positive whole number; lines\[0\]\.unit_price_minor: a whole number of minor units\)/,
    );
    expect(sim.listOrders()).toHaveLength(0);
  });

  it('retries 5xx and 429 (Retry-After) within a call; an OMS that keeps failing is an error the outbox retries later, not a refusal', async () => {
    await start();
    sim.fail('/api/v1/orders', 503, 1);
    sim.fail('/api/v1/orders', 429, 1);
    await client.createOrder(order('SN-4'), 'key-4');
    const create = outcomes.filter((o) => o.operation === 'createOrder');
    expect(create.at(-1)).toMatchObject({ ok: true, attempts: 3 });
    sim.fail('/api/v1/orders', 503, 10);
    const down = client.createOrder(order('SN-5'), 'key-5');
    await expect(down).rejects.toThrow(/HTTP 503/);
    await expect(down).rejects.not.toThrow(RejectedError);
  });

  it('a call that times out fails; sent again under its key it finds the order the OMS created meanwhile', async () => {
    await start();
    sim.slow('/api/v1/orders', 2200);
    await expect(client.createOrder(order('SN-6'), 'key-6')).rejects.toThrow(/timeout|aborted/i);
    sim.clearFaults();
    await new Promise((r) => setTimeout(r, 300));
    const again = await client.createOrder(order('SN-6'), 'key-6');
    expect(sim.listOrders().map((o) => o.id)).toEqual([again.omsOrderId]);
  });
});

describe('auth', () => {
  it('gets a client-credentials token once for many calls, and a new one when it expires', async () => {
    await start({ tokenTtlSeconds: 1 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => client.createOrder(order(`SN-T${i}`), `key-t${i}`)));
    expect(outcomes.filter((o) => o.operation === 'token')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    await client.createOrder(order('SN-T6'), 'key-t6');
    expect(outcomes.filter((o) => o.operation === 'token').length).toBeGreaterThanOrEqual(2);
  });

  it('wrong client credentials are an auth error naming the settings; health says so', async () => {
    await start({}, { clientSecret: 'wrong' });
    await expect(client.createOrder(order('SN-A'), 'key-a')).rejects.toThrow(OmsAuthError);
    await expect(client.createOrder(order('SN-A'), 'key-a')).rejects.toThrow(/token grant refused \(invalid_client.*check auth.client_id and auth.client_secret/);
    expect(await client.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/invalid_client/) });
  });
});

describe('statuses and shipped orders', () => {
  it('sends a status; an unknown OMS order is refused for good', async () => {
    await start();
    const { omsOrderId } = await client.createOrder(order('SN-S'), 'key-s');
    await client.updateStatus(omsOrderId, 'cancelled', 'key-s-cancelled');
    expect(sim.getOrder(omsOrderId)!.status).toBe('cancelled');
    await expect(client.updateStatus('OMS-99999999', 'cancelled', 'key-x')).rejects.toThrow(/not_found/);
  });

  it('lists shipped orders since a time, page by page (100 a page)', async () => {
    await start();
    const since = new Date(Date.now() - 1000);
    for (let i = 0; i < 130; i++) await client.createOrder(order(`SN-P${i}`), `key-p${i}`);
    for (let i = 0; i < 120; i++) await sim.ship(`SN-P${i}`);
    const pages: number[] = [];
    const all = [];
    for await (const page of client.shippedSince(since)) {
      pages.push(page.length);
      all.push(...page);
    }
    expect(pages).toEqual([100, 20]);
    expect(new Set(all.map((s) => s.orderSn)).size).toBe(120);
    expect(all[0]).toMatchObject({ omsOrderId: expect.stringMatching(/^OMS-/), channel: 'shopee:SG', trackingNumber: expect.stringMatching(/^TSN/) });
  });
});

describe('shipment webhooks', () => {
  let receiver: Server;
  let received: { headers: IncomingHttpHeaders; body: Buffer }[];
  let answer: number[];
  async function listen(): Promise<string> {
    received = [];
    receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.shift() ?? 204).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/oms/shipment`;
  }
  afterEach(() => new Promise<void>((r) => receiver.close(() => r())));

  it('sends order.shipped signed with Standard Webhooks; the receiver verifies and decodes it', async () => {
    answer = [];
    await start();
    sim.setWebhookUrl(await listen());
    const { omsOrderId } = await client.createOrder(order('SN-W1'), 'key-w1');
    const shipped = await sim.ship('SN-W1', { trackingNumber: 'JP123456789', carrier: 'Japan Post' });
    expect(shipped.delivery).toMatchObject({ delivered: true, attempts: 1, lastStatus: 204 });
    const [{ headers, body }] = received as [typeof received[0]];
    const req = { rawBody: body, headers, url: '', now: Date.now() };
    expect(omsWebhookReceiver.verify(req, OMS_SANDBOX_CREDENTIALS.webhookSecret)).toBeNull();
    expect(omsWebhookReceiver.decode(req)).toEqual({
      messages: [{
        kind: 'shipment', dedupKey: headers['webhook-id'], orderRef: 'SN-W1',
        payload: { omsOrderId, orderSn: 'SN-W1', channel: 'shopee:SG', trackingNumber: 'JP123456789', carrier: 'Japan Post', shippedAt: expect.any(String) },
      }],
    });
  });

  it('retries a failed delivery with the same webhook-id and a fresh signature; 410 stops it', async () => {
    answer = [500];
    await start();
    sim.setWebhookUrl(await listen());
    await client.createOrder(order('SN-W2'), 'key-w2');
    const first = await sim.ship('SN-W2');
    expect(first.delivery).toMatchObject({ delivered: false, lastStatus: 500 });
    for (let i = 0; i < 40 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
    expect(sim.deliveries()[0]).toMatchObject({ delivered: true, attempts: 2 });

    answer = [410];
    await client.createOrder(order('SN-W3'), 'key-w3');
    expect((await sim.ship('SN-W3')).delivery).toMatchObject({ delivered: false, lastStatus: 410 });
    await new Promise((r) => setTimeout(r, 1300));
    expect(received).toHaveLength(3);
  });

  it('the receiver refuses a wrong signature, a body changed by one byte and a timestamp outside the window', () => {
    const body = Buffer.from('{"type":"order.shipped","data":{"id":"OMS-1","external_order_id":"A","tracking_number":"T"}}');
    const secret = OMS_SANDBOX_CREDENTIALS.webhookSecret;
    const req = (headers: Record<string, string>, b = body, now = Date.now()) => ({ rawBody: b, headers, url: '', now });
    const good = signedHeaders(secret, 'msg_1', body);
    expect(omsWebhookReceiver.verify(req(good), secret)).toBeNull();
    expect(omsWebhookReceiver.verify(req(signedHeaders('whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4', 'msg_1', body)), secret)).toMatch(/no webhook-signature matches/);
    const changed = Buffer.from(body);
    changed[10] ^= 1;
    expect(omsWebhookReceiver.verify(req(good, changed), secret)).toMatch(/no webhook-signature matches/);
    expect(omsWebhookReceiver.verify(req(good, body, Date.now() + 301_000), secret)).toMatch(/outside the 5-minute window/);
  });
});
