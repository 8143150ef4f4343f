// The markets, catalog, pricing and media sections: the shipped ones load, and each kind of mistake is refused at
// load naming its key.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { ConfigError } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-commerce-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const original = readFileSync('config/config.yaml', 'utf8');

/** The message loading the shipped config with one edit fails with. */
function refusal(edit: (text: string) => string, env: NodeJS.ProcessEnv = {}): string {
  const d = mkdtempSync(join(dir, 'c-'));
  for (const f of ['integrations.yaml', 'data-mappings.json']) copyFileSync(join('config', f), join(d, f));
  const edited = edit(original);
  // An edit that changes nothing would test the shipped file, unless the environment is what differs.
  if (Object.keys(env).length === 0) expect(edited).not.toBe(original);
  writeFileSync(join(d, 'config.yaml'), edited);
  try {
    loadConfig(join(d, 'config.yaml'), { PATH: process.env.PATH, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the config was accepted');
}

test('the shipped sections load: seven markets, the category table, guardrails and the image rule', () => {
  const config = loadConfig('config/config.yaml', { PATH: process.env.PATH });
  expect(Object.keys(config.markets)).toEqual(['shopee:SG', 'shopee:MY', 'shopee:TH', 'shopee:TW', 'shopee:PH', 'shopee:VN', 'shopee:BR']);
  expect(config.markets['shopee:TW']).toEqual({ country: 'TW', currency: 'TWD', priceDecimals: 0, language: 'en', imageRule: 'shopee' });
  expect(config.pricing).toMatchObject({ rounding: 'half_up', maxChangePercent: 20 });
  expect(config.media.rules.shopee).toEqual({ minSide: 500, maxSide: 1024, maxBytes: 2097152, format: 'webp', quality: 85, background: '#ffffff' });
  expect(config.media.baseUrl).toBe('/media');
});

test('a category table naming an unknown market is refused at load', () => {
  expect(refusal((t) => t.replace('kitchen: { shopee:SG: 100636,', 'kitchen: { shopee:JP: 100636, shopee:SG: 100636,')))
    .toMatch(/^config: catalog\.categories\.kitchen\.shopee:JP: names the market "shopee:JP", which markets does not list/m);
  expect(refusal((t) => t.replace('kitchen: { shopee:SG: 100636,', 'kitchen: { shopee:SG: -3,'))).toMatch(/^config: catalog\.categories\.kitchen\.shopee:SG: /m);
  expect(refusal((t) => t.replace('    kitchen: {', '    kitchen-ware: {'))).toMatch(/^config: catalog\.categories\.kitchen-ware: not a category code/m);
});

test('a market with a currency, precision or image rule that does not hold is refused', () => {
  expect(refusal((t) => t.replace('currency: TWD', 'currency: TWX'))).toMatch(/^config: markets\.shopee:TW\.currency: not an ISO 4217 currency code/m);
  expect(refusal((t) => t.replace('currency: VND, priceDecimals: 0', 'currency: VND, priceDecimals: 2'))).toMatch(/^config: markets\.shopee:VN\.priceDecimals: VND has 0 decimal places, fewer than 2/m);
  expect(refusal((t) => t.replace('language: en, imageRule: shopee }\n  shopee:MY', 'language: en, imageRule: lazada }\n  shopee:MY'))).toMatch(/^config: markets\.shopee:SG\.imageRule: no image rule "lazada" in media\.rules/m);
});

test('a guardrail that names no market, has no bound, or bounds the wrong way is refused', () => {
  const guardrail = '- { sku: AMZ-000001, market: shopee:SG, floor: "20.00", ceiling: "200.00" }';
  expect(refusal((t) => t.replace(guardrail, '- { sku: AMZ-000001, market: shopee:XX, floor: "1" }'))).toMatch(/^config: pricing\.guardrails\.0\.market: names the market "shopee:XX"/m);
  expect(refusal((t) => t.replace(guardrail, '- { sku: AMZ-000001, market: shopee:SG }'))).toMatch(/^config: pricing\.guardrails\.0: give a floor, a ceiling or both/m);
  expect(refusal((t) => t.replace(guardrail, '- { sku: AMZ-000001, market: shopee:SG, floor: "30", ceiling: "20" }'))).toMatch(/^config: pricing\.guardrails\.0: the floor is above the ceiling/m);
  expect(refusal((t) => t.replace(guardrail, '- { sku: AMZ-000001, market: shopee:SG, floor: "1,5" }'))).toMatch(/^config: pricing\.guardrails\.0\.floor: a decimal amount/m);
  expect(refusal((t) => t.replace('rounding: half_up', 'rounding: bankers'))).toMatch(/^config: pricing\.rounding: /m);
});

test('an image rule whose smallest side is above its largest is refused', () => {
  expect(refusal((t) => t.replace('minSide: 500, maxSide: 1024', 'minSide: 1500, maxSide: 1024'))).toMatch(/^config: media\.rules\.shopee: minSide is larger than maxSide/m);
  expect(refusal((t) => t.replace('quality: 85 }', 'quality: 185 }'))).toMatch(/^config: media\.rules\.shopee\.quality: /m);
});

describe('media.store', () => {
  const S3 = {
    TSUNAGI_MEDIA_STORE: 's3', TSUNAGI_MEDIA_S3_ENDPOINT: 'http://127.0.0.1:9000', TSUNAGI_MEDIA_S3_BUCKET: 'images', TSUNAGI_MEDIA_S3_PREFIX: 'tsunagi/',
    TSUNAGI_MEDIA_S3_FORCE_PATH_STYLE: 'true', TSUNAGI_MEDIA_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', TSUNAGI_MEDIA_S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };

  test('is the data directory by default; s3 reads the bucket and its keys from the environment', () => {
    expect(loadConfig('config/config.yaml', { PATH: process.env.PATH }).media).toMatchObject({ store: 'file', s3: { region: 'us-east-1', forcePathStyle: false } });
    expect(loadConfig('config/config.yaml', { PATH: process.env.PATH, ...S3 }).media).toMatchObject({
      store: 's3',
      s3: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'images', prefix: 'tsunagi/', forcePathStyle: true, accessKeyId: 'AKIDEXAMPLE', secretAccessKey: S3.TSUNAGI_MEDIA_S3_SECRET_ACCESS_KEY },
    });
  });

  test('s3 with a setting missing is refused naming each key, never repeating a secret', () => {
    const message = refusal((t) => t, { TSUNAGI_MEDIA_STORE: 's3', TSUNAGI_MEDIA_S3_SECRET_ACCESS_KEY: S3.TSUNAGI_MEDIA_S3_SECRET_ACCESS_KEY });
    expect(message).toMatch(/^config: media\.s3\.bucket: required when media\.store is s3$/m);
    expect(message).toMatch(/^config: media\.s3\.accessKeyId: required when media\.store is s3$/m);
    expect(message).not.toMatch(/media\.s3\.(secretAccessKey|region)/);
    expect(message).not.toContain(S3.TSUNAGI_MEDIA_S3_SECRET_ACCESS_KEY);
    expect(refusal((t) => t.replace('${TSUNAGI_MEDIA_S3_REGION:-us-east-1}', ''), { ...S3 })).toMatch(/^config: media\.s3\.region: required when media\.store is s3$/m);
    expect(refusal((t) => t, { ...S3, TSUNAGI_MEDIA_STORE: 'gcs' })).toMatch(/^config: media\.store: /m);
    expect(refusal((t) => t, { ...S3, TSUNAGI_MEDIA_S3_ENDPOINT: 'minio:9000' })).toMatch(/^config: media\.s3\.endpoint: must be an http\(s\) URL$/m);
  });
});
