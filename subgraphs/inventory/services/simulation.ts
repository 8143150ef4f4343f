// Allocation previews: what a source's policy in force gives its channels, for typed quantities or for the source's
// current inventory (streamed page by page). Reads the source; changes nothing.
import type { CatalogService } from '../../catalog/service.js';
import { tierFor, type AllocationTier } from '../allocation.js';
import { allocateByPolicy } from '../policies.js';
import type { Channel, SourceItem } from '../ports.js';
import type { AllocationRules } from '../rules.js';
import type { StockSources } from '../sources.js';

/** Source items looked up in the SKU master together. */
const LOOKUP_PAGE = 1000;

export interface SimulatedAllocation {
  quantity: number;
  /** What the source's first channel gets. */
  allocated: number;
  /** What each of the source's channels gets. */
  channels: Record<Channel, number>;
  tier: AllocationTier | null;
}

/** What each channel of a source would get for one SKU of its current inventory (null: inactive or not listed there). */
export interface SkuPreview {
  sku: string;
  sourceQuantity: number;
  allocations: Partial<Record<Channel, number | null>>;
}

export class SimulationService {
  constructor(private readonly deps: { catalog: CatalogService; sources: StockSources; rules: AllocationRules }) {}

  /** Per quantity, what each channel gets (`tier`: the tier that applied, under a tiers policy). */
  async allocate(source: string, quantities: number[]): Promise<SimulatedAllocation[]> {
    const setup = this.deps.sources.resolve(source);
    const { policy, tiers } = await this.deps.rules.current(setup.name);
    return quantities.map((quantity) => {
      const allocated = allocateByPolicy(policy, quantity, setup.channels);
      return { quantity, allocated: allocated.get(setup.channels[0]!) ?? 0, channels: Object.fromEntries(allocated), tier: tierFor(quantity, tiers) ?? null };
    });
  }

  /** Per SKU of the source's current inventory, what each of its channels would get; LOOKUP_PAGE SKUs at a time. */
  async *current(source: string): AsyncGenerator<SkuPreview[]> {
    const setup = this.deps.sources.resolve(source);
    const { policy } = await this.deps.rules.current(setup.name);
    const preview = async (items: SourceItem[]): Promise<SkuPreview[]> => {
      const mappings = await this.deps.catalog.syncMappings(items.map((item) => item.sku));
      return items.map((item) => {
        const m = mappings.get(item.sku);
        const allocated = allocateByPolicy(policy, item.quantity, setup.channels);
        const allocations: Partial<Record<Channel, number | null>> = {};
        for (const channel of setup.channels) allocations[channel] = m?.isActive && m.listings[channel] ? allocated.get(channel)! : null;
        return { sku: item.sku, sourceQuantity: item.quantity, allocations };
      });
    };
    let pending: SourceItem[] = [];
    for await (const page of setup.source.pages()) {
      pending.push(...page);
      if (pending.length >= LOOKUP_PAGE) {
        yield await preview(pending);
        pending = [];
      }
    }
    if (pending.length > 0) yield await preview(pending);
  }

  /** One page of current(), for SKUs containing `sku` (any case); only that page is kept while the source is read. */
  async currentPage(opts: { source: string; sku?: string; first: number; offset: number }): Promise<{ total: number; items: SkuPreview[] }> {
    const needle = opts.sku?.toLowerCase();
    const items: SkuPreview[] = [];
    let total = 0;
    for await (const page of this.current(opts.source)) {
      for (const row of page) {
        if (needle && !row.sku.toLowerCase().includes(needle)) continue;
        if (total >= opts.offset && items.length < opts.first) items.push(row);
        total++;
      }
    }
    return { total, items };
  }
}
