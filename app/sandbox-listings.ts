// Sandbox mode: a merchant's real malls already hold the listings the SKU master names, so importing a master
// into the sandbox creates, in the simulated malls, those they lack (quantity 0).
import type { Sandbox } from '../connectors/sandbox/index.js';
import type { ListingProvisioner } from '../subgraphs/catalog/ports.js';

/** Channels whose system has a simulator get the listings; any other channel has none to create. */
export const sandboxListingProvisioner = (sandbox: Sandbox): ListingProvisioner => ({
  createMissing: async (channel, codes) => (sandbox.urls[channel] ? sandbox.call<number>(channel, 'addMissing', codes) : 0),
});
