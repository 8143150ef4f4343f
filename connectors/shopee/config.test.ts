// The shopee block as config/integrations.yaml ships it, and refused variants: every error names the key.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { shopeeClientConfig, type ShopeeBlock } from './config.js';
import { shopeeConnector } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-shopee-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH };
const SHIPPED = 'config/config.yaml';

/** The shipped config beside integrations.yaml with one edit to the shopee block. */
function variant(edit: (text: string) => string): string {
  const d = mkdtempSync(join(dir, 'v-'));
  for (const f of ['config.yaml', 'data-mappings.json']) copyFileSync(join('config', f), join(d, f));
  const text = readFileSync('config/integrations.yaml', 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(join(d, 'integrations.yaml'), edited);
  return join(d, 'config.yaml');
}

const message = (path: string, vars: Record<string, string> = {}) => {
  try {
    loadConfig(path, { ...env, ...vars });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the config loaded');
};

test('the shipped block: seven shops, channels shopee:SG … shopee:BR, the production host, sandbox without credentials', () => {
  const config = loadConfig('config/config.yaml', env);
  const block = config.integrations.shopee as ShopeeBlock;
  expect(config.sandbox).toBe(true);
  expect(shopeeConnector.channels!(block)).toEqual(['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c) => `shopee:${c}`));
  const client = shopeeClientConfig(block);
  expect(client).toMatchObject({ host: 'https://partner.shopeemobile.com', partnerId: undefined, missRefreshMs: 60_000, mapMaxAgeMs: 86_400_000, concurrency: 16, rateLimit: { perSecond: 10, burst: 10 } });
  expect(client.shops.map((s) => [s.channel, s.currency, s.shopId])).toEqual([
    ['shopee:SG', 'SGD', undefined], ['shopee:MY', 'MYR', undefined], ['shopee:TH', 'THB', undefined], ['shopee:TW', 'TWD', undefined],
    ['shopee:PH', 'PHP', undefined], ['shopee:VN', 'VND', undefined], ['shopee:BR', 'BRL', undefined],
  ]);
});

test('a market is one more line: ID is added without code', () => {
  const path = variant((t) => t.replace('- { country: BR, shop_id: "${SHOPEE_SHOP_ID_BR:-}", currency: BRL }', '- { country: BR, shop_id: "${SHOPEE_SHOP_ID_BR:-}", currency: BRL }\n        - { country: ID, currency: IDR }'));
  expect(shopeeConnector.channels!(loadConfig(path, env).integrations.shopee as ShopeeBlock).at(-1)).toBe('shopee:ID');
});

test('refused, naming the key: a market twice, a bad market or currency, a shop id that is not a number, an unknown status', () => {
  expect(message(variant((t) => t.replace('country: MY', 'country: SG')))).toMatch(/^config: shopee\.settings\.shops\.1\.country: market SG is listed twice \(also shop 1\)/m);
  expect(message(variant((t) => t.replace('country: TH', 'country: th')))).toMatch(/^config: shopee\.settings\.shops\.2\.country: a two-letter upper-case market code such as SG/m);
  expect(message(variant((t) => t.replace('currency: TWD', 'currency: NT$')))).toMatch(/^config: shopee\.settings\.shops\.3\.currency: an ISO 4217 code such as SGD/m);
  expect(message(variant((t) => t.replace('item_statuses: [NORMAL, UNLIST]', 'item_statuses: [NORMAL, LISTED]')))).toMatch(/^config: shopee\.settings\.item_statuses\.1: /m);
  expect(message(SHIPPED, { SHOPEE_PARTNER_ID: 'abc' })).toMatch(/^config: shopee\.auth\.partner_id: a whole number, as Shopee gave it/m);
  expect(message(SHIPPED, { SHOPEE_SHOP_ID_VN: '12.5' })).toMatch(/^config: shopee\.settings\.shops\.5\.shop_id: a whole number, as Shopee gave it/m);
});

test('production needs the partner and every shop id: a partial set is refused, naming what is missing', () => {
  expect(message(SHIPPED, { SHOPEE_PARTNER_ID: '2001887', SHOPEE_PARTNER_KEY: 'k', SHOPEE_SHOP_ID_SG: '1' })).toMatch(
    /shopee \(missing settings\.shops\.1\.shop_id \(MY\), settings\.shops\.2\.shop_id \(TH\), .*settings\.shops\.6\.shop_id \(BR\)\)/,
  );
});

/** The shipped config with one edit to config.yaml (its markets). */
function marketsVariant(edit: (text: string) => string): string {
  const d = mkdtempSync(join(dir, 'm-'));
  for (const f of ['integrations.yaml', 'data-mappings.json']) copyFileSync(join('config', f), join(d, f));
  const text = readFileSync('config/config.yaml', 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(join(d, 'config.yaml'), edited);
  return join(d, 'config.yaml');
}

test('a market priced finer than Shopee takes there, or in another currency than its shop, is refused naming the key', () => {
  expect(message(marketsVariant((t) => t.replace('currency: TWD, priceDecimals: 0', 'currency: TWD, priceDecimals: 2'))))
    .toMatch(/^config: markets\.shopee:TW\.priceDecimals: Shopee takes whole units in TW \(update_price\), not 2$/m);
  expect(message(marketsVariant((t) => t.replace('currency: SGD, priceDecimals: 2', 'currency: SGD, priceDecimals: 3'))))
    .toMatch(/^config: markets\.shopee:SG\.priceDecimals: Shopee takes 2 decimal places in SG \(update_price\), not 3$/m);
  expect(message(marketsVariant((t) => t.replace('country: MY, currency: MYR', 'country: MY, currency: SGD'))))
    .toMatch(/^config: markets\.shopee:MY\.currency: the shopee shop in MY sells in MYR, not SGD$/m);
  // Coarser than Shopee allows is the merchant's choice: whole Singapore dollars load.
  const whole = loadConfig(marketsVariant((t) => t.replace('currency: SGD, priceDecimals: 2', 'currency: SGD, priceDecimals: 0')), env);
  expect(whole.markets['shopee:SG']!.priceDecimals).toBe(0);
});
