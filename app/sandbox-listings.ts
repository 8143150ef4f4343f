// Sandbox mode: a merchant's real malls already hold the listings the SKU master names, so importing a master
// into the sandbox creates, in the simulated malls, those they lack (quantity 0). Also how a channel's simulator
// is driven: a system's own channel by the system, a shop of a several-shop system by its channel.
import { connectorIdOf } from '../platform/integrations/index.js';
import type { AppContext } from './context.js';

const PAGE = 1000;

export interface SandboxChannel {
  channel: string;
  /** The configured system serving it. */
  system: string;
  /** The simulator's id (the system's connector). */
  connector: string;
  /** One of several channels of its system (a shop): its simulator's control methods take the channel first. */
  shared: boolean;
}

/** Every stock channel whose system runs a simulator in this sandbox. */
export function sandboxChannels(ctx: AppContext): SandboxChannel[] {
  const sandbox = ctx.sandbox;
  if (!sandbox) return [];
  return ctx.hub
    .channels()
    .map(({ channel, system }) => ({ channel, system, connector: connectorIdOf(ctx.integrations[system]!), shared: channel !== system }))
    .filter((c) => sandbox.urls[c.connector]);
}

/** Calls a control method of the simulator behind `channel` (the channel passed first for a shared one). */
export function channelControl(ctx: AppContext, channel: string): <T>(method: string, ...args: unknown[]) => Promise<T> {
  const c = sandboxChannels(ctx).find((x) => x.channel === channel);
  if (!c) throw new Error(`sandbox: no simulator serves the channel "${channel}"`);
  return (method, ...args) => ctx.sandbox!.call(c.connector, method, ...(c.shared ? [channel] : []), ...args);
}

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
      if (codes.length > 0) created[channel]! += await channelControl(ctx, channel)<number>('addMissing', codes);
    }
    if (!page.hasNextPage) return created;
    after = page.endCursor;
  }
}
