// Publishing the product master's data to the listing channels: after an import, every product the SKU master
// sells (active) that the PIM has enabled, whose category a market lists and that changed since it was last
// published there, is updated where the channel lists it (only the fields that differ from what was last sent) or
// created where it does not (with a price), in the market's language. Ledgered like stock: each
// change is written PENDING before the call and settled after it; a failed one stays due and is tried again by the
// next run.
import type { CatalogSection, MarketConfig } from '../../platform/config/index.js';
import type { Database } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { Money } from '../../platform/money.js';
import { LISTING_FIELDS, type ListingContent, type ListingField, type ListingPublishReport, type ListingTarget, type ListingWrite } from './ports.js';
import { canonical } from './products.js';

/** Products read per page of one channel. */
const PAGE = 500;
/** Failures a report names (its count covers all). */
const MAX_ERRORS_KEPT = 100;

export interface ListingPublisherDeps {
  db: Database;
  logger: Logger;
  markets: Record<string, MarketConfig>;
  categories: CatalogSection['categories'];
  targets: ListingTarget[];
  /** Each SKU's image variants for a channel's market, as media keys in display order. */
  images(skus: string[], channel: string): Promise<Map<string, string[]>>;
  /** A media key's bytes. */
  readImage(key: string): Promise<Buffer>;
  /** The price a new listing starts at in a channel's market; a string says why there is none. */
  quote(skus: string[], channel: string): Promise<Map<string, Money | string>>;
}

interface ProductRow {
  sku: string;
  name_ja: string | null;
  name_en: string | null;
  description_ja: string | null;
  description_en: string | null;
  brand: string | null;
  category_code: string;
  weight_grams: number | null;
  length_mm: number | null;
  width_mm: number | null;
  height_mm: number | null;
  changed_at: Date;
  sent: ListingContent | null;
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

export class ListingPublisher {
  private readonly targets: ListingTarget[];

  constructor(private readonly deps: ListingPublisherDeps) {
    this.targets = deps.targets.filter((t) => {
      if (deps.markets[t.channel]) return true;
      deps.logger.warn({ channel: t.channel }, `listings: ${t.channel} takes product data but is not in config markets; nothing is published there`);
      return false;
    });
  }

  /** Whether any channel takes product data. */
  get active(): boolean {
    return this.targets.length > 0;
  }

  /** Publishes what changed since the last publish, to every channel; changes are ledgered under `runId`. */
  async publish(runId: number): Promise<ListingPublishReport> {
    const report: ListingPublishReport = { created: 0, updated: 0, unchanged: 0, failed: 0, errors: [] };
    for (const target of this.targets) {
      const codes = Object.entries(this.deps.categories).filter(([, byMarket]) => Object.hasOwn(byMarket, target.channel)).map(([code]) => code);
      if (codes.length === 0) continue;
      for (let after = ''; ; ) {
        const rows = await this.due(target.channel, codes, after);
        if (rows.length === 0) break;
        after = rows.at(-1)!.sku;
        await this.publishPage(target, rows, runId, report);
      }
    }
    this.deps.logger.info({ listings: { ...report, errors: report.errors.slice(0, 5) } }, `listings published for run ${runId}: ${report.created} created, ${report.updated} updated, ${report.failed} failed`);
    return report;
  }

  /** Sold, enabled products of the listed categories that changed after their content was last sent to the channel (or never sent). */
  private due(channel: string, codes: string[], after: string): Promise<ProductRow[]> {
    return this.deps.db.em().execute<ProductRow[]>(
      `select p.sku, p.name_ja, p.name_en, p.description_ja, p.description_en, p.brand, p.category_code, p.weight_grams, p.length_mm, p.width_mm,
              p.height_mm, p.changed_at, l.content as sent
       from product p join sku_mapping m on m.sku = p.sku and m.is_active
            left join listing_content l on l.sku = p.sku and l.channel = ?
       where p.enabled and p.category_code in (select json_array_elements_text(?::json)) and p.sku > ?
         and (l.sku is null or l.product_changed_at < p.changed_at)
       order by p.sku limit ?`,
      [channel, JSON.stringify(codes), after, PAGE],
    );
  }

  private async publishPage(target: ListingTarget, rows: ProductRow[], runId: number, report: ListingPublishReport): Promise<void> {
    const channel = target.channel;
    const images = await this.deps.images(rows.map((r) => r.sku), channel);
    const contents = new Map<string, ListingContent>();
    for (const row of rows) {
      const content = this.content(row, channel, images.get(row.sku) ?? []);
      if (typeof content === 'string') this.fail(report, row.sku, channel, content);
      else contents.set(row.sku, content);
    }
    const fresh = rows.filter((r) => r.sent === null && contents.has(r.sku)).map((r) => r.sku);
    const listed = new Set<string>();
    for (let i = 0; i < fresh.length; i += target.maxBatch) for (const sku of await target.listed(fresh.slice(i, i + target.maxBatch))) listed.add(sku);
    const toCreate = fresh.filter((sku) => !listed.has(sku));
    const prices = toCreate.length ? await this.deps.quote(toCreate, channel) : new Map<string, Money | string>();

    const writes: ListingWrite[] = [];
    const unchanged: ProductRow[] = [];
    for (const row of rows) {
      const content = contents.get(row.sku);
      if (!content) continue;
      if (row.sent === null && !listed.has(row.sku)) {
        const price = prices.get(row.sku) ?? `no price for ${channel} from the pricing engine`;
        if (typeof price === 'string') this.fail(report, row.sku, channel, `not created: ${price}`);
        else writes.push({ sku: row.sku, action: 'CREATE', content, price });
        continue;
      }
      // A listing keeps its images until the DAM gives the product some for this market.
      const changed = LISTING_FIELDS.filter((f) => !(f === 'images' && content.images.length === 0) && (row.sent === null || !same(content[f], row.sent[f])));
      if (changed.length === 0) unchanged.push(row);
      else writes.push({ sku: row.sku, action: 'UPDATE', content, changed });
    }
    report.unchanged += unchanged.length;
    const byRow = new Map(rows.map((r) => [r.sku, r]));
    await this.remember(channel, unchanged.map((r) => ({ sku: r.sku, content: r.sent!, changedAt: r.changed_at })));
    for (let i = 0; i < writes.length; i += target.maxBatch) await this.send(target, writes.slice(i, i + target.maxBatch), byRow, runId, report);
  }

  /** One batch: ledgered PENDING, sent, settled; what the channel took is remembered as its content. */
  private async send(target: ListingTarget, batch: ListingWrite[], rows: Map<string, ProductRow>, runId: number, report: ListingPublishReport): Promise<void> {
    const em = this.deps.db.em();
    const ledger = batch.map((w) => {
      const sent = rows.get(w.sku)!.sent;
      const fields = w.action === 'CREATE' ? LISTING_FIELDS : w.changed;
      const entry: Record<string, { before: unknown; after: unknown }> = Object.fromEntries(fields.map((f: ListingField) => [f, { before: sent?.[f] ?? null, after: w.content[f] }]));
      if (w.action === 'CREATE') entry.price = { before: null, after: w.price };
      return { run_id: runId, sku: w.sku, channel: target.channel, action: w.action, fields: entry };
    });
    const inserted = await em.execute<{ id: string; sku: string }[]>(
      `insert into listing_change (run_id, sku, channel, action, fields, status, at)
       select x.run_id, x.sku, x.channel, x.action, x.fields, 'PENDING', now() from json_to_recordset(?::json) as x(run_id int, sku text, channel text, action text, fields jsonb)
       returning id, sku`,
      [JSON.stringify(ledger)],
    );
    const ids = new Map(inserted.map((r) => [r.sku, Number(r.id)]));
    let results;
    try {
      results = await target.write(batch, this.deps.readImage);
    } catch (err) {
      results = batch.map((w) => ({ sku: w.sku, ok: false, error: (err as Error).message }));
    }
    const outcome = new Map(results.map((r) => [r.sku, r]));
    const settled = batch.map((w) => {
      const r = outcome.get(w.sku) ?? { ok: false, error: `${target.channel} gave no answer for ${w.sku}` };
      return { id: ids.get(w.sku)!, status: r.ok ? 'APPLIED' : 'FAILED', error: r.ok ? null : (r.error ?? 'refused') };
    });
    await em.execute(
      `update listing_change c set status = x.status, error = x.error from json_to_recordset(?::json) as x(id bigint, status text, error text) where c.id = x.id`,
      [JSON.stringify(settled)],
    );
    const applied: { sku: string; content: ListingContent; changedAt: Date }[] = [];
    batch.forEach((w, i) => {
      if (settled[i]!.status === 'APPLIED') {
        if (w.action === 'CREATE') report.created++;
        else report.updated++;
        const sent = rows.get(w.sku)!.sent;
        // Images not sent (none made yet) stay as the channel had them.
        applied.push({ sku: w.sku, content: w.action === 'UPDATE' && sent && !w.changed.includes('images') ? { ...w.content, images: sent.images } : w.content, changedAt: rows.get(w.sku)!.changed_at });
      } else this.fail(report, w.sku, target.channel, settled[i]!.error!);
    });
    await this.remember(target.channel, applied);
  }

  private async remember(channel: string, entries: { sku: string; content: ListingContent; changedAt: Date }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.deps.db.em().execute(
      `insert into listing_content (sku, channel, content, product_changed_at, published_at)
       select x.sku, ?, x.content, x.changed_at, now() from json_to_recordset(?::json) as x(sku text, content jsonb, changed_at timestamptz)
       on conflict (sku, channel) do update set content = excluded.content, product_changed_at = excluded.product_changed_at, published_at = excluded.published_at`,
      [channel, JSON.stringify(entries.map((e) => ({ sku: e.sku, content: e.content, changed_at: e.changedAt })))],
    );
  }

  /** The listing's content in the market's language; a string names what the product lacks. */
  private content(row: ProductRow, channel: string, images: string[]): ListingContent | string {
    const market = this.deps.markets[channel]!;
    const title = market.language === 'ja' ? row.name_ja : row.name_en;
    if (!title) return `the PIM has no name_${market.language} (${channel} lists in ${market.language === 'ja' ? 'Japanese' : 'English'})`;
    const dims = row.length_mm === null || row.width_mm === null || row.height_mm === null ? null : { length: row.length_mm, width: row.width_mm, height: row.height_mm };
    return {
      title, description: market.language === 'ja' ? row.description_ja : row.description_en, categoryId: this.deps.categories[row.category_code]![channel]!,
      brand: row.brand, weightGrams: row.weight_grams, dimensionsMm: dims, images,
    };
  }

  private fail(report: ListingPublishReport, sku: string, channel: string, error: string): void {
    report.failed++;
    if (report.errors.length < MAX_ERRORS_KEPT) report.errors.push({ sku, channel, error });
  }
}
