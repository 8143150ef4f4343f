// The Shopee simulator in a process of its own for bench/shopee.bench.ts: seven shops, N SKUs listed in each
// (items without models, seller_stock 0), no rate limit, no state file. Prints one JSON line — its URL and each
// shop's refresh token — once it listens; stops on SIGTERM.
// Usage: node dist/bench/shopee-simulator.js <skus>
import { sandboxShopId, SHOPEE_MARKETS, ShopeeSimulator } from '../connectors/shopee/simulator.js';

const skus = Number(process.argv[2]);
if (!Number.isInteger(skus) || skus < 1) throw new Error('usage: shopee-simulator.js <skus>');
const sim = new ShopeeSimulator({ rateLimit: false });
const url = await sim.listen();
const markets = Object.keys(SHOPEE_MARKETS);
sim.ensureShops(markets.map((c) => ({ shopId: sandboxShopId(c), country: c })));
const list = Array.from({ length: skus }, (_, i) => `SKU-${String(i + 1).padStart(6, '0')}`);
for (const c of markets) sim.seed(c, list, 0);
const refreshTokens = Object.fromEntries(markets.map((c) => [c, sim.issueTokens(c).refreshToken]));
process.stdout.write(`${JSON.stringify({ url, refreshTokens })}\n`);
process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)));
