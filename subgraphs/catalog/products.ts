// The catalog's product data: what the product master (PIM) says about each SKU, imported from its API (full or
// incremental from a stored watermark) or from its export file (all or nothing). Other modules read it through
// this file only.
import { createHash } from 'node:crypto';
import type { AuditPort } from '../../platform/audit.js';
import { newHolder, releaseLease, tryAcquireLease } from '../../platform/db/lease.js';
import type { Database, EntityManager } from '../../platform/db/index.js';
import { AppError, InvalidInputError } from '../../platform/errors.js';
import type { CatalogSection, MarketConfig } from '../../platform/config/index.js';
import type { Logger } from '../../platform/log/index.js';
import { ProductImportRun, type ProductImportMode } from './entities/product-import-run.js';
import type { ListingPublisher } from './listing-publisher.js';
import type { ImportRequest, InvalidProduct, ProductImport, ProductImportReport, ProductRecord, ProductSource } from './ports.js';

/** Another import from the same system is running (in any process): CONFLICT. */
export class ProductImportBusyError extends AppError {
  readonly code = 'CONFLICT';
  override readonly name = 'ProductImportBusyError';
}

/** A product's data as the catalog holds it. */
export interface ProductData {
  sku: string;
  enabled: boolean;
  nameJa: string | null;
  nameEn: string | null;
  description: { ja: string | null; en: string | null };
  brand: string | null;
  categoryCode: string | null;
  categories: string[];
  attributes: Record<string, unknown>;
  imageRefs: string[];
  weightGrams: number | null;
  dimensionsMm: { length: number; width: number; height: number } | null;
  /** When the PIM last changed it. */
  updatedAt: Date;
  /** When Tsunagi stored this version. */
  changedAt: Date;
}

export interface MarketCategory {
  channel: string;
  country: string;
  categoryId: number;
}

/** Statement size for upserts: well inside PostgreSQL's limits. */
const CHUNK = 1000;
/** Invalid products named in a run's report. */
const MAX_ERRORS_KEPT = 100;
/** An import holds its lease this long at most; a crashed one frees it after that. */
const LEASE_MS = 60 * 60_000;

interface Row {
  sku: string;
  enabled: boolean;
  name_ja: string | null;
  name_en: string | null;
  description_ja: string | null;
  description_en: string | null;
  brand: string | null;
  category_code: string | null;
  categories: string[];
  attributes: Record<string, unknown>;
  image_refs: string[];
  weight_grams: number | null;
  length_mm: number | null;
  width_mm: number | null;
  height_mm: number | null;
  source_updated_at: string | null;
  content_hash: string;
}

/** JSON with object keys sorted, so that equal data hashes equally whatever order the source sent it in. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export class ProductCatalog implements ProductImport {
  constructor(
    private readonly deps: {
      db: Database;
      auditTrail: AuditPort;
      logger: Logger;
      categories: CatalogSection['categories'];
      markets: Record<string, MarketConfig>;
      /** Publishes imported changes to the listing channels (none configured: nothing is published). */
      publisher?: ListingPublisher;
    },
  ) {}

  async importFromSource(source: ProductSource, req: ImportRequest & { mode: 'FULL' | 'INCREMENTAL' }): Promise<ProductImportReport> {
    return this.exclusive(req.system, async () => {
      const since = req.mode === 'INCREMENTAL' ? await this.watermark(req.system) : null;
      const report = await this.startRun(req, req.mode, since);
      let maxUpdated: Date | null = null;
      let listingStart: Date | null | undefined;
      try {
        for await (const page of source.products({ updatedSince: since })) {
          if (listingStart === undefined) listingStart = page.serverTime;
          this.addInvalid(report, page.invalid);
          for (const r of page.records) if (r.updatedAt && (!maxUpdated || r.updatedAt > maxUpdated)) maxUpdated = r.updatedAt;
          await this.store(page.records, report);
        }
        // A product changed while the listing ran may have been passed already: never start the next run later
        // than the listing's own start, by the source's clock.
        const latest = maxUpdated && listingStart && listingStart < maxUpdated ? listingStart : (maxUpdated ?? listingStart ?? null);
        report.watermark = latest && since && latest < since ? since : (latest ?? since);
        report.status = report.invalid > 0 ? 'PARTIAL' : 'SUCCESS';
        await this.publish(report);
      } catch (err) {
        report.status = 'FAILED';
        report.errorSummary = (err as Error).message;
        await this.finishRun(report);
        throw err;
      }
      await this.finishRun(report);
      return report;
    });
  }

  async importFile(records: ProductRecord[], req: ImportRequest & { fileName: string }): Promise<ProductImportReport> {
    const seen = new Set<string>();
    for (const r of records) {
      if (seen.has(r.sku)) throw new InvalidInputError('file', `${req.fileName}: the SKU ${r.sku} appears twice; nothing was imported`);
      seen.add(r.sku);
    }
    return this.exclusive(req.system, async () => {
      const report = await this.startRun(req, 'FILE', null, req.fileName);
      try {
        // All or nothing: one transaction for the whole file.
        await this.deps.db.em().transactional(async (em) => {
          for (let i = 0; i < records.length; i += CHUNK) await this.store(records.slice(i, i + CHUNK), report, em);
        });
        report.status = 'SUCCESS';
      } catch (err) {
        report.status = 'FAILED';
        report.created = report.updated = report.unchanged = 0;
        report.errorSummary = (err as Error).message;
        await this.finishRun(report);
        throw err;
      }
      await this.publish(report);
      await this.finishRun(report);
      return report;
    });
  }

  /** The product data of the given SKUs; SKUs the catalog has none for are absent. */
  async get(skus: string[]): Promise<Map<string, ProductData>> {
    if (skus.length === 0) return new Map();
    const rows = await this.deps.db.em().execute<(Omit<Row, 'source_updated_at' | 'content_hash'> & { source_updated_at: Date; changed_at: Date })[]>(
      `select sku, enabled, name_ja, name_en, description_ja, description_en, brand, category_code, categories, attributes, image_refs,
              weight_grams, length_mm, width_mm, height_mm, source_updated_at, changed_at
       from product where sku in (select json_array_elements_text(?::json))`,
      [JSON.stringify([...new Set(skus)])],
    );
    return new Map(
      rows.map((r) => [
        r.sku,
        {
          sku: r.sku, enabled: r.enabled, nameJa: r.name_ja, nameEn: r.name_en, description: { ja: r.description_ja, en: r.description_en },
          brand: r.brand, categoryCode: r.category_code, categories: r.categories, attributes: r.attributes, imageRefs: r.image_refs,
          weightGrams: r.weight_grams,
          dimensionsMm: r.length_mm === null || r.width_mm === null || r.height_mm === null ? null : { length: r.length_mm, width: r.width_mm, height: r.height_mm },
          updatedAt: new Date(r.source_updated_at), changedAt: new Date(r.changed_at),
        },
      ]),
    );
  }

  /** The marketplace category each market lists a category code under (config catalog.categories). */
  marketCategories(code: string): MarketCategory[] {
    const byMarket = Object.hasOwn(this.deps.categories, code) ? this.deps.categories[code]! : {};
    return Object.entries(byMarket).map(([channel, categoryId]) => ({ channel, country: this.deps.markets[channel]!.country, categoryId }));
  }

  /**
   * Publishes an applied run's changes to the listing channels. The products are stored either way: a channel's
   * refusals, or publishing failing as a whole, make the run PARTIAL, and what was not published stays due.
   */
  private async publish(report: ProductImportReport): Promise<void> {
    const publisher = this.deps.publisher;
    if (report.dryRun || !publisher?.active) return;
    let problem: string | null = null;
    try {
      report.listings = await publisher.publish(report.runId);
      if (report.listings.failed > 0) {
        problem = `${report.listings.failed} listing change(s) failed: ${report.listings.errors.slice(0, 3).map((e) => `${e.sku} ${e.channel}: ${e.error}`).join('; ')}`;
      }
    } catch (err) {
      this.deps.logger.error({ err, runId: report.runId }, 'publishing the imported products to the listing channels failed');
      problem = `publishing to the listing channels failed: ${(err as Error).message}`;
    }
    if (problem) {
      report.status = 'PARTIAL';
      report.errorSummary = [report.errorSummary, problem].filter(Boolean).join('; ');
    }
  }

  /** Recent import runs of a system, newest first. */
  async runs(system: string, limit = 20): Promise<ProductImportReport[]> {
    const rows = await this.deps.db.em().find(ProductImportRun, { system }, { orderBy: { id: 'desc' }, limit });
    return rows.map((r) => ({
      runId: r.id, system: r.system, mode: r.mode, dryRun: r.dryRun, status: r.status, since: r.since ?? null,
      watermark: r.watermark ?? null, read: r.read, created: r.created, updated: r.updated, unchanged: r.unchanged, invalid: r.invalid,
      errors: r.errors, errorSummary: r.errorSummary ?? null, listings: r.listings ?? null,
    }));
  }

  /** Where the next incremental run of `system` starts: the last applied API run's watermark; null = read everything. */
  async watermark(system: string): Promise<Date | null> {
    const last = await this.deps.db.em().findOne(
      ProductImportRun,
      { system, dryRun: false, mode: { $in: ['FULL', 'INCREMENTAL'] }, status: { $in: ['SUCCESS', 'PARTIAL'] }, watermark: { $ne: null } },
      { orderBy: { id: 'desc' } },
    );
    return last?.watermark ?? null;
  }

  /** One import per system at a time, across processes: the watermark must move forward in order. */
  private async exclusive<T>(system: string, fn: () => Promise<T>): Promise<T> {
    const name = `product-import:${system}`;
    const holder = newHolder();
    if (!(await tryAcquireLease(this.deps.db, name, holder, LEASE_MS))) {
      throw new ProductImportBusyError(`another product import from ${system} is running; try again when it has finished`);
    }
    try {
      return await fn();
    } finally {
      await releaseLease(this.deps.db, name, holder).catch((err) => this.deps.logger.warn({ err, lease: name }, 'could not release the lease; it expires by itself'));
    }
  }

  private async startRun(req: ImportRequest, mode: ProductImportMode, since: Date | null, fileName?: string): Promise<ProductImportReport> {
    const em = this.deps.db.em();
    const run = em.create(ProductImportRun, {
      system: req.system, mode, dryRun: req.dryRun, status: 'RUNNING', trigger: req.trigger, actor: req.actor ?? null, fileName: fileName ?? null,
      startedAt: new Date(), since, errors: [],
    });
    await em.flush();
    return {
      runId: run.id, system: req.system, mode, dryRun: req.dryRun, status: 'RUNNING', since, watermark: null,
      read: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, errors: [], errorSummary: null, listings: null,
    };
  }

  private async finishRun(report: ProductImportReport): Promise<void> {
    const em = this.deps.db.em();
    await em.nativeUpdate(ProductImportRun, { id: report.runId }, {
      status: report.status, finishedAt: new Date(), watermark: report.watermark, read: report.read, created: report.created, updated: report.updated,
      unchanged: report.unchanged, invalid: report.invalid, errors: report.errors, errorSummary: report.errorSummary, listings: report.listings,
    });
    if (!report.dryRun && report.status !== 'FAILED') {
      await this.deps.auditTrail.audit({
        actor: report.system, action: `catalog.import-products.${report.mode.toLowerCase()}`, subject: `product-import:${report.runId}`,
        detail: { created: report.created, updated: report.updated, unchanged: report.unchanged, invalid: report.invalid },
      });
    }
    this.deps.logger.info({ productImport: { ...report, errors: report.errors.slice(0, 5) } }, `product import ${report.runId} (${report.system}, ${report.mode}) ${report.status}`);
  }

  private addInvalid(report: ProductImportReport, invalid: InvalidProduct[]): void {
    report.invalid += invalid.length;
    report.errors.push(...invalid.slice(0, MAX_ERRORS_KEPT - report.errors.length));
    if (report.invalid > 0) report.errorSummary = `${report.invalid} product(s) could not be read: ${report.errors.slice(0, 3).map((e) => `${e.sku ?? '(no SKU)'}: ${e.error}`).join('; ')}`;
  }

  /** Upserts one batch (only products whose data changed are written); a dry run only compares. */
  private async store(records: ProductRecord[], report: ProductImportReport, em?: EntityManager): Promise<void> {
    report.read += records.length;
    if (records.length === 0) return;
    // The last of a SKU read twice in one batch wins.
    const rows = [...new Map(records.map((r) => [r.sku, this.toRow(r)])).values()];
    const json = JSON.stringify(rows);
    const db = em ?? this.deps.db.em();
    if (report.dryRun) {
      const found = await db.execute<{ sku: string; content_hash: string }[]>(
        'select sku, content_hash from product where sku in (select x.sku from json_to_recordset(?::json) as x(sku text))', [json],
      );
      const hashes = new Map(found.map((f) => [f.sku, f.content_hash]));
      for (const row of rows) {
        const hash = hashes.get(row.sku);
        if (hash === undefined) report.created++;
        else if (hash === row.content_hash) report.unchanged++;
        else report.updated++;
      }
      return;
    }
    const written = await db.execute<{ sku: string; created: boolean }[]>(
      `insert into product (sku, enabled, name_ja, name_en, description_ja, description_en, brand, category_code, categories, attributes, image_refs,
                            weight_grams, length_mm, width_mm, height_mm, source_updated_at, changed_at, content_hash, import_run_id)
       select x.sku, x.enabled, x.name_ja, x.name_en, x.description_ja, x.description_en, x.brand, x.category_code, x.categories, x.attributes,
              x.image_refs, x.weight_grams, x.length_mm, x.width_mm, x.height_mm, coalesce(x.source_updated_at, now()), clock_timestamp(), x.content_hash, ?
       from json_to_recordset(?::json) as x(sku text, enabled boolean, name_ja text, name_en text, description_ja text, description_en text, brand text,
            category_code text, categories jsonb, attributes jsonb, image_refs jsonb, weight_grams int, length_mm int, width_mm int, height_mm int,
            source_updated_at timestamptz, content_hash text)
       on conflict (sku) do update set enabled = excluded.enabled, name_ja = excluded.name_ja, name_en = excluded.name_en,
            description_ja = excluded.description_ja, description_en = excluded.description_en, brand = excluded.brand,
            category_code = excluded.category_code, categories = excluded.categories, attributes = excluded.attributes, image_refs = excluded.image_refs,
            weight_grams = excluded.weight_grams, length_mm = excluded.length_mm, width_mm = excluded.width_mm, height_mm = excluded.height_mm,
            source_updated_at = excluded.source_updated_at, changed_at = excluded.changed_at, content_hash = excluded.content_hash,
            import_run_id = excluded.import_run_id
       where product.content_hash <> excluded.content_hash
       returning sku, (xmax = 0) as created`,
      [report.runId, json],
    );
    const created = written.filter((w) => w.created).length;
    report.created += created;
    report.updated += written.length - created;
    report.unchanged += rows.length - written.length;
  }

  private toRow(r: ProductRecord): Row {
    const category = r.categories.find((c) => Object.hasOwn(this.deps.categories, c)) ?? r.categories[0] ?? null;
    const data = {
      sku: r.sku, enabled: r.enabled, name_ja: r.nameJa, name_en: r.nameEn, description_ja: r.descriptionJa, description_en: r.descriptionEn,
      brand: r.brand, category_code: category, categories: r.categories, attributes: r.attributes, image_refs: r.imageRefs,
      weight_grams: r.weightGrams, length_mm: r.dimensionsMm?.length ?? null, width_mm: r.dimensionsMm?.width ?? null, height_mm: r.dimensionsMm?.height ?? null,
    };
    return { ...data, source_updated_at: r.updatedAt?.toISOString() ?? null, content_hash: createHash('sha256').update(canonical(data)).digest('base64url') };
  }
}
