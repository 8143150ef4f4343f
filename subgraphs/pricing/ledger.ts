// How a price change reaches a shop: written PENDING before the call, settled APPLIED or FAILED after it, and the
// price table moved with the applied ones, in one transaction per batch. A crash between the two leaves PENDING
// rows saying exactly which calls may have reached the shop.
import type { Database } from '../../platform/db/index.js';
import { PriceRow } from './entities/price.js';
import { PriceChange } from './entities/price-change.js';
import type { PriceTarget } from './ports.js';

export interface PlannedChange {
  sku: string;
  channel: string;
  country: string;
  currency: string;
  before: number | null;
  after: number;
  reason: string;
}

export interface SentChange extends PlannedChange {
  id: number;
  ok: boolean;
  error: string | null;
}

/** Writes the changes as HELD (not sent), with why. */
export async function holdChanges(db: Database, runId: number, changes: (PlannedChange & { heldReason: string })[]): Promise<number[]> {
  if (changes.length === 0) return [];
  const em = db.em();
  const rows = changes.map((c) => em.create(PriceChange, { runId, ...c, status: 'HELD', at: new Date() }));
  await em.flush();
  return rows.map((r) => r.id);
}

/** Sends changes to one shop in batches of its size; the ledger says what happened to each. */
export async function sendChanges(db: Database, runId: number, target: PriceTarget, changes: PlannedChange[], approvedBy?: string): Promise<SentChange[]> {
  const sent: SentChange[] = [];
  for (let i = 0; i < changes.length; i += target.maxBatch) {
    const batch = changes.slice(i, i + target.maxBatch);
    const em = db.em();
    const now = new Date();
    const rows = batch.map((c) =>
      em.create(PriceChange, { runId, ...c, status: 'PENDING', approvedBy: approvedBy ?? null, approvedAt: approvedBy ? now : null, at: now }),
    );
    await em.flush();
    let results: Map<string, { ok: boolean; error?: string }>;
    try {
      results = new Map((await target.setPrices(batch.map((c) => ({ sku: c.sku, price: { amount: c.after, currency: c.currency } })))).map((r) => [r.sku, r]));
    } catch (err) {
      results = new Map(batch.map((c) => [c.sku, { ok: false, error: (err as Error).message }]));
    }
    await db.em().transactional(async (tx) => {
      for (const [j, c] of batch.entries()) {
        const r = results.get(c.sku) ?? { ok: false, error: `${target.channel} returned no result for ${c.sku}` };
        const error = r.ok ? null : (r.error ?? 'refused');
        await tx.nativeUpdate(PriceChange, { id: rows[j]!.id }, { status: r.ok ? 'APPLIED' : 'FAILED', error });
        if (r.ok) {
          await tx.upsert(PriceRow, { sku: c.sku, channel: c.channel, country: c.country, amount: c.after, currency: c.currency, updatedAt: new Date(), runId });
        }
        sent.push({ ...c, id: rows[j]!.id, ok: r.ok, error });
      }
    });
  }
  return sent;
}
