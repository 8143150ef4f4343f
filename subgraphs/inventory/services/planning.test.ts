// Sync planning without a database: allocation by policy, skip counts, and the comparison with what channels hold.
import { compareChannel, planFromSource } from './planning.js';
import { parsePolicy } from '../policies.js';

const tiers = parsePolicy({ kind: 'tiers', tiers: [{ min: 0, max: 0, share: 0 }, { min: 1, max: 9, share: '1/2' }, { min: 10, share: '1/5' }] }, 'test');

describe('planFromSource', () => {
  const mappings = new Map<string, { isActive: boolean; listings: Record<string, string> }>([
    ['A', { isActive: true, listings: { yahoo: 'Y-A', rakuten: 'r-a' } }],
    ['B', { isActive: true, listings: { rakuten: 'r-b' } }],
    ['OFF', { isActive: false, listings: { yahoo: 'Y-OFF' } }],
    ['GONE', { isActive: true, listings: { yahoo: 'Y-GONE' } }],
    ['ELSEWHERE', { isActive: true, listings: { outlet: 'o-elsewhere' } }],
  ]);

  it('allocates active mapped SKUs to the channels they are listed on, counting every skip', () => {
    const source = new Map([['A', 20], ['B', 5], ['OFF', 30], ['NEW', 8], ['ELSEWHERE', 3]]);
    const plan = planFromSource(source, mappings, tiers, ['yahoo', 'rakuten']);
    expect(plan.mapped).toEqual([{ sku: 'A', quantity: 20 }, { sku: 'B', quantity: 5 }, { sku: 'ELSEWHERE', quantity: 3 }]);
    expect(plan.wanted).toEqual([
      [{ sku: 'A', code: 'Y-A', after: 4 }],
      [{ sku: 'A', code: 'r-a', after: 4 }, { sku: 'B', code: 'r-b', after: 2 }],
    ]);
    expect(plan.skipped).toEqual({ inactive: 1, unmapped: 1 });
    // Mapped and listed on one of these channels: what the run compares with the master's count of such SKUs.
    expect(plan.listed).toBe(2);
  });

  it('gives each channel its own share under a split policy, never more than the source together', () => {
    const split = parsePolicy({ kind: 'split', weights: { yahoo: 2, rakuten: 1 } }, 'test');
    const plan = planFromSource(new Map([['A', 10]]), mappings, split, ['yahoo', 'rakuten']);
    expect(plan.wanted.map((w) => w.map((x) => x.after))).toEqual([[6], [3]]);
  });

  it('sends a SKU under the SKU itself to a channel that lists by SKU, where the master names no code', () => {
    const split = parsePolicy({ kind: 'split', weights: { 'shop:A': 1, 'shop:B': 1, yahoo: 1 } }, 'test');
    const plan = planFromSource(new Map([['A', 7], ['B', 3]]), mappings, split, ['shop:A', 'shop:B', 'yahoo'], [true, true, false]);
    expect(plan.wanted).toEqual([
      [{ sku: 'A', code: 'A', after: 2 }, { sku: 'B', code: 'B', after: 1 }],
      [{ sku: 'A', code: 'A', after: 2 }, { sku: 'B', code: 'B', after: 1 }],
      [{ sku: 'A', code: 'Y-A', after: 2 }],
    ]);
  });
});

describe('compareChannel', () => {
  it('sends only real changes, counts unchanged and unlisted codes, and records what it saw', () => {
    const wanted = [{ sku: 'A', code: 'a', after: 4 }, { sku: 'B', code: 'b', after: 2 }, { sku: 'C', code: 'c', after: 1 }, { sku: 'D', code: 'd', after: 1 }];
    const current = new Map<string, number | null>([['a', 9], ['b', 2], ['c', null]]);
    const { changes, seen, summary } = compareChannel('yahoo', wanted, current);
    expect(changes).toEqual([{ channel: 'yahoo', sku: 'A', code: 'a', before: 9, after: 4 }]);
    expect(seen).toEqual([{ sku: 'A', code: 'a', quantity: 9 }, { sku: 'B', code: 'b', quantity: 2 }]);
    expect(summary).toEqual({ updates: 1, failed: 0, unchanged: 1, notListed: 2 });
  });
});
