// The sandbox's simulators in a process of their own for bench:realtime, plus the WMS's side of the benchmark: it
// makes the warehouse changes at the asked rate (so the hub process only consumes) and checks the shops against
// the warehouse at the end. Usage: node dist/bench/wms-simulators.js <dataDir>; prints "ready", then answers one
// JSON line per command read from stdin: {"burst": {skus, rate, seconds}}, {"verify": {skus, shops, divisor}} and
// {"cpu": true} (this process's CPU time so far, ms).
import { createInterface } from 'node:readline';
import { openSandbox } from '../connectors/sandbox/index.js';
import type { WmsSimulator } from '../connectors/wms/simulator.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: wms-simulators.js <dataDir>');
// Shared through dataDir, state in memory: writing 70,000 listings to disk after every change would load this process.
const sandbox = await openSandbox({ dataDir, rateLimits: false, persist: false });
const wms = sandbox.simulators!.wms as WmsSimulator;
const shopee = sandbox.simulators!.shopee as unknown as { getQuantity(shop: string, sku: string): number | null };
process.stdout.write('ready\n');
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));

/** Random changes over `skus` at `rate` per second for `seconds`, each to a new available figure (0..699). */
async function burst(skus: string[], rate: number, seconds: number): Promise<{ sent: number; latestSeq: number }> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    // Due so far at the rate: sent in one go, then a short sleep (timers are too coarse for one event per 2 ms).
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const sku = skus[Math.floor(Math.random() * skus.length)]!;
      const current = wms.getStock(sku)?.available ?? 0;
      // Always a figure whose equal split differs, so every event means a write in every shop.
      wms.setStock(sku, (current + 7 + Math.floor(Math.random() * 600)) % 700);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return { sent, latestSeq: wms.latestSeq() };
}

function verify(skus: string[], shops: string[], divisor: number): { checked: number; mismatches: string[]; mismatchCount: number } {
  const mismatches: string[] = [];
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
  const command = JSON.parse(line) as { burst?: { skus: string[]; rate: number; seconds: number }; verify?: { skus: string[]; shops: string[]; divisor: number }; cpu?: true };
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return { cpuMs: (user + system) / 1000 };
  };
  const answer = command.burst
    ? await burst(command.burst.skus, command.burst.rate, command.burst.seconds)
    : command.verify ? verify(command.verify.skus, command.verify.shops, command.verify.divisor) : cpu();
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
