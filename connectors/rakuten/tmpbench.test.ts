import { RakutenClient } from './client.js';
import { RAKUTEN_SANDBOX_CREDENTIALS, RakutenSimulator } from './simulator.js';
it('bench', async () => {
  const sim = new RakutenSimulator({ rateLimit: false });
  const url = await sim.listen();
  const fast = { perSecond: 10000, burst: 100 };
  const c = new RakutenClient({ config: { endpoint: url, ...RAKUTEN_SANDBOX_CREDENTIALS, defaultVariantId: undefined, upsertRateLimit: fast, getRateLimit: fast } });
  const codes = Array.from({ length: 100000 }, (_, i) => `SKU-${i}:v`);
  let t = Date.now();
  for (let i = 0; i < codes.length; i += 400) await c.setStock(codes.slice(i, i + 400).map((code) => ({ code, quantity: 3 })));
  console.log('upsert 100k', Date.now() - t); t = Date.now();
  for (let i = 0; i < codes.length; i += 400) await c.setStock(codes.slice(i, i + 400).map((code) => ({ code, quantity: 4 })));
  console.log('upsert again 100k', Date.now() - t); t = Date.now();
  await c.close(); await sim.close();
}, 120000);
