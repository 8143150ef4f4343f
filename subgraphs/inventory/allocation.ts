// Allocation tiers (the operations manual's table): which share of its source's quantity each channel receives.
// Shares are kept as exact fractions so that 9 × 1/3 is 3, not 2.9997 rounded down to 2. Config keeps the raw
// table (TierInput); this module parses it.

export interface AllocationTier {
  min: number;
  /** Inclusive upper bound; undefined means "and above". */
  max?: number;
  numerator: number;
  denominator: number;
}

export interface TierInput {
  min: number;
  max?: number;
  share: number | string;
}

function parseShare(share: number | string, where: string): { numerator: number; denominator: number } {
  let numerator: number;
  let denominator: number;
  if (typeof share === 'number') {
    // Decimal shares become a fraction over 10^6, exact enough for "0.25" style input.
    denominator = 1_000_000;
    numerator = Math.round(share * denominator);
  } else {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(share) ?? /^\s*(\d*\.?\d+)\s*$/.exec(share);
    if (!m) throw new Error(`${where}: share "${share}" is not a fraction like "1/4" or a number like 0.25`);
    if (m[2] !== undefined) {
      numerator = Number(m[1]);
      denominator = Number(m[2]);
    } else {
      denominator = 1_000_000;
      numerator = Math.round(Number(m[1]) * denominator);
    }
  }
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator <= 0) {
    throw new Error(`${where}: share "${share}" has no valid denominator`);
  }
  if (numerator < 0 || numerator > denominator) throw new Error(`${where}: share "${share}" is outside 0..1`);
  return { numerator, denominator };
}

/** Validates a tier table: it must cover every quantity from 0 up without gaps or overlaps. */
export function parseTiers(input: TierInput[]): AllocationTier[] {
  if (input.length === 0) throw new Error('at least one tier is required');
  const tiers = input
    .map((t, i) => {
      const where = `tier ${i + 1} (min ${t.min}${t.max !== undefined ? `, max ${t.max}` : ''})`;
      if (!Number.isInteger(t.min) || t.min < 0) throw new Error(`${where}: min must be a whole number >= 0`);
      if (t.max !== undefined && (!Number.isInteger(t.max) || t.max < t.min)) {
        throw new Error(`${where}: max must be a whole number >= min`);
      }
      return { min: t.min, max: t.max, ...parseShare(t.share, where) };
    })
    .sort((a, b) => a.min - b.min);
  if (tiers[0].min !== 0) throw new Error(`gap: quantities 0..${tiers[0].min - 1} have no tier`);
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i];
    const next = tiers[i + 1];
    if (!next) {
      if (t.max !== undefined) throw new Error(`gap: quantities above ${t.max} have no tier`);
      break;
    }
    if (t.max === undefined) throw new Error(`overlap: the tier from ${t.min} has no max but another tier starts at ${next.min}`);
    if (next.min <= t.max) throw new Error(`overlap: tiers from ${t.min} and from ${next.min} both cover ${next.min}`);
    if (next.min > t.max + 1) throw new Error(`gap: quantities ${t.max + 1}..${next.min - 1} have no tier`);
  }
  return tiers;
}

/** The tier covering a quantity. */
export function tierFor(quantity: number, tiers: AllocationTier[]): AllocationTier | undefined {
  return tiers.find((t) => quantity >= t.min && (t.max === undefined || quantity <= t.max));
}

/** Quantity a mall receives for a given source quantity: the tier's share, always rounded down. */
export function allocate(quantity: number, tiers: AllocationTier[]): number {
  if (!Number.isInteger(quantity) || quantity <= 0) return 0;
  const tier = tierFor(quantity, tiers);
  if (!tier) return 0;
  return Math.floor((quantity * tier.numerator) / tier.denominator);
}

export function formatShare(t: AllocationTier): string {
  return `${t.numerator}/${t.denominator}`;
}
