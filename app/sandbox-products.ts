// Sandbox mode: the product systems (product master, pricing engine, DAM) hold the same demo SKUs as the
// marketplaces, so that the product, price and image operations have something to bring in.
import type { Sandbox } from '../connectors/sandbox/index.js';

/** The product systems whose simulators know the demo SKUs: each has clear(), reset() and seed(skus). */
const PRODUCT_SYSTEMS = ['pim', 'pricing-engine', 'dam'];

const running = (sandbox: Sandbox) => PRODUCT_SYSTEMS.filter((system) => sandbox.urls[system]);

/** Replaces each product system's simulated data with the demo SKUs'. */
export async function seedProductSystems(sandbox: Sandbox, skus: string[]): Promise<void> {
  for (const system of running(sandbox)) {
    await sandbox.call(system, 'clear');
    await sandbox.call(system, 'seed', skus);
  }
}

/** Empties each product system's simulator and forgets its tokens: the sandbox's first start. */
export async function resetProductSystems(sandbox: Sandbox): Promise<void> {
  for (const system of running(sandbox)) await sandbox.call(system, 'reset');
}
