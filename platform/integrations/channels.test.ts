// A channel is served by one system: two integrations.yaml systems serving the same stock or price channel are
// refused at load, naming both and the channel.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { parcelHubConnector } from '../../test/integrations/parcel-hub/index.js';
import { ConfigError } from '../config/index.js';
import type { ConnectorDescriptor } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-channels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH };

/** A one-channel system that only takes prices (a price feed), beside the shipped connectors. */
const priceFeed: ConnectorDescriptor = { ...parcelHubConnector, id: 'price-feed', implements: ['PriceTarget'] };

/** The shipped config with blocks appended to integrations.yaml. */
function withBlocks(blocks: string): string {
  const d = mkdtempSync(join(dir, 'c-'));
  for (const f of ['config.yaml', 'data-mappings.json']) copyFileSync(join('config', f), join(d, f));
  writeFileSync(join(d, 'integrations.yaml'), readFileSync('config/integrations.yaml', 'utf8') + blocks);
  return join(d, 'config.yaml');
}

const feed = (name: string) => `
  - name: ${name}
    connector: price-feed
    type: pricing
    auth: { type: api_key, key: "" }
    endpoints: { api: https://feed.example.com }
`;

const refusal = (path: string): string => {
  try {
    loadConfig(path, env, [priceFeed]);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the config was accepted');
};

test('a price channel served by two systems is refused, naming both and the channel', () => {
  // The shopee block serves shopee:SG (one of its shops); a feed named after the channel would serve it too.
  const message = refusal(withBlocks(feed('shopee:SG')));
  expect(message).toMatch(/^config: shopee:SG: serves the price channel "shopee:SG", which shopee already serves; a channel is served by one system$/m);
  expect(message).not.toMatch(/stock channel/);
});

test('a stock channel served by two systems is refused the same way', () => {
  const yahooBlock = readFileSync('config/integrations.yaml', 'utf8').split('\n  - name: ').find((b) => b.startsWith('yahoo\n'))!;
  const copy = `\n  - name: ${yahooBlock.replace(/^yahoo\n/, 'shopee:TW\n    connector: yahoo\n').trimEnd()}\n`;
  expect(refusal(withBlocks(copy))).toMatch(/^config: shopee:TW: serves the stock channel "shopee:TW", which shopee already serves; a channel is served by one system$/m);
});

test('a price channel of its own loads', () => {
  const config = loadConfig(withBlocks(feed('outlet')), env, [priceFeed]);
  expect(Object.keys(config.integrations)).toContain('outlet');
});
