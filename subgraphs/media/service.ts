// The media module: each product's images from the DAM, made once per source and market rule (square WebP at the
// rule's size, under its byte limit), stored by content hash and served by the hub (or a CDN in front of it). An
// image the DAM did not change is not read again; a source already made by a rule is not transcoded again; a bad
// image is refused by name while the others go on. Other modules reach it only here.
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { ImageRule, MarketConfig, MediaSection } from '../../platform/config/index.js';
import { newHolder, releaseLease, tryAcquireLease } from '../../platform/db/lease.js';
import type { Database } from '../../platform/db/index.js';
import { AppError, InvalidInputError } from '../../platform/errors.js';
import type { Logger } from '../../platform/log/index.js';
import { MediaVariant } from './entities/media-variant.js';
import { ProductImage } from './entities/product-image.js';
import type { ImageSource, ImageSync, ImageSyncReport, SourceImage } from './ports.js';
import { CONTENT_HASH, type MediaStore } from './store.js';
import { ruleKey, transcode } from './transcode.js';

/** Another image sync is running (in any process). */
export class ImageSyncBusyError extends AppError {
  readonly code = 'CONFLICT';
  override readonly name = 'ImageSyncBusyError';
}

export interface ImageView {
  url: string;
  alt: string | null;
  position: number;
  width: number;
  height: number;
  format: string;
  bytes: number;
  sourceUrl: string;
}

export interface MediaDeps {
  db: Database;
  logger: Logger;
  markets: Record<string, MarketConfig>;
  settings: MediaSection;
  store: MediaStore;
  /** The configured DAM; null when none is configured. */
  source: ImageSource | null;
}

interface Rule {
  name: string;
  rule: ImageRule;
  key: string;
}

const LOCK = 'image-sync';
const LOCK_MS = 60 * 60_000;
const MAX_FAILED_LISTED = 200;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const sameTime = (a: Date | null | undefined, b: Date | null) => Boolean(a && b && a.getTime() === b.getTime());

/** Runs `fn` over the items, at most `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export class MediaService implements ImageSync {
  /** The rules some market uses: each product image is made once per rule. */
  private readonly rules: Rule[];

  constructor(private readonly deps: MediaDeps) {
    const used = [...new Set(Object.values(deps.markets).map((m) => m.imageRule))];
    this.rules = used.map((name) => ({ name, rule: deps.settings.rules[name]!, key: ruleKey(deps.settings.rules[name]!) }));
  }

  /** Where the image files are (the gateway serves them from there). */
  get store(): MediaStore {
    return this.deps.store;
  }

  /** Every product's images from the DAM (or one SKU's), made by every market's rule. */
  async sync(opts: { source?: ImageSource; sku?: string; dryRun: boolean; trigger: string; actor?: string }): Promise<ImageSyncReport> {
    const source = opts.source ?? this.deps.source;
    if (!source) throw new InvalidInputError('source', 'no DAM is configured (an ImageSource system in integrations.yaml)');
    const holder = newHolder();
    if (!(await tryAcquireLease(this.deps.db, LOCK, holder, LOCK_MS))) throw new ImageSyncBusyError('another image sync is running; try again when it has finished');
    try {
      const started = performance.now();
      const report: ImageSyncReport = { dryRun: opts.dryRun, products: 0, images: 0, transcoded: 0, reused: 0, unchanged: 0, removed: 0, failed: [], durationMs: 0 };
      const seen = new Set<string>();
      const skus = new Set<string>();
      for await (const page of source.images({ sku: opts.sku })) {
        for (const image of page) {
          skus.add(image.sku);
          seen.add(`${image.sku}\u0000${image.id}`);
        }
        report.images += page.length;
        await this.syncPage(source, page, report, opts.dryRun);
      }
      report.products = skus.size;
      report.removed = await this.removeUnlisted(seen, opts.sku, opts.dryRun);
      report.durationMs = Math.round(performance.now() - started);
      this.deps.logger.info({ imageSync: { ...report, failed: report.failed.slice(0, 5) } }, `image sync from ${source.name}${opts.dryRun ? ' (dry run)' : ''}: ${report.images} images`);
      return report;
    } finally {
      await releaseLease(this.deps.db, LOCK, holder).catch((err) => this.deps.logger.warn({ err }, 'could not release the image sync lock; it expires by itself'));
    }
  }

  /** The rule a country's market makes its images by (the first market of that country, or the channel given). */
  ruleFor(country: string, channel?: string | null): string {
    const market = Object.entries(this.deps.markets).find(([c, m]) => m.country === country && (!channel || c === channel));
    if (!market) {
      const known = [...new Set(Object.values(this.deps.markets).map((m) => m.country))].join(', ');
      throw new InvalidInputError(channel ? 'channel' : 'country', `no market${channel ? ` ${channel}` : ''} in country "${country}" (markets are in: ${known || 'none'})`);
    }
    return market[1].imageRule;
  }

  /** The SKUs' images as `rule` made them, in display order. */
  async images(skus: string[], rule: string): Promise<Map<string, ImageView[]>> {
    const out = new Map<string, ImageView[]>(skus.map((s) => [s, []]));
    if (skus.length === 0) return out;
    const rows = await this.deps.db.em().find(ProductImage, { sku: { $in: [...new Set(skus)] }, rule }, { orderBy: { sku: 'asc', position: 'asc', assetId: 'asc' } });
    for (const r of rows) {
      out.get(r.sku)!.push({
        url: this.deps.store.url(r.hash, r.format), alt: r.alt ?? null, position: r.position, width: r.width, height: r.height, format: r.format, bytes: r.bytes,
        sourceUrl: r.sourceUrl,
      });
    }
    return out;
  }

  /** The SKUs' images for a channel's market as media keys (`<hash>.<format>`), in display order. */
  async listingImages(skus: string[], channel: string): Promise<Map<string, string[]>> {
    const market = this.deps.markets[channel];
    if (!market) throw new InvalidInputError('channel', `no market ${channel} in config markets`);
    const out = new Map<string, string[]>(skus.map((s) => [s, []]));
    if (skus.length === 0) return out;
    const rows = await this.deps.db.em().find(ProductImage, { sku: { $in: [...new Set(skus)] }, rule: market.imageRule }, { orderBy: { sku: 'asc', position: 'asc', assetId: 'asc' } });
    for (const r of rows) out.get(r.sku)!.push(`${r.hash}.${r.format}`);
    return out;
  }

  /** A media key's bytes, from the store. */
  async read(key: string): Promise<Buffer> {
    const [hash, ext] = key.split('.');
    if (!hash || !ext || !CONTENT_HASH.test(hash)) throw new InvalidInputError('key', `"${key}" is not a media key (<content hash>.<ext>)`);
    const stored = await this.deps.store.read(hash, ext);
    if (!stored) throw new Error(`image ${key} is not in the media store (${this.deps.store.where}): run images-sync`);
    return buffer(stored.body);
  }

  private async syncPage(source: ImageSource, page: SourceImage[], report: ImageSyncReport, dryRun: boolean): Promise<void> {
    const em = this.deps.db.em();
    const stored = await em.find(ProductImage, { sku: { $in: [...new Set(page.map((i) => i.sku))] } });
    const byKey = new Map(stored.map((r) => [`${r.sku}\u0000${r.rule}\u0000${r.assetId}`, r]));
    const work: { image: SourceImage; rules: Rule[] }[] = [];
    const moved: (() => Promise<unknown>)[] = [];
    for (const image of page) {
      const rules: Rule[] = [];
      try {
        for (const rule of this.rules) {
          const row = byKey.get(`${image.sku}\u0000${rule.name}\u0000${image.id}`);
          // Unchanged in the DAM, made by this very rule, and its file still stored: not even read again.
          const current = row && row.ruleKey === rule.key && sameTime(row.sourceUpdatedAt, image.updatedAt) && (await this.deps.store.has(row.hash, row.format));
          if (!current) {
            rules.push(rule);
            continue;
          }
          report.unchanged++;
          // Its place or alt text may change without the file changing.
          if (!dryRun && (row.position !== image.position || (row.alt ?? null) !== image.alt)) {
            moved.push(() => em.nativeUpdate(ProductImage, { sku: row.sku, rule: row.rule, assetId: row.assetId }, { position: image.position, alt: image.alt }));
          }
        }
      } catch (err) {
        // The store failed to answer (its credentials, its bucket): this image is reported, the others go on.
        this.refuse(report, image, err);
        continue;
      }
      if (rules.length) work.push({ image, rules });
    }
    if (dryRun) {
      report.transcoded += work.reduce((n, w) => n + w.rules.length, 0);
      return;
    }
    for (const update of moved) await update();
    await pool(work, this.deps.settings.concurrency, async ({ image, rules }) => {
      try {
        await this.makeVariants(source, image, rules, report);
      } catch (err) {
        this.refuse(report, image, err);
      }
    });
  }

  private refuse(report: ImageSyncReport, image: SourceImage, err: unknown): void {
    if (report.failed.length < MAX_FAILED_LISTED) report.failed.push({ sku: image.sku, image: image.id, url: image.url, error: (err as Error).message });
    this.deps.logger.warn({ sku: image.sku, image: image.id, url: image.url, err: (err as Error).message }, `image ${image.id} of ${image.sku} refused`);
  }

  /** Reads one image and makes (or finds) its variant for each rule; records the product's image. */
  private async makeVariants(source: ImageSource, image: SourceImage, rules: Rule[], report: ImageSyncReport): Promise<void> {
    const bytes = await source.download(image, this.deps.settings.maxSourceBytes);
    const sourceHash = sha256(bytes);
    const em = this.deps.db.em();
    for (const rule of rules) {
      let variant = await em.findOne(MediaVariant, { sourceHash, ruleKey: rule.key });
      if (variant && (await this.deps.store.has(variant.hash, variant.format))) {
        report.reused++;
      } else {
        const made = await transcode(bytes, rule.rule, this.deps.settings.maxInputPixels);
        const hash = sha256(made.data);
        await this.deps.store.put(hash, made.format, made.data);
        const row = { sourceHash, ruleKey: rule.key, hash, format: made.format, width: made.width, height: made.height, bytes: made.data.length, createdAt: new Date() };
        await em.upsert(MediaVariant, row);
        variant = row as typeof variant;
        report.transcoded++;
      }
      await em.upsert(ProductImage, {
        sku: image.sku, rule: rule.name, assetId: image.id, position: image.position, alt: image.alt, sourceUrl: image.url, sourceUpdatedAt: image.updatedAt,
        sourceHash, ruleKey: rule.key, hash: variant!.hash, format: variant!.format, width: variant!.width, height: variant!.height, bytes: variant!.bytes,
        syncedAt: new Date(),
      });
    }
  }

  /** Takes off their products the images the DAM no longer lists (for one SKU, or for all in a full sync). */
  private async removeUnlisted(seen: Set<string>, sku: string | undefined, dryRun: boolean): Promise<number> {
    const em = this.deps.db.em();
    const listed = JSON.stringify([...seen].map((k) => k.split('\u0000')));
    const where = `${sku === undefined ? '' : 'p.sku = ? and '}not exists (select 1 from json_array_elements(?::json) as x(v) where x.v->>0 = p.sku and x.v->>1 = p.asset_id)`;
    const params = sku === undefined ? [listed] : [sku, listed];
    if (dryRun) {
      const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from product_image p where ${where}`, params);
      return row!.n;
    }
    const result = await em.execute<{ affectedRows: number }>(`delete from product_image p where ${where}`, params, 'run');
    return result.affectedRows;
  }
}
