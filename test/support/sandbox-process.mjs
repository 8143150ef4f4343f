// The sandbox's simulators in a process of their own, so a test can kill the hub with SIGKILL and the
// marketplaces survive it. Other processes join them through the sandbox registry in dataDir (openSandbox).
// Runs the built code (dist/: `npm run build` first). Usage: node test/support/sandbox-process.mjs <dataDir>;
// prints {"ready": true}, then answers each JSON line read from stdin with one under the same name:
//   {"burst": {skus, rate, seconds}}  random WMS changes at `rate` per second → {"burst": {sent, latestSeq}}
//   {"verify": {skus, shops, divisor}} every shop of every SKU against floor(available / divisor)
//                                      → {"verify": {checked, mismatches, mismatchCount}}
import { createInterface } from 'node:readline';
import { openSandbox } from '../../dist/connectors/sandbox/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: sandbox-process.mjs <dataDir>');
// State in memory (persist false): the process is the marketplace; nothing of it need survive the test.
const sandbox = await openSandbox({ dataDir, rateLimits: false, persist: false });
const { wms, shopee } = sandbox.simulators;
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

async function burst({ skus, rate, seconds }) {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    // What is due by now at the rate goes in one go, then a short sleep (timers are too coarse for one per 5 ms).
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const sku = skus[Math.floor(Math.random() * skus.length)];
      const current = wms.getStock(sku)?.available ?? 0;
      // Always a figure whose equal split differs: every change is a write in every shop.
      wms.setStock(sku, (current + 7 + Math.floor(Math.random() * 600)) % 700);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return { sent, latestSeq: wms.latestSeq() };
}

function verify({ skus, shops, divisor }) {
  const mismatches = [];
  let checked = 0;
  for (const sku of skus) {
    const want = Math.floor((wms.getStock(sku)?.available ?? 0) / divisor);
    for (const shop of shops) {
      checked++;
      const got = shopee.getQuantity(shop, sku);
      if (got !== want) mismatches.push(`${shop} ${sku}: ${got} instead of ${want}`);
    }
  }
  return { checked, mismatches: mismatches.slice(0, 10), mismatchCount: mismatches.length };
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  const answer = command.burst ? { burst: await burst(command.burst) } : command.verify ? { verify: verify(command.verify) } : { error: `unknown command: ${line}` };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
// stdin closed: the test that started this process is gone.
await sandbox.close();
process.exit(0);
