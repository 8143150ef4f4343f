// The Shopee client's share of a stock batch: N SKUs listed in seven shops (the simulator in its own process,
// over real HTTP, no rate limit; paging, 50 ids per get_item_base_info and one item per update_stock real). Reads
// every shop's SKU map, then every shop's stock for all N SKUs (batches of 50, the shops in parallel, as the
// stock engine reads its targets), then corrects a fraction of them (the drift an hourly batch finds).
// Usage: npm run bench:shopee -- --skus 100000 --changed 0.01
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CredentialStore, StoredCredential } from '../platform/auth/credentials.js';
import { shopCredential, ShopeeClient } from '../connectors/shopee/client.js';
import { ShopeeShops } from '../connectors/shopee/shops.js';
import { shopeeSandboxConfig } from '../connectors/shopee/simulator.js';

/**
 * The issue's hourly batch (WMS read, shops read, corrections) has 120 s for 100,000 SKUs × 7 shops; the SKU maps
 * stay in memory, so what they hold is bounded per listing (~190 bytes: 128 MB for 700,000). Peak RSS is V8's
 * choice as much as ours (it grows the heap while allowed): shown, with the hub's own ceiling as its target.
 */
const TARGETS = { batchS: 120, mapsHeldMb: 128, peakRssMb: 512 };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:shopee does)');

const { values } = parseArgs({ options: { skus: { type: 'string', default: '100000' }, changed: { type: 'string', default: '0.01' } } });
const skus = Number(values.skus);
const changed = Number(values.changed);
if (!Number.isInteger(skus) || skus < 1) throw new Error(`--skus must be a whole number >= 1, got ${values.skus}`);
if (!(changed >= 0 && changed <= 1)) throw new Error(`--changed must be a fraction 0..1, got ${values.changed}`);

class MemoryCredentials implements CredentialStore {
  private readonly values = new Map<string, StoredCredential>();
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async put(name: string, value: string, expiresAt: Date | null = null) {
    this.values.set(name, { value, expiresAt, updatedAt: new Date() });
  }
}

const seedStart = performance.now();
const child = spawn(process.execPath, [fileURLToPath(new URL('./shopee-simulator.js', import.meta.url)), String(skus)], { stdio: ['ignore', 'pipe', 'inherit'] });
const started = await new Promise<{ url: string; refreshTokens: Record<string, string> }>((resolve, reject) => {
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
    if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
  });
  child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}`)));
});
console.log(`simulator: ${skus} SKUs listed in 7 shops in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

const config = shopeeSandboxConfig(started.url, { rateLimit: { perSecond: 100_000, burst: 1000 } });
const credentials = new MemoryCredentials();
for (const shop of config.shops) await credentials.put(shopCredential('shopee', config.partnerId, shop.shopId, 'refresh_token'), started.refreshTokens[shop.country]!);
const shops = new ShopeeShops(new ShopeeClient({ config, credentials, policy: { timeoutMs: 30_000, retries: 2, backoffBaseMs: 50, backoffMaxMs: 1000 } }));
const codes = Array.from({ length: skus }, (_, i) => `SKU-${String(i + 1).padStart(6, '0')}`);
const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
const peak: Record<string, number> = {};
const seconds = async (phase: string, fn: () => Promise<void>) => {
  const t = performance.now();
  await fn();
  peak[phase] = process.resourceUsage().maxRSS / 1024;
  return (performance.now() - t) / 1000;
};

try {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const mapS = await seconds('maps', async () => {
    await Promise.all(shops.shops.map((s) => s.refreshItems()));
  });
  gc();
  const mapsHeldMb = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;
  let read = 0;
  const readS = await seconds('read', async () => {
    await Promise.all(shops.shops.map(async (s) => {
      for (const batch of chunks(codes, s.maxReadBatch)) {
        const stock = await s.getStock(batch);
        for (const q of stock.values()) if (q !== 0) throw new Error(`${s.channel}: expected seller_stock 0, got ${q}`);
        read += stock.size;
      }
    }));
  });
  const drift = codes.filter((_, i) => i % Math.max(1, Math.round(1 / changed)) === 0).slice(0, Math.round(skus * changed));
  let written = 0;
  const writeS = await seconds('write', async () => {
    await Promise.all(shops.shops.map(async (s) => {
      for (const batch of chunks(drift, s.maxWriteBatch)) {
        const results = await s.setStock(batch.map((code) => ({ code, quantity: 5 })));
        const failed = results.filter((r) => !r.ok);
        if (failed.length) throw new Error(`${s.channel}: ${failed.length} updates failed, e.g. ${failed[0]!.error}`);
        written += results.length;
      }
    }));
  });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const fullS = mapS + readS + writeS;
  const calls = (n: number, s: number) => `${(n / s).toFixed(0)} /s`;
  console.log(`SKU maps     ${mapS.toFixed(1).padStart(7)} s   (${skus} SKUs × 7 shops: get_item_list pages of 100, get_item_base_info by 50)`);
  console.log(`stock read   ${readS.toFixed(1).padStart(7)} s   ${read} SKUs, ${calls(read, readS)}`);
  console.log(`corrections  ${writeS.toFixed(1).padStart(7)} s   ${written} update_stock calls (one item each), ${calls(written, writeS)}`);
  console.log(`Shopee side  ${fullS.toFixed(1).padStart(7)} s   of the hourly batch's ${TARGETS.batchS} s  ${fullS <= TARGETS.batchS ? 'OK' : 'MISSED'}`);
  console.log(`maps held    ${mapsHeldMb.toFixed(0).padStart(7)} MB  target <= ${TARGETS.mapsHeldMb} MB  ${mapsHeldMb <= TARGETS.mapsHeldMb ? 'OK' : 'MISSED'}  (heap after GC, ${skus * 7} listings)`);
  console.log(`peak RSS     ${peakRssMb.toFixed(0).padStart(7)} MB  target <= ${TARGETS.peakRssMb} MB  ${peakRssMb <= TARGETS.peakRssMb ? 'OK' : 'MISSED'}  (after maps ${peak.maps!.toFixed(0)}, read ${peak.read!.toFixed(0)}, write ${peak.write!.toFixed(0)})`);
  console.log(`shopee-client-bench skus=${skus} shops=7 map_s=${mapS.toFixed(1)} read_s=${readS.toFixed(1)} write_s=${writeS.toFixed(1)} corrections=${written} full_s=${fullS.toFixed(1)} maps_held_mb=${mapsHeldMb.toFixed(0)} peak_rss_mb=${peakRssMb.toFixed(0)}`);
} finally {
  await shops.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
