// The Shopee shops from the operator's side, in sandbox mode: each shop's authorisation in `health` and
// `integrations list`, `shopee authorize` through the local callback, an out-of-band change shown by
// `sandbox show`, the simulators' public credentials (never outside sandbox mode). The real CLI as processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, runCli } from '../support/cli.js';
import { PRODUCTION_CREDENTIALS } from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const MARKETS = ['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = <T = any>(r: { stdout: string }): T => JSON.parse(r.stdout) as T;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('tsunagi and the Shopee shops (sandbox)', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-shopee-'));
  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs'), TSUNAGI_CONFIG: undefined, SHOPEE_REDIRECT_URL: `http://127.0.0.1:${await freePort()}/shopee/callback` });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('health and integrations list show every shop with its authorisation days left', async () => {
    const health = await runCli(['--json', 'health'], env);
    // No hub and no worker run for this data directory (each command opens the simulators itself): health says so.
    expect(health.code).toBe(1);
    const own = json<{ scheduler: { ok: boolean; detail: string }; hub: { ok: boolean; detail: string } }>(health);
    expect(own.scheduler).toMatchObject({ ok: false, detail: expect.stringContaining('no worker has scheduled the jobs') });
    expect(own.hub).toMatchObject({ ok: false, detail: expect.stringContaining('no hub is running for') });
    const shopee = json<{ connectors: { name: string; ok: boolean; expiresInDays: number; parts: { name: string; ok: boolean; expiresInDays: number }[] }[] }>(health).connectors.find((c) => c.name === 'shopee')!;
    expect(shopee).toMatchObject({ ok: true, expiresInDays: 365 });
    expect(shopee.parts.map((p) => [p.name, p.ok, p.expiresInDays])).toEqual(MARKETS.map((c) => [`shopee:${c}`, true, 365]));
    const text = await runCli(['health'], env);
    expect(text.stdout).toMatch(/^\[OK\] {3}shopee {5}7 shops authorised; the first authorisation to end is shopee:SG's; credential expires in 365 days \(/m);
    expect(text.stdout).toMatch(/^ {2}\[OK\] {3}shopee:BR {2}authorised \(Tsunagi sandbox BR\); authorisation ends in 365 days \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00\)$/m);

    const list = await runCli(['integrations', 'list'], env);
    expect(list.code).toBe(0);
    for (const c of MARKETS) expect(list.stdout).toMatch(new RegExp(`^  shopee:${c} +ok +365 days \\(`, 'm'));
    expect(list.stdout).toMatch(/^shopee +refresh-items +- +no /m);
  }, 120_000);

  it('set-stock changes one shop out of band; show gives every shop, by market', async () => {
    const set = await runCli(['sandbox', 'shopee', 'set-stock', 'sg', 'AMZ-000002', '7'], env);
    expect(set).toMatchObject({ code: 0, stdout: '[SANDBOX] shopee:SG now holds AMZ-000002: 7 (seller_stock, changed outside Tsunagi).\n' });
    const show = json(await runCli(['--json', 'sandbox', 'show', 'AMZ-000002'], env));
    // The demo listings have a real price, each written in its market's precision.
    const cents = expect.stringMatching(/^[1-9]\d*\.\d\d$/);
    const whole = expect.stringMatching(/^[1-9]\d*$/);
    expect(show).toEqual({
      sku: 'AMZ-000002', amazon: expect.any(Number), wms: expect.any(Number), yahoo: 0, rakuten: 0, shopee: { SG: 7, MY: 0, TH: 0, TW: 0, PH: 0, VN: 0, BR: 0 },
      shopeePrices: { SG: cents, MY: cents, TH: whole, TW: whole, PH: whole, VN: whole, BR: cents },
    });

    const badMarket = await runCli(['sandbox', 'shopee', 'set-stock', 'XX', 'AMZ-000002', '1'], env);
    expect(badMarket).toMatchObject({ code: 2, stdout: '' });
    expect(badMarket.stderr).toContain('[ERROR] country: no XX shop in config (configured: SG, MY, TH, TW, PH, VN, BR)');
    const unlisted = await runCli(['sandbox', 'shopee', 'set-stock', 'SG', 'NOT-LISTED', '1'], env);
    expect(unlisted.code).toBe(2);
    expect(unlisted.stderr).toContain('[ERROR] sku: shopee:SG has no listing with SKU "NOT-LISTED" (item_sku or model_sku); nothing changed');
    expect((await runCli(['sandbox', 'shopee', 'set-stock', 'SG', 'AMZ-000002', '-1'], env)).code).toBe(2);
    expect(json(await runCli(['--json', 'sandbox', 'show', 'AMZ-000002'], env)).shopee.SG).toBe(7);
  }, 120_000);

  it('authorize runs the shop authorisation through the local callback and stores the tokens', async () => {
    const r = await runCli(['--json', 'shopee', 'authorize', '--country', 'MY', '--timeout', '30'], env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('Open this link in a browser (valid 5 minutes), log in as the MY shop') });
    const done = json(r);
    expect(done).toMatchObject({ country: 'MY', shopName: 'Tsunagi sandbox MY', stored: true });
    expect(new Date(done.expiresAt).getTime() - Date.now()).toBeGreaterThan(364 * 86_400_000);
    // The shop answers with the tokens just stored.
    const input = join(dir, 'codes.json');
    writeFileSync(input, JSON.stringify({ country: 'MY', codes: ['AMZ-000001', 'NOT-LISTED'] }));
    const stock = await runCli(['--json', 'integrations', 'run', 'shopee', 'get_stock', '--input', input], env);
    expect(json(stock).output).toEqual({ stock: { 'AMZ-000001': 0, 'NOT-LISTED': null } });
    const bad = await runCli(['shopee', 'authorize', '--country', 'ID'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--country: no ID shop in config');
  }, 120_000);

  it('credentials prints the simulators and the test partner and shops; outside sandbox mode it refuses', async () => {
    const creds = json(await runCli(['--json', 'sandbox', 'credentials'], env));
    expect(creds.shopee).toEqual({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), partnerId: 1000001, partnerKey: 'tsunagi-sandbox-shopee-partner-key',
      shops: MARKETS.map((c) => ({ country: c, shopId: expect.any(Number) })),
    });
    expect(creds.wms).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), apiKey: expect.any(String) });
    expect(creds.ftp).toEqual({ url: expect.stringMatching(/^ftp:\/\/127\.0\.0\.1:\d+$/), user: expect.any(String), password: expect.any(String), dir: expect.any(String) });
    expect(creds.webhookBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks$/);
    const production = cliEnv({
      ...env, ...PRODUCTION_CREDENTIALS,
    });
    const refused = await runCli(['--json', 'sandbox', 'credentials'], production);
    expect(refused.code).toBe(2);
    expect(json(refused)).toEqual({ error: expect.stringMatching(/sandbox commands work only in sandbox mode/), kind: 'UsageError' });
    expect(refused.stdout).not.toContain('partnerKey');
  }, 120_000);
});
