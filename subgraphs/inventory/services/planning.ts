// Sync planning: what each channel should hold, and which changes that takes. Pure: no database, no network; the
// run feeds it what the source and the channels reported, a page at a time.
import type { ListingCodes } from '../../catalog/service.js';
import { allocateByPolicy, type StockPolicy } from '../policies.js';
import type { Channel } from '../ports.js';

export interface ChannelSummary {
  updates: number;
  failed: number;
  unchanged: number;
  /** Mapped SKUs whose code the channel has no listing for: never created by a sync. */
  notListed: number;
}

export interface StockChange {
  channel: Channel;
  sku: string;
  code: string;
  before: number | null;
  after: number;
}

/** The quantity one listing should hold. */
export interface Wanted {
  sku: string;
  code: string;
  after: number;
}

export interface SourcePlan {
  /** Active, mapped SKUs the source reported, with their source quantity. */
  mapped: { sku: string; quantity: number }[];
  /** Per channel, in `channels` order: what each of its listings should hold. */
  wanted: Wanted[][];
  skipped: { inactive: number; unmapped: number };
  /** Of `mapped`, the SKUs listed on at least one of the channels (the run counts those the source did not report). */
  listed: number;
}

/**
 * Allocates every active, mapped SKU of a page of the source to the channels it is listed on, by the policy.
 * `mappings` needs to hold only the page's SKUs. A channel that `listsBySku` (same order as `channels`) takes the
 * SKU itself where the master names no code for it.
 */
export function planFromSource(
  source: Map<string, number>,
  mappings: Map<string, { isActive: boolean; listings: ListingCodes }>,
  policy: StockPolicy,
  channels: readonly Channel[],
  listsBySku: readonly boolean[] = [],
): SourcePlan {
  const plan: SourcePlan = { mapped: [], wanted: channels.map(() => []), skipped: { inactive: 0, unmapped: 0 }, listed: 0 };
  for (const [sku, quantity] of source) {
    const m = mappings.get(sku);
    if (!m) plan.skipped.unmapped++;
    else if (!m.isActive) plan.skipped.inactive++;
    else {
      plan.mapped.push({ sku, quantity });
      const allocated = allocateByPolicy(policy, quantity, channels);
      let listed = false;
      channels.forEach((channel, i) => {
        const code = m.listings[channel] ?? (listsBySku[i] ? sku : undefined);
        if (code) plan.wanted[i]!.push({ sku, code, after: allocated.get(channel)! });
        listed ||= Boolean(code);
      });
      if (listed) plan.listed++;
    }
  }
  return plan;
}

/**
 * Compares what a channel holds (`current`, null or absent: no such listing) with what it should hold: the
 * changes to send, what was seen (for the snapshots), and the channel's counts.
 */
export function compareChannel(channel: Channel, wanted: Wanted[], current: Map<string, number | null>) {
  const summary: ChannelSummary = { updates: 0, failed: 0, unchanged: 0, notListed: 0 };
  const changes: StockChange[] = [];
  const seen: { sku: string; code: string; quantity: number }[] = [];
  for (const w of wanted) {
    const before = current.get(w.code);
    if (before === null || before === undefined) summary.notListed++;
    else if (before === w.after) summary.unchanged++;
    else changes.push({ channel, sku: w.sku, code: w.code, before, after: w.after });
    if (before !== null && before !== undefined) seen.push({ sku: w.sku, code: w.code, quantity: before });
  }
  summary.updates = changes.length;
  return { changes, seen, summary };
}
