// Sandbox mode: a merchant's real malls already hold the listings the SKU master names, so importing a master
// into the sandbox creates, in the simulated malls, those they lack (quantity 0). Also how a channel's simulator
// is driven: a system's own channel by the system, a shop of a several-shop system by its channel.
import type { Sandbox } from '../connectors/sandbox/index.js';
import type { IntegrationsConfig } from '../platform/config/index.js';
import type { IntegrationHub } from '../platform/integrations/hub.js';
import { connectorIdOf } from '../platform/integrations/index.js';
import type { ListingProvisioner } from '../subgraphs/catalog/ports.js';

/** What the sandbox's channels are found from (an AppContext has all three). */
export interface SandboxParts {
  sandbox?: Sandbox;
  hub: IntegrationHub;
  integrations: IntegrationsConfig;
}

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
export function sandboxChannels(p: SandboxParts): SandboxChannel[] {
  const sandbox = p.sandbox;
  if (!sandbox) return [];
  return p.hub
    .channels()
    .map(({ channel, system }) => ({ channel, system, connector: connectorIdOf(p.integrations[system]!), shared: channel !== system }))
    .filter((c) => sandbox.urls[c.connector]);
}

/** Calls a control method of the simulator behind `channel` (the channel passed first for a shared one). */
export function channelControl(p: SandboxParts, channel: string): <T>(method: string, ...args: unknown[]) => Promise<T> {
  const c = sandboxChannels(p).find((x) => x.channel === channel);
  if (!c) throw new Error(`sandbox: no simulator serves the channel "${channel}"`);
  return (method, ...args) => p.sandbox!.call(c.connector, method, ...(c.shared ? [channel] : []), ...args);
}

/** Channels whose system has a simulator get the listings; any other channel has none to create. */
export const sandboxListingProvisioner = (p: SandboxParts): ListingProvisioner => ({
  createMissing: async (channel, codes) =>
    (sandboxChannels(p).some((c) => c.channel === channel) ? channelControl(p, channel)<number>('addMissing', codes) : 0),
});
