import { AmazonClient } from './client.js';
import { AmazonSimulator, AMAZON_SANDBOX_CREDENTIALS, AMAZON_JP_MARKETPLACE_ID } from './simulator.js';
it('perf', async () => {
  const sim = new AmazonSimulator({ rateLimit: false });
  let t = Date.now(); sim.seed(100_000); console.log('seed ms', Date.now() - t);
  const url = await sim.listen();
  const client = new AmazonClient({ config: { endpoint: url, tokenUrl: url + '/auth/o2/token', marketplaceId: AMAZON_JP_MARKETPLACE_ID, ...AMAZON_SANDBOX_CREDENTIALS, clientSecretExpiresAt: undefined, rateLimit: { perSecond: 100000, burst: 1000 } } });
  t = Date.now(); let n = 0;
  for await (const p of client.pages()) n += p.length;
  console.log('pages ms', Date.now() - t, n);
  t = Date.now(); const items = await client.getItems(sim.skus().slice(0, 5000)); console.log('getItems 5000 ms', Date.now() - t, items.length);
  await client.close(); await sim.close();
}, 120000);
