// A run that reads only what changed in its source (the changes since a watermark, a partial file): the changes on
// top of the source's last known figures, so that every SKU is still planned and every channel's drift corrected.
// The last known figures are the source's snapshot (the pseudo-channel named after the source system), which every
// run of the source and the real-time feed keep current.
import type { Database } from '../../../platform/db/index.js';
import type { SourceItem, StockSource } from '../ports.js';

const PAGE = 1000;

export function onTopOfLastFigures(db: Database, sourceSystem: string, changes: StockSource): StockSource {
  return {
    name: changes.name,
    async *pages(): AsyncGenerator<SourceItem[]> {
      // The changes are few (an hour's, a file's): held whole; the snapshot is paged through.
      const changed = new Map<string, number>();
      for await (const page of changes.pages()) for (const item of page) changed.set(item.sku, item.quantity);
      let after = '';
      for (;;) {
        const rows = await db.em().getConnection().execute<{ sku: string; quantity: number }[]>(
          'select sku, quantity from stock_snapshot where channel = ? and sku > ? order by sku limit ?',
          [sourceSystem, after, PAGE],
        );
        if (rows.length === 0) break;
        yield rows.map((r) => {
          const quantity = changed.get(r.sku) ?? r.quantity;
          changed.delete(r.sku);
          return { sku: r.sku, quantity };
        });
        after = rows[rows.length - 1]!.sku;
      }
      const fresh = [...changed].map(([sku, quantity]) => ({ sku, quantity }));
      for (let i = 0; i < fresh.length; i += PAGE) yield fresh.slice(i, i + PAGE);
    },
  };
}
