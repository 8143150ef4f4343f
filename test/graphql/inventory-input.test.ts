// Bad input to the inventory mutations through the gateway: BAD_USER_INPUT naming what is wrong, no run written,
// and nothing about the server (no temporary paths) in what the caller sees.
import { tmpdir } from 'node:os';
import { SyncRun } from '../../subgraphs/inventory/entities/sync-run.js';
import { gql, seedDemo, startHarness, token, type Harness } from './support.js';

describe('inventory mutations refuse bad input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seedDemo(h.app);
  }, 60_000);
  afterAll(() => h.close());

  const runs = () => h.app.t.db.em().count(SyncRun, {});

  it('runStockSync with a bad inventory file names the line and writes no run', async () => {
    const file = Buffer.from('sku\tafn-fulfillable-quantity\nAMZ-000001\t1e3\nAMZ-000002\t99999999999999999999\n').toString('base64');
    const r = await gql(h.gateway.url, 'mutation ($f: String) { runStockSync(dryRun: false, inventoryFileBase64: $f) { runId } }', { f: file }, await token('operator'));
    const error = r.body.errors![0]!;
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/^inventory file: 2 error\(s\):\n {2}line 2: fulfillable quantity "1e3" of AMZ-000001 .*\n {2}line 3: /);
    expect(JSON.stringify(r.body)).not.toContain(tmpdir());
    expect(await runs()).toBe(0);
  });

  it('setChannelStock refuses an out-of-range quantity, an unknown channel and an unknown SKU', async () => {
    const set = async (channel: string, sku: string, quantity: number) =>
      (await gql(h.gateway.url, 'mutation ($c: String!, $s: String!, $q: Int!) { setChannelStock(channel: $c, sku: $s, quantity: $q) { runId } }', { c: channel, s: sku, q: quantity }, await token('operator'))).body.errors![0]!;
    expect(await set('yahoo', 'AMZ-000001', 1_000_000_000)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/quantity must be a whole number from 0 to 999999999/) });
    expect(await set('amazon', 'AMZ-000001', 1)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/unknown channel "amazon"/) });
    expect(await set('yahoo', 'NOPE', 1)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/unknown SKU "NOPE"/) });
    expect(await runs()).toBe(0);
  });
});
