import { allocateByPolicy, parsePolicy } from './policies.js';

const MANUAL = [
  { min: 20, share: '1/5' }, { min: 10, max: 19, share: '1/4' }, { min: 6, max: 9, share: '1/3' },
  { min: 1, max: 5, share: '1/2' }, { min: 0, max: 0, share: '0/1' },
];
const SHOPS = ['shopee:SG', 'shopee:MY', 'shopee:TH', 'shopee:TW', 'shopee:PH', 'shopee:VN', 'shopee:BR'];

describe('stock policies', () => {
  it.each([
    [0, 0], [1, 0], [2, 1], [3, 1], [5, 2], [6, 2], [7, 2], [8, 2], [9, 3], [10, 2], [15, 3], [19, 4], [20, 4], [40, 8], [100, 20],
  ])('tiers: source %i gives every channel %i (the manual table at each boundary)', (q, each) => {
    const got = allocateByPolicy(parsePolicy({ kind: 'tiers', tiers: MANUAL }, 'p'), q, ['yahoo', 'rakuten']);
    expect([...got.values()]).toEqual([each, each]);
  });

  it('split: weights rounded down, and the channels together never hold more than the source', () => {
    const policy = parsePolicy({ kind: 'split', weights: { 'shopee:SG': 3, 'shopee:MY': 2, 'shopee:TH': 1, 'shopee:TW': 1, 'shopee:PH': 1, 'shopee:VN': 1, 'shopee:BR': 1 } }, 'p');
    expect(Object.fromEntries(allocateByPolicy(policy, 100, SHOPS))).toEqual({
      'shopee:SG': 30, 'shopee:MY': 20, 'shopee:TH': 10, 'shopee:TW': 10, 'shopee:PH': 10, 'shopee:VN': 10, 'shopee:BR': 10,
    });
    expect(Object.fromEntries(allocateByPolicy(policy, 7, SHOPS))).toEqual({
      'shopee:SG': 2, 'shopee:MY': 1, 'shopee:TH': 0, 'shopee:TW': 0, 'shopee:PH': 0, 'shopee:VN': 0, 'shopee:BR': 0,
    });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 2000; round++) {
      const weights = Object.fromEntries(SHOPS.map((s) => [s, Math.floor(random() * 50)]));
      weights['shopee:SG'] += 1;
      const source = Math.floor(random() * 10_000);
      const got = [...allocateByPolicy(parsePolicy({ kind: 'split', weights }, 'p'), source, SHOPS).values()];
      expect(got.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(source);
      expect(got.every((q) => Number.isInteger(q) && q >= 0)).toBe(true);
    }
  });

  it('split: a channel without weight gets 0 and leaving a weighted channel out does not give the others more', () => {
    const policy = parsePolicy({ kind: 'split', weights: { a: 1, b: 1 } }, 'p');
    expect(Object.fromEntries(allocateByPolicy(policy, 11, ['a', 'c']))).toEqual({ a: 5, c: 0 });
  });

  it('shared: every channel sees the source less the buffer, never below 0', () => {
    const policy = parsePolicy({ kind: 'shared', buffer: 3 }, 'p');
    expect(Object.fromEntries(allocateByPolicy(policy, 10, ['a', 'b']))).toEqual({ a: 7, b: 7 });
    expect(Object.fromEntries(allocateByPolicy(policy, 2, ['a']))).toEqual({ a: 0 });
    expect(Object.fromEntries(allocateByPolicy(policy, -5, ['a']))).toEqual({ a: 0 });
  });

  it.each([
    [{ kind: 'even' }, /policies.wms.kind: /],
    [{ kind: 'split', weights: { a: 0 } }, /policies.wms.weights: at least one weight must be above 0/],
    [{ kind: 'split', weights: { a: 1.5 } }, /policies.wms.weights.a: must be a whole number/],
    [{ kind: 'shared', buffer: -1 }, /policies.wms.buffer: /],
    [{ kind: 'shared', buffer: 1, extra: 2 }, /policies.wms: .*extra/],
    [{ kind: 'tiers', tiers: [{ min: 1, share: '1/2' }] }, /policies.wms.tiers: gap: quantities 0..0 have no tier/],
  ])('refuses %j naming the key', (input, message) => {
    expect(() => parsePolicy(input, 'policies.wms')).toThrow(message);
  });
});
