import { Guardrails } from './guardrails.js';

const markets = {
  'shopee:SG': { country: 'SG', currency: 'SGD', priceDecimals: 2, language: 'en' as const, imageRule: 'shopee' },
  'shopee:TW': { country: 'TW', currency: 'TWD', priceDecimals: 0, language: 'en' as const, imageRule: 'shopee' },
};
const rails = new Guardrails(
  { maxChangePercent: 20, guardrails: [{ sku: 'A', market: 'shopee:SG', floor: '20.00', ceiling: '200' }, { sku: 'A', market: 'shopee:TW', ceiling: '500' }] },
  markets,
);
const sg = (before: number | null, after: number) => rails.heldReason({ sku: 'A', channel: 'shopee:SG', currency: 'SGD', before, after });

describe('Guardrails', () => {
  it('holds a price below the floor or above the ceiling of its SKU and market', () => {
    expect(sg(null, 1999)).toBe('below the floor of 20.00 SGD for A in shopee:SG');
    expect(sg(null, 2000)).toBeNull();
    expect(sg(null, 20001)).toBe('above the ceiling of 200.00 SGD for A in shopee:SG');
    expect(rails.heldReason({ sku: 'A', channel: 'shopee:TW', currency: 'TWD', before: null, after: 50100 })).toBe('above the ceiling of 500 TWD for A in shopee:TW');
    // Another SKU has no bounds.
    expect(rails.heldReason({ sku: 'B', channel: 'shopee:SG', currency: 'SGD', before: null, after: 1 })).toBeNull();
  });

  it('holds a change larger than the largest change a run may make; a first price has none', () => {
    expect(sg(5000, 6000)).toBeNull();
    expect(sg(5000, 6001)).toBe('a change of 20.02 % (50.00 SGD → 60.01 SGD), more than the 20 % a run may make');
    expect(sg(5000, 3999)).toMatch(/^a change of 20\.02 %/);
    expect(rails.heldReason({ sku: 'B', channel: 'shopee:TW', currency: 'TWD', before: 10000, after: 15000 })).toBe('a change of 50.00 % (100 TWD → 150 TWD), more than the 20 % a run may make');
  });
});
