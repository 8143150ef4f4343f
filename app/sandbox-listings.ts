// Sandbox mode: a merchant's real malls already hold the listings the SKU master names, so importing a master
// into the sandbox creates, in the simulated malls, those they lack (quantity 0).
import type { AppContext } from './context.js';

const PAGE = 1000;

/** Creates the master's listings missing from the simulated malls; answers how many per channel. Sandbox mode only. */
export async function createMissingSandboxListings(ctx: AppContext): Promise<Record<string, number>> {
  const sandbox = ctx.sandbox;
  if (!sandbox) return {};
  const created: Record<string, number> = Object.fromEntries(ctx.inventory.channels.map((c) => [c, 0]));
  let after: string | null = null;
  for (;;) {
    const page = await ctx.catalog.listMappings({ first: PAGE, after });
    for (const channel of ctx.inventory.channels) {
      const codes = page.rows.flatMap((r) => (r.listings[channel] ? [r.listings[channel]] : []));
      if (codes.length > 0) created[channel]! += await sandbox.call<number>(channel, 'addMissing', codes);
    }
    if (!page.hasNextPage) return created;
    after = page.endCursor;
  }
}
