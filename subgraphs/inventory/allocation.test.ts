import { allocate, parseTiers } from './allocation.js';

const manual = parseTiers([
  { min: 20, share: '1/5' },
  { min: 10, max: 19, share: '1/4' },
  { min: 6, max: 9, share: '1/3' },
  { min: 1, max: 5, share: '1/2' },
  { min: 0, max: 0, share: '0/1' },
]);

describe('allocation tiers', () => {
  it.each([
    [0, 0], [1, 0], [2, 1], [5, 2], [6, 2], [9, 3], [10, 2], [19, 4], [20, 4], [24, 4], [25, 5], [100, 20],
  ])('quantity %i gets %i', (q, expected) => {
    expect(allocate(q, manual)).toBe(expected);
  });

  it('treats negative or fractional quantities as nothing to allocate', () => {
    expect(allocate(-3, manual)).toBe(0);
    expect(allocate(2.5, manual)).toBe(0);
  });

  it('rejects a gap', () => {
    expect(() => parseTiers([{ min: 0, max: 4, share: '1/2' }, { min: 6, share: '1/5' }])).toThrow(/gap: quantities 5..5/);
  });

  it('rejects an overlap', () => {
    expect(() => parseTiers([{ min: 0, max: 10, share: '1/2' }, { min: 8, share: '1/5' }])).toThrow(/overlap/);
  });

  it('rejects a share outside 0..1', () => {
    expect(() => parseTiers([{ min: 0, share: '3/2' }])).toThrow(/outside 0..1/);
    expect(() => parseTiers([{ min: 0, share: -0.5 }])).toThrow(/outside 0..1|not a fraction/);
  });

  it('rejects a table that does not start at 0 or ends with a max', () => {
    expect(() => parseTiers([{ min: 1, share: '1/2' }])).toThrow(/gap: quantities 0..0/);
    expect(() => parseTiers([{ min: 0, max: 5, share: '1/2' }])).toThrow(/above 5/);
  });
});
