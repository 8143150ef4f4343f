// Stock policies: how the channels that share one source get their quantities. `tiers` is the operations
// manual's table (every channel gets the tier's share); `split` divides the source by weights; `shared` shows
// every channel the source less a safety buffer. Pure functions: the planner calls them, tests call them directly.
import { z } from 'zod';
import { allocate, parseTiers, type AllocationTier } from './allocation.js';

export type StockPolicy =
  | { kind: 'tiers'; tiers: AllocationTier[] }
  /** Whole-number weights by channel id; each share is rounded down, so the channels never hold more than the source. */
  | { kind: 'split'; weights: Record<string, number> }
  /** Units held back from every channel (each channel alone could still sell source − buffer). */
  | { kind: 'shared'; buffer: number };

const tierInput = z.object({ min: z.number(), max: z.number().optional(), share: z.union([z.number(), z.string()]) }).strict();
const policyInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tiers'), tiers: z.array(tierInput).min(1) }).strict(),
  z
    .object({
      kind: z.literal('split'),
      weights: z.record(z.string().min(1), z.number().int('must be a whole number').min(0)),
    })
    .strict()
    .refine((p) => Object.values(p.weights).some((w) => w > 0), { message: 'at least one weight must be above 0', path: ['weights'] }),
  z.object({ kind: z.literal('shared'), buffer: z.number().int('must be a whole number').min(0) }).strict(),
]);

export type StockPolicyInput = z.input<typeof policyInput>;

/**
 * Validates a policy from config or a proposal; the message names the key that is wrong. With `channels` (the
 * source's), a split weight for any other channel is refused: the source does not feed it.
 */
export function parsePolicy(input: unknown, where: string, channels?: readonly string[]): StockPolicy {
  const result = policyInput.safeParse(input);
  if (!result.success) {
    const i = result.error.issues[0];
    throw new Error(`${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
  }
  const p = result.data;
  if (p.kind === 'split' && channels) {
    const stranger = Object.keys(p.weights).find((c) => !channels.includes(c));
    if (stranger !== undefined) throw new Error(`${where}.weights.${stranger}: not a channel of this source (its channels: ${channels.join(', ')})`);
  }
  if (p.kind === 'tiers') {
    try {
      return { kind: 'tiers', tiers: parseTiers(p.tiers as Parameters<typeof parseTiers>[0]) };
    } catch (err) {
      throw new Error(`${where}.tiers: ${(err as Error).message}`);
    }
  }
  return p;
}

/** The quantity each channel gets from a source quantity. Channels a split policy gives no weight get 0. */
export function allocateByPolicy(policy: StockPolicy, source: number, channels: readonly string[]): Map<string, number> {
  const quantity = Number.isSafeInteger(source) && source > 0 ? source : 0;
  const out = new Map<string, number>();
  switch (policy.kind) {
    case 'tiers':
      for (const c of channels) out.set(c, allocate(quantity, policy.tiers));
      break;
    case 'shared':
      for (const c of channels) out.set(c, Math.max(0, quantity - policy.buffer));
      break;
    case 'split': {
      // The total is over every weighted channel, so leaving one out of `channels` never inflates the others.
      const total = Object.values(policy.weights).reduce((a, b) => a + b, 0);
      for (const c of channels) out.set(c, Math.floor((quantity * (policy.weights[c] ?? 0)) / total));
      break;
    }
  }
  return out;
}
