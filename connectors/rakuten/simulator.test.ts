// The simulator's protocol rules, checked over raw HTTP so that each rule is seen as a real caller sees it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { esaAuthorization } from './client.js';
import { RAKUTEN_SANDBOX_CREDENTIALS, RakutenSimulator, type RakutenSimulatorOptions } from './simulator.js';

const AUTH = esaAuthorization(RAKUTEN_SANDBOX_CREDENTIALS.serviceSecret, RAKUTEN_SANDBOX_CREDENTIALS.licenseKey);

let sim: RakutenSimulator;
let url: string;

async function start(opts: RakutenSimulatorOptions = {}) {
  sim = new RakutenSimulator({ rateLimit: false, ...opts });
  url = await sim.listen();
}

afterEach(async () => {
  await sim?.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(method: string, path: string, body?: unknown, authorization: string | null = AUTH): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const upsert = (inventories: unknown) => call('POST', '/es/2.0/inventories/bulk-upsert', { inventories });
const bulkGet = (inventories: unknown) => call('POST', '/es/2.0/inventories/bulk-get', { inventories });
const abs = (manageNumber: string, variantId: string, quantity: number) => ({ manageNumber, variantId, mode: 'ABSOLUTE', quantity });

describe('RakutenSimulator auth', () => {
  it('answers 401 GA0001 without, or with a wrong, ESA header', async () => {
    await start();
    for (const auth of [null, esaAuthorization(RAKUTEN_SANDBOX_CREDENTIALS.serviceSecret, 'SL-wrong'), `Bearer ${RAKUTEN_SANDBOX_CREDENTIALS.licenseKey}`]) {
      const denied = await call('POST', '/es/2.0/inventories/bulk-get', { inventories: [{ manageNumber: 'a', variantId: 'v' }] }, auth);
      expect(denied.status).toBe(401);
      expect(denied.body.errors[0].code).toBe('GA0001');
    }
  });

  it('answers 401 GA0001 once the license key has expired', async () => {
    await start({ licenseExpiresAt: new Date(Date.now() - 1000) });
    const res = await upsert([abs('a', 'v', 1)]);
    expect(res.status).toBe(401);
    expect(res.body.errors[0]).toMatchObject({ code: 'GA0001', message: expect.stringMatching(/expired/) });
    expect(sim.size).toBe(0);
  });

  it('reports the license expiry in JST without an offset', async () => {
    await start({ licenseExpiresAt: new Date('2026-11-28T14:59:59Z') });
    const path = '/es/1.0/license-management/license-key/expiry-date';
    const res = await call('GET', `${path}?licenseKey=${RAKUTEN_SANDBOX_CREDENTIALS.licenseKey}`);
    expect(res).toMatchObject({ status: 200, body: { expiryDate: '2026-11-28T23:59:59' } });
    expect((await call('GET', `${path}?licenseKey=SL-other`)).status).toBe(401);
    expect((await call('GET', path)).status).toBe(400);
  });
});

describe('RakutenSimulator bulk-upsert validation', () => {
  it('lists every invalid entry with its propertyPath and stores nothing', async () => {
    await start();
    const res = await upsert([
      abs('ok-1', 'v', 1),
      { variantId: 'v', mode: 'ABSOLUTE', quantity: 1 },
      { manageNumber: 'x', variantId: 'v', mode: 'SET', quantity: 1 },
      abs('x2', 'v', 1.5),
      abs('あ'.repeat(11), 'v', 1),
      abs('x3', 'v'.repeat(33), 1),
      abs('x4', 'v', 100000),
      'not an object',
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => [e.code, e.metadata.propertyPath])).toEqual([
      ['IE0004', 'inventories[1].manageNumber'],
      ['IE0004', 'inventories[2].mode'],
      ['IE0004', 'inventories[3].quantity'],
      ['IE0004', 'inventories[4].manageNumber'],
      ['IE0004', 'inventories[5].variantId'],
      ['IE0117', 'inventories[6].quantity'],
      ['IE0004', 'inventories[7]'],
    ]);
    expect(sim.size).toBe(0);
  });

  it('accepts the 0 and 99999 bounds', async () => {
    await start();
    expect((await upsert([abs('a', 'v', 0), abs('b', 'v', 99999)])).status).toBe(204);
    expect([sim.getQuantity('a:v'), sim.getQuantity('b:v')]).toEqual([0, 99999]);
  });

  it('refuses a duplicate pair (manageNumber compared lower-cased) with IE1102', async () => {
    await start();
    const res = await upsert([abs('ABC', 'v', 1), abs('abc', 'v', 2), abs('abc', 'V', 3)]);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { code: 'IE1102', message: 'duplicate of inventories[0] (abc/v)', metadata: { propertyPath: 'inventories[1]' } },
    ]);
  });

  it('refuses an empty list, a missing list and more than 400 entries', async () => {
    await start();
    expect((await upsert([])).body.errors[0]).toMatchObject({ code: 'IE0004', metadata: { propertyPath: 'inventories' } });
    expect((await call('POST', '/es/2.0/inventories/bulk-upsert', {})).status).toBe(400);
    const many = Array.from({ length: 401 }, (_, i) => abs(`m${i}`, 'v', 1));
    const res = await upsert(many);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'IE1101', metadata: { propertyPath: 'inventories' } });
    expect(sim.size).toBe(0);
  });

  it('applies RELATIVE to an existing row, refuses it on a missing row (IE0500) or out of range (IE0117)', async () => {
    await start();
    sim.setQuantity('a:v', 10);
    expect((await upsert([{ manageNumber: 'a', variantId: 'v', mode: 'RELATIVE', quantity: -4 }])).status).toBe(204);
    expect(sim.getQuantity('a:v')).toBe(6);
    const missing = await upsert([{ manageNumber: 'b', variantId: 'v', mode: 'RELATIVE', quantity: 1 }]);
    expect(missing.body.errors[0]).toMatchObject({ code: 'IE0500', metadata: { propertyPath: 'inventories[0].mode' } });
    const below = await upsert([{ manageNumber: 'a', variantId: 'v', mode: 'RELATIVE', quantity: -7 }]);
    expect(below.body.errors[0]).toMatchObject({ code: 'IE0117', metadata: { propertyPath: 'inventories[0].quantity' } });
    expect(sim.getQuantity('a:v')).toBe(6);
  });
});

describe('RakutenSimulator bulk-get', () => {
  it('returns only stored pairs, manageNumber lower-cased, variantId case-sensitive, times in JST', async () => {
    await start();
    expect((await upsert([abs('Item-A', 'Red', 3)])).status).toBe(204);
    const res = await bulkGet([
      { manageNumber: 'ITEM-A', variantId: 'Red' },
      { manageNumber: 'item-a', variantId: 'red' },
      { manageNumber: 'nope', variantId: 'x' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.inventories).toEqual([
      {
        manageNumber: 'item-a',
        variantId: 'Red',
        quantity: 3,
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/),
        updated: expect.stringMatching(/\+09:00$/),
      },
    ]);
    const created = Date.parse(res.body.inventories[0].created);
    expect(Math.abs(created - Date.now())).toBeLessThan(5000);
  });

  it('refuses more than 1000 entries and duplicate pairs', async () => {
    await start();
    const many = Array.from({ length: 1001 }, (_, i) => ({ manageNumber: `m${i}`, variantId: 'v' }));
    expect((await bulkGet(many)).body.errors[0].code).toBe('IE1101');
    const dup = await bulkGet([{ manageNumber: 'a', variantId: 'v' }, { manageNumber: 'A', variantId: 'v' }]);
    expect(dup.body.errors[0]).toMatchObject({ code: 'IE1102', metadata: { propertyPath: 'inventories[1]' } });
  });
});

describe('RakutenSimulator single-item endpoints', () => {
  const item = '/es/2.0/inventories/manage-numbers/Item-B/variants/S%2FM';

  it('puts, gets and deletes one row', async () => {
    await start();
    expect((await call('GET', item)).status).toBe(404);
    expect((await call('PUT', item, { mode: 'RELATIVE', quantity: 1 })).body.errors[0].code).toBe('IE0500');
    expect((await call('PUT', item, { mode: 'ABSOLUTE', quantity: 12 })).status).toBe(204);
    expect((await call('PUT', item, { mode: 'RELATIVE', quantity: 3 })).status).toBe(204);
    const got = await call('GET', item);
    expect(got.body).toMatchObject({ manageNumber: 'item-b', variantId: 'S/M', quantity: 15 });
    expect(sim.getQuantity('item-b:S/M')).toBe(15);
    expect((await call('PUT', item, { mode: 'ABSOLUTE', quantity: -1 })).body.errors[0]).toMatchObject({
      code: 'IE0117',
      metadata: { propertyPath: 'quantity' },
    });
    expect((await call('DELETE', item)).status).toBe(204);
    expect(sim.size).toBe(0);
    expect((await call('DELETE', item)).status).toBe(404);
  });
});

describe('RakutenSimulator rate limits', () => {
  it('allows bulk-upsert once a second and bulk-get five times, with Retry-After', async () => {
    sim = new RakutenSimulator();
    url = await sim.listen();
    expect((await upsert([abs('a', 'v', 1)])).status).toBe(204);
    const limited = await upsert([abs('a', 'v', 2)]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const gets = [];
    for (let i = 0; i < 6; i++) gets.push((await bulkGet([{ manageNumber: 'a', variantId: 'v' }])).status);
    expect(gets).toEqual([200, 200, 200, 200, 200, 429]);
    expect(sim.getQuantity('a:v')).toBe(1);
  });

  it('never answers 429 with rateLimit: false', async () => {
    await start();
    for (let i = 0; i < 5; i++) expect((await upsert([abs('a', 'v', i)])).status).toBe(204);
  });
});

describe('RakutenSimulator state and faults', () => {
  it('keeps rows in its state file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rakuten-sim-'));
    try {
      const stateFile = join(dir, 'rakuten.json');
      await start({ stateFile });
      sim.seed(['a:v', 'b'], 8);
      expect((await upsert([abs('c', 'v', 2)])).status).toBe(204);
      await sim.close();
      await start({ stateFile });
      expect([sim.size, sim.getQuantity('a:v'), sim.getQuantity('b:b'), sim.getQuantity('c:v')]).toEqual([3, 8, 8, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves injected faults', async () => {
    await start();
    sim.faults.add({ path: 'bulk-get', times: 1, response: { status: 503, body: { errors: [{ code: 'SE0001', message: 'down' }] } } });
    expect((await bulkGet([{ manageNumber: 'a', variantId: 'v' }])).status).toBe(503);
    expect((await bulkGet([{ manageNumber: 'a', variantId: 'v' }])).status).toBe(200);
  });

  it('refuses control writes outside the quantity range', async () => {
    await start();
    expect(() => sim.setQuantity('a:v', 100000)).toThrow(/integer 0–99999/);
  });
});
