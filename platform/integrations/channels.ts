// The channels the configured systems serve, by kind of target (stock, prices, listings): a system is its own channel
// unless its descriptor lists several (one per shop). A channel is served by one system: two serving the same
// one would leave which of them gets a sync, or a price, to config order.
import type { IntegrationsConfig } from '../config/index.js';
import { connectorIdOf, type DomainInterface, type IntegrationRegistry } from './index.js';

/** The target interfaces whose channels are checked, and how a message names their channels. */
const TARGETS: [DomainInterface, string][] = [['StockTarget', 'stock'], ['PriceTarget', 'price'], ['ListingTarget', 'listing']];

/** Every channel of the systems implementing `iface`, with the system serving it, in config order. */
export function servedChannels(systems: IntegrationsConfig, registry: IntegrationRegistry, iface: DomainInterface): { channel: string; system: string }[] {
  return Object.entries(systems).flatMap(([system, block]) => {
    const descriptor = registry.get(connectorIdOf(block))!;
    if (!descriptor.implements.includes(iface)) return [];
    return (descriptor.channels ? descriptor.channels(block) : [system]).map((channel) => ({ channel, system }));
  });
}

/** One line per channel two systems serve, naming both and the channel. */
export function channelClashes(systems: IntegrationsConfig, registry: IntegrationRegistry): string[] {
  return TARGETS.flatMap(([iface, kind]) => {
    const servedBy = new Map<string, string>();
    return servedChannels(systems, registry, iface).flatMap(({ channel, system }) => {
      const other = servedBy.get(channel);
      if (other === undefined) {
        servedBy.set(channel, system);
        return [];
      }
      return [`config: ${system}: serves the ${kind} channel "${channel}", which ${other} already serves; a channel is served by one system`];
    });
  });
}
