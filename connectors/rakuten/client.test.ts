// Contract test: RakutenClient against RakutenSimulator over real HTTP on 127.0.0.1.
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { RakutenApiError, RakutenAuthError, RakutenClient, parseJst, parseRakutenCode, type RakutenConfig } from './client.js';
import { RAKUTEN_SANDBOX_CREDENTIALS, RakutenSimulator, type RakutenSimulatorOptions } from './simulator.js';

const policy: HttpPolicy = { timeoutMs: 5000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 50 };
const fast = { perSecond: 1000, burst: 1000 };
const DAY = 86_400_000;

let sim: RakutenSimulator;
let client: RakutenClient;
let outcomes: CallOutcome[];

async function start(simOpts: RakutenSimulatorOptions = {}, config: Partial<RakutenConfig> = {}) {
  sim = new RakutenSimulator({ rateLimit: false, ...simOpts });
  const url = await sim.listen();
  outcomes = [];
  client = new RakutenClient({
    config: { endpoint: url, ...RAKUTEN_SANDBOX_CREDENTIALS, defaultVariantId: undefined, upsertRateLimit: fast, getRateLimit: fast, ...config },
    policy,
    onOutcome: (o) => outcomes.push(o),
  });
}

afterEach(async () => {
  await client?.close();
  await sim?.close();
});

describe('parseRakutenCode', () => {
  it('splits manageNumber:variantId, lower-cases manageNumber only', () => {
    expect(parseRakutenCode('ABC-1:Red-L')).toEqual({ manageNumber: 'abc-1', variantId: 'Red-L' });
  });

  it('uses defaultVariantId, else the manageNumber, for a bare code', () => {
    expect(parseRakutenCode('ABC-1', 'normal')).toEqual({ manageNumber: 'abc-1', variantId: 'normal' });
    expect(parseRakutenCode('ABC-1')).toEqual({ manageNumber: 'abc-1', variantId: 'abc-1' });
  });

  it('refuses empty parts and ids over 32 bytes', () => {
    expect(() => parseRakutenCode(':red')).toThrow(/":red" has no manageNumber/);
    expect(() => parseRakutenCode('abc:')).toThrow(/empty variantId/);
    expect(() => parseRakutenCode('あ'.repeat(11))).toThrow(/manageNumber is longer than 32 bytes/);
    expect(() => parseRakutenCode(`abc:${'v'.repeat(33)}`)).toThrow(/variantId is longer than 32 bytes/);
  });
});

describe('parseJst', () => {
  it('reads an offset-less time as Asia/Tokyo', () => {
    expect(parseJst('2026-11-28T23:59:59').toISOString()).toBe('2026-11-28T14:59:59.000Z');
    expect(parseJst('2026-11-28T23:59:59Z').toISOString()).toBe('2026-11-28T23:59:59.000Z');
  });
});

describe('RakutenClient stock', () => {
  it('writes and reads back quantities under the caller’s original codes', async () => {
    await start();
    expect(client.channel).toBe('rakuten');
    expect(client.maxWriteBatch).toBe(400);
    expect(client.maxReadBatch).toBe(1000);

    const results = await client.setStock([
      { code: 'ABC-1:Red', quantity: 7 },
      { code: 'Item-2', quantity: 3 },
    ]);
    expect(results).toEqual([
      { code: 'ABC-1:Red', ok: true },
      { code: 'Item-2', ok: true },
    ]);
    expect(sim.getQuantity('abc-1:Red')).toBe(7);
    expect(sim.getQuantity('item-2:item-2')).toBe(3);

    const stock = await client.getStock(['ABC-1:Red', 'abc-1:Red', 'Item-2', 'MISSING-9:x', 'abc-1:red']);
    expect([...stock]).toEqual([
      ['ABC-1:Red', 7],
      ['abc-1:Red', 7],
      ['Item-2', 3],
      ['MISSING-9:x', null],
      ['abc-1:red', null], // variantId is case-sensitive
    ]);
    // Two codes for one pair were asked once: the simulator refuses duplicate pairs.
    expect(outcomes.filter((o) => o.operation === 'bulkGetInventories')).toHaveLength(1);
  });

  it('sends a bare code with the configured defaultVariantId', async () => {
    await start({ defaultVariantId: 'normal-inventory' }, { defaultVariantId: 'normal-inventory' });
    await client.setStock([{ code: 'SKU-77', quantity: 4 }]);
    expect(sim.getQuantity('sku-77:normal-inventory')).toBe(4);
    expect(sim.getQuantity('SKU-77')).toBe(4);
    expect(sim.getQuantity('sku-77:sku-77')).toBeNull();
  });

  it('refuses more than 400 updates or 1000 codes before sending anything', async () => {
    await start();
    const updates = Array.from({ length: 401 }, (_, i) => ({ code: `item-${i}`, quantity: 1 }));
    await expect(client.setStock(updates)).rejects.toThrow(/401 updates exceed bulk-upsert's limit of 400/);
    const codes = Array.from({ length: 1001 }, (_, i) => `item-${i}`);
    await expect(client.getStock(codes)).rejects.toThrow(/1001 codes exceed bulk-get's limit of 1000/);
    expect(outcomes).toHaveLength(0);
    expect(sim.size).toBe(0);
  });

  it('accepts exactly 400 updates in one call', async () => {
    await start();
    const updates = Array.from({ length: 400 }, (_, i) => ({ code: `item-${i}:v`, quantity: i }));
    const results = await client.setStock(updates);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sim.size).toBe(400);
    expect(sim.getQuantity('item-399:v')).toBe(399);
    expect(outcomes).toHaveLength(1);
  });

  it('marks out-of-range quantities failed with IE0117 and the rest as rejected; nothing changes', async () => {
    await start();
    sim.seed(['a-1:v', 'b-1:v', 'c-1:v'], 5);
    const results = await client.setStock([
      { code: 'a-1:v', quantity: 8 },
      { code: 'B-1:v', quantity: 100000 },
      { code: 'c-1:v', quantity: -1 },
    ]);
    expect(results.map((r) => [r.code, r.ok])).toEqual([
      ['a-1:v', false],
      ['B-1:v', false],
      ['c-1:v', false],
    ]);
    expect(results[0].error).toBe(
      'batch rejected because of inventories[1]: IE0117 quantity must be between 0 and 99999 (inventories[1].quantity); ' +
        'inventories[2]: IE0117 quantity must be between 0 and 99999 (inventories[2].quantity)',
    );
    expect(results[1].error).toMatch(/^IE0117 quantity must be between 0 and 99999 \(inventories\[1\]\.quantity\)$/);
    expect(results[2].error).toMatch(/^IE0117 /);
    expect([sim.getQuantity('a-1:v'), sim.getQuantity('b-1:v'), sim.getQuantity('c-1:v')]).toEqual([5, 5, 5]);
    // A validation answer is not retried.
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 400, attempts: 1, ok: false });
  });

  it('names at most three rejected entries in the other items’ error', async () => {
    await start();
    const updates = [{ code: 'good:v', quantity: 1 }, ...[1, 2, 3, 4, 5].map((i) => ({ code: `bad-${i}:v`, quantity: -i }))];
    const results = await client.setStock(updates);
    expect(results[0].error).toMatch(/^batch rejected because of inventories\[1\].*inventories\[3\]: IE0117 [^;]*\(inventories\[3\]\.quantity\) \(and 2 more entries\)$/);
    expect(results.slice(1).every((r) => r.error?.startsWith('IE0117 '))).toBe(true);
  });

  it('marks a duplicate pair failed with IE1102', async () => {
    await start();
    const results = await client.setStock([
      { code: 'ABC-1:Red', quantity: 1 },
      { code: 'abc-1:Red', quantity: 2 },
      { code: 'other:x', quantity: 3 },
    ]);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(results[1].error).toMatch(/^IE1102 duplicate of inventories\[0\]/);
    expect(results[0].error).toMatch(/^batch rejected because of inventories\[1\]: IE1102/);
    expect(results[2].error).toMatch(/^batch rejected because of inventories\[1\]/);
    expect(sim.size).toBe(0);
  });

  it('fails an unusable code locally and still writes the others', async () => {
    await start();
    const results = await client.setStock([
      { code: ':x', quantity: 1 },
      { code: 'ok-1:v', quantity: 2 },
    ]);
    expect(results[0]).toEqual({ code: ':x', ok: false, error: 'rakuten_item_number ":x" has no manageNumber' });
    expect(results[1]).toEqual({ code: 'ok-1:v', ok: true });
    expect(sim.getQuantity('ok-1:v')).toBe(2);
    expect(await client.getStock([':x'])).toEqual(new Map([[':x', null]]));
  });

  it('throws when Rakuten refuses the request as a whole', async () => {
    await start();
    sim.faults.add({
      path: 'bulk-upsert',
      times: 1,
      response: { status: 400, body: { errors: [{ code: 'IE0004', message: 'inventories is required', metadata: { propertyPath: 'inventories' } }] } },
    });
    await expect(client.setStock([{ code: 'a:v', quantity: 1 }])).rejects.toThrow(RakutenApiError);
  });
});

describe('RakutenClient auth', () => {
  it('throws a clear error for a wrong license key', async () => {
    await start({}, { licenseKey: 'SL000000_wrong' });
    const err = await client.setStock([{ code: 'a:v', quantity: 1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RakutenAuthError);
    expect((err as RakutenAuthError).errors[0].code).toBe('GA0001');
    await expect(client.getStock(['a:v'])).rejects.toThrow(/GA0001/);
    expect(outcomes.every((o) => o.attempts === 1)).toBe(true);
  });

  it('says an expired license key must be renewed in RMS, and health reports it', async () => {
    await start({ licenseExpiresAt: new Date(Date.now() - 60_000) });
    await expect(client.setStock([{ code: 'a:v', quantity: 1 }])).rejects.toThrow(/license key has expired .* must be renewed in RMS/);
    expect(sim.size).toBe(0);
    const health = await client.health();
    expect(health).toMatchObject({ name: 'rakuten', ok: false, expiresInDays: 0 });
    expect(health.detail).toMatch(/GA0001/);
  });
});

describe('RakutenClient health', () => {
  it('reports the days left on the license key', async () => {
    const expiresAt = new Date(Math.floor((Date.now() + 9.5 * DAY) / 1000) * 1000);
    await start({ licenseExpiresAt: expiresAt });
    const health = await client.health();
    expect(health).toMatchObject({ name: 'rakuten', ok: true, expiresInDays: 10, expiresAt });
    expect(health.detail).toBe('license key expires in 10 days; renew it in RMS soon');
  });

  it('reports a default 90-day key as healthy without a warning', async () => {
    await start();
    const health = await client.health();
    expect(health).toMatchObject({ ok: true, expiresInDays: 90 });
    expect(health.detail).not.toMatch(/soon/);
  });

  it('reports an unreachable endpoint as unhealthy', async () => {
    await start();
    sim.faults.add({ path: 'expiry-date', response: { status: 503, body: { errors: [{ code: 'SE0001', message: 'maintenance' }] } } });
    const health = await client.health();
    expect(health).toMatchObject({ ok: false, expiresInDays: null });
    expect(health.detail).toMatch(/503.*maintenance/);
  });
});

describe('RakutenClient retries', () => {
  it('honours 429 Retry-After from the bulk-upsert limit', async () => {
    await start({ rateLimit: { upsert: { perSecond: 1, burst: 1 } } });
    await client.setStock([{ code: 'a:v', quantity: 1 }]);
    const started = Date.now();
    const results = await client.setStock([{ code: 'a:v', quantity: 2 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(results).toEqual([{ code: 'a:v', ok: true }]);
    expect(outcomes[1]).toMatchObject({ ok: true, status: 204, attempts: 2 });
    expect(sim.getQuantity('a:v')).toBe(2);
  });

  it('retries a 5xx', async () => {
    await start();
    sim.faults.add({ path: 'bulk-upsert', times: 2, response: { status: 503, body: { errors: [{ code: 'SE0001', message: 'busy' }] } } });
    const results = await client.setStock([{ code: 'a:v', quantity: 4 }]);
    expect(results[0].ok).toBe(true);
    expect(outcomes).toEqual([expect.objectContaining({ ok: true, attempts: 3 })]);
    expect(sim.getQuantity('a:v')).toBe(4);
  });

  it('throws once 5xx retries are used up', async () => {
    await start();
    sim.faults.add({ path: 'bulk-get', response: { status: 500, body: 'boom' } });
    await expect(client.getStock(['a:v'])).rejects.toThrow(/HTTP 500/);
    expect(outcomes).toEqual([expect.objectContaining({ ok: false, status: 500, attempts: 4 })]);
  });

  it('retries a 409 CE0001 write conflict', async () => {
    await start();
    const conflict = { status: 409, body: { errors: [{ code: 'CE0001', message: 'conflict' }] } };
    sim.faults.add({ path: 'bulk-upsert', times: 2, response: conflict });
    const results = await client.setStock([{ code: 'a:v', quantity: 6 }]);
    expect(results[0].ok).toBe(true);
    expect(outcomes.map((o) => [o.status, o.ok])).toEqual([
      [409, false],
      [409, false],
      [204, true],
    ]);
    expect(sim.getQuantity('a:v')).toBe(6);
  });

  it('gives up on a lasting 409 after the policy’s retries', async () => {
    await start();
    sim.faults.add({ path: 'bulk-upsert', response: { status: 409, body: { errors: [{ code: 'CE0001', message: 'conflict' }] } } });
    await expect(client.setStock([{ code: 'a:v', quantity: 6 }])).rejects.toThrow(/write conflict persisted after 4 attempts \(409 CE0001 conflict\)/);
    expect(outcomes).toHaveLength(4);
  });

  it('does not retry another 4xx', async () => {
    await start();
    sim.faults.add({ path: 'bulk-get', response: { status: 403, body: { errors: [{ code: 'GA0002', message: 'API not enabled' }] } } });
    await expect(client.getStock(['a:v'])).rejects.toThrow(/HTTP 403: GA0002 API not enabled/);
    expect(outcomes).toEqual([expect.objectContaining({ status: 403, attempts: 1 })]);
  });
});
