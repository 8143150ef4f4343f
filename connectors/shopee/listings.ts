// The shops as listing targets: the product master's data on each shop's items. A new SKU becomes an item
// (add_item, with its price, images uploaded to the media space first, and the shop's logistics channels); a
// listed one gets update_item with only the fields that changed. The named mapping `pim_to_shopee`
// (config/data-mappings.json) turns the catalog's listing content into Shopee's item fields.
import { minorToDecimal } from '../../platform/money.js';
import type { Mapping } from '../../platform/transform/index.js';
import type { ListingContent, ListingField, ListingTarget, ListingWrite, ListingWriteResult } from '../../subgraphs/catalog/ports.js';
import { PATHS, type ShopeeClient } from './client.js';
import { pool, type ShopeeShop } from './shops.js';

/** The mapping (config/data-mappings.json) from a listing's content to Shopee's item fields. */
export const LISTING_MAPPING = 'pim_to_shopee';
/** add_item's image_id_list takes 1 to 9 images (UNCONFIRMED: Shopee's product guide says 9). */
export const MAX_IMAGES = 9;
/** Items written at once per shop: the rate limit paces them. */
const WRITES_IN_FLIGHT = 4;

/** The mapping's input: the content in the units Shopee takes (kg, whole cm). */
interface MappingInput {
  sku: string;
  title: string;
  description: string | null;
  categoryId: number;
  brand: string | null;
  weightKg: number | null;
  lengthCm: number | null;
  widthCm: number | null;
  heightCm: number | null;
}

/** The mapping inputs each content field feeds. */
const INPUTS: Record<Exclude<ListingField, 'images'>, (keyof MappingInput)[]> = {
  title: ['title'],
  description: ['description'],
  categoryId: ['categoryId'],
  brand: ['brand'],
  weightGrams: ['weightKg'],
  dimensionsMm: ['lengthCm', 'widthCm', 'heightCm'],
};

function mappingInput(sku: string, c: ListingContent): MappingInput {
  const cm = (mm: number | undefined) => (mm === undefined ? null : Math.max(1, Math.ceil(mm / 10)));
  return {
    sku, title: c.title, description: c.description, categoryId: c.categoryId, brand: c.brand,
    weightKg: c.weightGrams === null ? null : c.weightGrams / 1000,
    lengthCm: cm(c.dimensionsMm?.length), widthCm: cm(c.dimensionsMm?.width), heightCm: cm(c.dimensionsMm?.height),
  };
}

interface UploadedImage {
  image_info?: { image_id?: string };
}

export class ShopeeListings implements ListingTarget {
  readonly channel: string;
  readonly maxBatch: number;
  /** Shopee's top-level item field each mapping input lands in (`dimension` for the three lengths). */
  private readonly fieldsOf: Map<string, Set<string>>;

  constructor(
    private readonly shop: ShopeeShop,
    private readonly mapping: Mapping,
  ) {
    this.channel = shop.channel;
    this.maxBatch = shop.maxReadBatch;
    this.fieldsOf = new Map();
    for (const rule of mapping.rules) {
      const input = rule.from.split('.')[0]!;
      const set = this.fieldsOf.get(input) ?? new Set<string>();
      set.add(rule.to.split('.')[0]!);
      this.fieldsOf.set(input, set);
    }
  }

  private get client(): ShopeeClient {
    return this.shop.client;
  }

  async listed(skus: string[]): Promise<Set<string>> {
    return new Set((await this.shop.resolve(skus)).keys());
  }

  async write(changes: ListingWrite[], image: (key: string) => Promise<Buffer>): Promise<ListingWriteResult[]> {
    const where = await this.shop.resolve(changes.filter((c) => c.action === 'UPDATE').map((c) => c.sku));
    const out = new Map<string, ListingWriteResult>();
    await pool(changes, WRITES_IN_FLIGHT, async (change) => {
      try {
        if (change.action === 'CREATE') await this.create(change, image);
        else {
          const listing = where.get(change.sku);
          if (!listing) throw new Error(`${this.channel}: no single listing with SKU "${change.sku}" to update`);
          // Item data is shared by an item's models: one variant's SKU does not rewrite it.
          if (listing.modelId !== 0) throw new Error(`${this.channel}: SKU "${change.sku}" is a model of item ${listing.itemId}; item data is not updated from one variant`);
          await this.update(listing.itemId, change, image);
        }
        out.set(change.sku, { sku: change.sku, ok: true });
      } catch (err) {
        out.set(change.sku, { sku: change.sku, ok: false, error: (err as Error).message });
      }
    });
    return changes.map((c) => out.get(c.sku)!);
  }

  private async create(change: Extract<ListingWrite, { action: 'CREATE' }>, image: (key: string) => Promise<Buffer>): Promise<void> {
    const { shop } = this.shop;
    if (change.price.currency !== shop.currency) throw new Error(`${this.channel} sells in ${shop.currency}, not ${change.price.currency}`);
    if (shop.logisticIds.length === 0) throw new Error(`${this.channel}: no logistics channel is configured for new items (settings.shops[].logistic_ids)`);
    const body = {
      ...this.fields(change.sku, change.content, null),
      item_sku: change.sku,
      original_price: Number(minorToDecimal(change.price.amount, change.price.currency)),
      seller_stock: [{ stock: 0 }],
      image: { image_id_list: await this.upload(change.content.images, image) },
      logistic_info: shop.logisticIds.map((id) => ({ logistic_id: id, enabled: true })),
    };
    const res = await this.client.request<{ item_id?: number }>({ path: PATHS.addItem, method: 'POST', shop, body });
    const itemId = res.response?.item_id;
    if (typeof itemId !== 'number') throw new Error(`${this.channel}: add_item answered without an item_id`);
    // The stock and price targets find the new item without reading the shop again.
    this.shop.learnItem(itemId, change.sku);
  }

  private async update(itemId: number, change: Extract<ListingWrite, { action: 'UPDATE' }>, image: (key: string) => Promise<Buffer>): Promise<void> {
    const body: Record<string, unknown> = { item_id: itemId, ...this.fields(change.sku, change.content, change.changed) };
    if (change.changed.includes('images')) body.image = { image_id_list: await this.upload(change.content.images, image) };
    await this.client.request({ path: PATHS.updateItem, method: 'POST', shop: this.shop.shop, body });
  }

  /** Shopee's item fields from the mapping; only those the changed content fields feed (all when `changed` is null). */
  private fields(sku: string, content: ListingContent, changed: ListingField[] | null): Record<string, unknown> {
    // What the PIM does not say is not sent (a listing keeps its own); a dimension goes whole or not at all.
    const mapped = Object.fromEntries(
      Object.entries(this.mapping.apply(mappingInput(sku, content))).filter(([, v]) => v !== null && v !== undefined && !(typeof v === 'object' && Object.values(v).some((x) => x === null || x === undefined))),
    );
    if (mapped.brand && typeof mapped.brand === 'object') mapped.brand = { brand_id: 0, ...mapped.brand };
    if (changed === null) return mapped;
    const wanted = new Set(changed.flatMap((f) => (f === 'images' ? [] : INPUTS[f].flatMap((input) => [...(this.fieldsOf.get(input) ?? [])]))));
    return Object.fromEntries(Object.entries(mapped).filter(([k]) => wanted.has(k)));
  }

  /** Uploads the images (media_space/upload_image) and answers their image ids, in order. */
  private async upload(keys: string[], image: (key: string) => Promise<Buffer>): Promise<string[]> {
    if (keys.length === 0) throw new Error(`${this.channel}: Shopee lists an item with at least one image; the DAM has none for this product yet (run images-sync)`);
    const ids: string[] = [];
    for (const key of keys.slice(0, MAX_IMAGES)) {
      const bytes = await image(key);
      const boundary = `tsunagi${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="image"; filename="${key}"\r\ncontent-type: application/octet-stream\r\n\r\n`),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await this.client.request<UploadedImage>({ path: PATHS.uploadImage, method: 'POST', body, contentType: `multipart/form-data; boundary=${boundary}` });
      const id = res.response?.image_info?.image_id;
      if (typeof id !== 'string' || id === '') throw new Error(`${this.channel}: upload_image answered without an image_id for ${key}`);
      ids.push(id);
    }
    return ids;
  }
}
