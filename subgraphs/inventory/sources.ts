// Stock sources: each StockSource system feeds its own channels by its own policy (config sync.sources). A channel
// has one source; a run, its lease and its rule sets belong to one source.
import { parseTiers, type AllocationTier, type TierInput } from './allocation.js';
import { InvalidInputError } from './errors.js';
import { parsePolicy, type StockPolicy } from './policies.js';
import type { Channel, StockSource, StockTarget } from './ports.js';

/** config sync's raw sources and tier table, as platform/config read them. */
export interface SyncSettings {
  sources: Record<string, { channels: string[]; policy?: Record<string, unknown> }>;
  allocation: { tiers: TierInput[] };
}

export interface SourceSettings {
  /** The StockSource system's name in integrations.yaml. */
  name: string;
  channels: Channel[];
  /** The configured policy: in force until a manager approves a rule set for this source. */
  policy: StockPolicy;
}

/**
 * Parses the tier table and each source's policy (a source without one uses the tiers). Throws naming the key
 * (`sync.sources.<name>.policy.weights.<channel>: ...`); the config loader refuses the file with it.
 */
export function parseStockSources(sync: SyncSettings): SourceSettings[] {
  let tiers: AllocationTier[];
  try {
    tiers = parseTiers(sync.allocation.tiers);
  } catch (err) {
    throw new Error(`sync.allocation.tiers: ${(err as Error).message}`);
  }
  return Object.entries(sync.sources).map(([name, s]) => ({
    name,
    channels: s.channels,
    policy: s.policy ? parsePolicy(s.policy, `sync.sources.${name}.policy`, s.channels) : { kind: 'tiers', tiers },
  }));
}

/**
 * A channel with its system's connector. The channel id is the config's (a connector that serves several shops has
 * one connector per shop, and the engine never asks a connector which channel it is).
 */
export interface ChannelLink {
  channel: Channel;
  target: StockTarget;
}

/** A source as a run uses it: its settings, its built connector and its channels' connectors (in `channels` order). */
export interface StockSourceSetup extends SourceSettings {
  source: StockSource;
  links: ChannelLink[];
}

/** The configured sources, looked up by name or by channel. */
export class StockSources {
  private readonly byName: Map<string, StockSourceSetup>;

  constructor(readonly all: readonly StockSourceSetup[]) {
    this.byName = new Map(all.map((s) => [s.name, s]));
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** Every channel of every source. */
  get channels(): Channel[] {
    return this.all.flatMap((s) => s.channels);
  }

  /**
   * The source named, or the first configured when none is named (the manual's routine, `tsunagi sync`, is the first
   * source's); bad input (naming `argument`) when the name is unknown.
   */
  resolve(name: string | null | undefined, argument = 'source'): StockSourceSetup {
    if (name == null || name === '') return this.all[0]!;
    const found = this.byName.get(name);
    if (!found) throw new InvalidInputError(argument, `${argument}: unknown stock source "${name}"; sources: ${this.names.join(', ')}`);
    return found;
  }

  /** The source feeding a channel, and the channel's link. */
  ofChannel(channel: Channel): { setup: StockSourceSetup; link: ChannelLink } | undefined {
    for (const setup of this.all) {
      const link = setup.links.find((l) => l.channel === channel);
      if (link) return { setup, link };
    }
    return undefined;
  }
}

/** A source system's name as report lines show it: `amazon` → `Amazon` (the manual's "Amazon Inventory: …"). */
export const sourceLabel = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
