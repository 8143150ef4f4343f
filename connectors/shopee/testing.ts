// For the connector's contract tests (not built into dist/): an in-memory credential store, and the simulator on
// loopback with some shops authorised, the client and the shops over it (listing targets with the shipped mapping).
import type { CredentialStore, StoredCredential } from '../../platform/auth/credentials.js';
import type { MarketConfig } from '../../platform/config/index.js';
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { shopCredential, ShopeeClient } from './client.js';
import type { ShopeeConfig } from './config.js';
import { MappingSet } from '../../platform/transform/index.js';
import { LISTING_MAPPING } from './listings.js';
import { ShopeeShops } from './shops.js';
import { sandboxShopId, ShopeeSimulator, shopeeSandboxConfig } from './simulator.js';

export class MemoryCredentials implements CredentialStore {
  readonly values = new Map<string, StoredCredential>();
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async put(name: string, value: string, expiresAt: Date | null = null) {
    this.values.set(name, { value, expiresAt, updatedAt: new Date() });
  }
}

/** What a test must close when it ends. */
export type Closeables = { close(): Promise<void> }[];

/** The simulator with these markets' shops, each holding a refresh token; every call the client makes is recorded. */
export async function simulatedShops(
  countries: string[],
  opts: { open: Closeables; policy: Partial<HttpPolicy>; overrides?: Partial<ShopeeConfig>; markets?: Record<string, MarketConfig> },
): Promise<{ sim: ShopeeSimulator; client: ShopeeClient; shops: ShopeeShops; outcomes: CallOutcome[] }> {
  const sim = new ShopeeSimulator({ rateLimit: false });
  const url = await sim.listen();
  opts.open.push(sim);
  sim.ensureShops(countries.map((c) => ({ shopId: sandboxShopId(c), country: c })));
  const config = shopeeSandboxConfig(url, opts.overrides ?? {}, countries);
  const credentials = new MemoryCredentials();
  for (const shop of config.shops) await credentials.put(shopCredential('shopee', config.partnerId, shop.shopId, 'refresh_token'), sim.issueTokens(shop.shopId!).refreshToken);
  const outcomes: CallOutcome[] = [];
  const client = new ShopeeClient({ config, credentials, policy: opts.policy, onOutcome: (o) => outcomes.push(o) });
  const shops = new ShopeeShops(client, opts.markets, MappingSet.load('config/data-mappings.json').get(LISTING_MAPPING));
  opts.open.push(shops);
  return { sim, client, shops, outcomes };
}
