// The simulator's listing API: add_item and update_item (the item's product data: name, description, category,
// brand, weight, dimension, images, logistics) and media_space/upload_image (multipart/form-data, an image file
// answered with an image id). Required fields and limits as Shopee's v2 reference lists them; the numeric limits
// are UNCONFIRMED (see README). Every answer in Shopee's envelope.
import { createHash } from 'node:crypto';
import type { SimResponse } from '../sandbox/server.js';
import { fail, ok, priceProblem } from './simulator-products.js';
import type { SimItemContent, SimMarket, SimShop } from './simulator-state.js';

/** The logistics channel every sandbox shop offers (v2.logistics.get_channel_list would list it). */
export const SANDBOX_LOGISTIC_ID = 90_001;
const MAX_NAME = 120;
const MAX_DESCRIPTION = 5000;
const MAX_IMAGES = 9;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.trim() !== '' && v.length <= max;

/** The image formats upload_image takes, by their first bytes (JPEG, PNG; WebP UNCONFIRMED). */
function imageFormat(b: Buffer): string | null {
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpg';
  if (b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.length > 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

/** The `image` part of a multipart/form-data body. */
function imagePart(contentType: string, raw: Buffer): Buffer | null {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  for (let at = raw.indexOf(delimiter); at !== -1; ) {
    const next = raw.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    const part = raw.subarray(at + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1 && /name="image"/i.test(part.toString('latin1', 0, split))) return part.subarray(split + 4);
    at = next;
  }
  return null;
}

export class SimListings {
  constructor(private readonly market: SimMarket) {}

  uploadImage(contentType: string, raw: Buffer): SimResponse {
    if (!contentType.toLowerCase().startsWith('multipart/form-data')) return fail('error_param', 'Wrong parameters, detail: upload_image takes multipart/form-data.');
    const image = imagePart(contentType, raw);
    if (!image || image.length === 0) return fail('error_param', 'Wrong parameters, detail: image is required.');
    if (image.length > MAX_IMAGE_BYTES) return fail('error_param', 'Image size exceeds the limit of 10MB.');
    const format = imageFormat(image);
    if (!format) return fail('error_invalid_image', 'Invalid image format.');
    const imageId = `sg-11134201-${createHash('sha256').update(image).digest('hex').slice(0, 24)}`;
    this.market.addImage(imageId);
    return ok({ response: { image_info: { image_id: imageId, image_url_list: [{ image_url_region: 'SG', image_url: `https://cf.shopee.sg/file/${imageId}` }] } } });
  }

  addItem(shop: SimShop, body: Record<string, unknown>): SimResponse {
    for (const field of ['original_price', 'description', 'weight', 'item_name', 'category_id', 'image', 'logistic_info']) {
      if (body[field] === undefined || body[field] === null) return fail('product.error_param', `Wrong parameters, detail: ${field} is required.`);
    }
    if (priceProblem(shop.region, body.original_price)) return fail('error_invalid_price', 'Invalid price, please use the correct format');
    const content = this.content(body, null);
    if (typeof content === 'string') return fail('product.error_param', `Wrong parameters, detail: ${content}`);
    const sku = typeof body.item_sku === 'string' ? body.item_sku : '';
    const stock = Array.isArray(body.seller_stock) && isInt((body.seller_stock[0] as Record<string, unknown>)?.stock) ? ((body.seller_stock[0] as { stock: number }).stock) : 0;
    const { itemId } = this.market.addItem(shop, { item_sku: sku, price: body.original_price as number, stock });
    const item = shop.items.get(itemId)!;
    item.content = content;
    this.market.changed();
    return ok({ response: { item_id: itemId, item_status: item.item_status, item_name: content.item_name, item_sku: sku, price_info: [{ original_price: item.price }] } });
  }

  updateItem(shop: SimShop, body: Record<string, unknown>): SimResponse {
    if (!isInt(body.item_id)) return fail('product.error_param', 'invalid field ItemId: value must Not Null');
    const owner = this.market.itemShop.get(body.item_id);
    if (owner === undefined) return fail('error_item_not_found', 'Item_id is not found.');
    if (owner !== shop.shop_id) return fail('error_item_not_belong_shop', 'Item not belong to shop.');
    const item = shop.items.get(body.item_id)!;
    for (const price of ['original_price', 'price_info']) if (price in body) return fail('product.error_param', 'Wrong parameters, detail: prices are set with update_price.');
    const content = this.content(body, item.content ?? null);
    if (typeof content === 'string') return fail('product.error_param', `Wrong parameters, detail: ${content}`);
    item.content = content;
    if (typeof body.item_sku === 'string') this.market.setSku(shop, item.item_id, 0, body.item_sku);
    this.market.touch(shop, item);
    return ok({ response: { item_id: item.item_id, ...content } });
  }

  /** The item's product data after the body's fields are applied to `had`; a string names the first bad field. */
  private content(body: Record<string, unknown>, had: SimItemContent | null): SimItemContent | string {
    const c: SimItemContent = had ? { ...had } : { item_name: '', description: '', category_id: 0, weight: 0, dimension: null, brand: null, image_id_list: [], logistic_info: [] };
    if ('item_name' in body) {
      if (!isText(body.item_name, MAX_NAME)) return `item_name must be 1 to ${MAX_NAME} characters.`;
      c.item_name = body.item_name;
    }
    if ('description' in body) {
      if (!isText(body.description, MAX_DESCRIPTION)) return `description must be 1 to ${MAX_DESCRIPTION} characters.`;
      c.description = body.description;
    }
    if ('category_id' in body) {
      if (!isInt(body.category_id) || body.category_id <= 0) return 'category_id must be a positive integer.';
      c.category_id = body.category_id;
    }
    if ('weight' in body) {
      if (typeof body.weight !== 'number' || !(body.weight > 0)) return 'weight must be a number of kg above 0.';
      c.weight = body.weight;
    }
    if ('dimension' in body) {
      const d = body.dimension as Record<string, unknown> | null;
      const sides = [d?.package_length, d?.package_width, d?.package_height];
      if (!sides.every((s) => isInt(s) && s > 0)) return 'dimension needs package_length, package_width and package_height, whole cm above 0.';
      c.dimension = { package_length: sides[0] as number, package_width: sides[1] as number, package_height: sides[2] as number };
    }
    if ('brand' in body) {
      const b = body.brand as Record<string, unknown> | null;
      if (!b || !isInt(b.brand_id) || (b.original_brand_name !== undefined && typeof b.original_brand_name !== 'string')) return 'brand needs a brand_id (0 for no brand).';
      c.brand = { brand_id: b.brand_id, original_brand_name: (b.original_brand_name as string | undefined) ?? '' };
    }
    if ('image' in body) {
      const ids = (body.image as { image_id_list?: unknown } | null)?.image_id_list;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_IMAGES) return `image.image_id_list must hold 1 to ${MAX_IMAGES} image ids.`;
      const unknown = ids.find((id) => typeof id !== 'string' || !this.market.hasImage(id));
      if (unknown !== undefined) return `image id ${JSON.stringify(unknown)} was not uploaded (media_space/upload_image).`;
      c.image_id_list = ids as string[];
    }
    if ('logistic_info' in body) {
      const list = body.logistic_info;
      if (!Array.isArray(list) || list.length === 0) return 'logistic_info must enable at least one channel.';
      if (!list.every((l: Record<string, unknown>) => l?.logistic_id === SANDBOX_LOGISTIC_ID && typeof l.enabled === 'boolean')) return `logistic_info: the shop offers logistic_id ${SANDBOX_LOGISTIC_ID} only.`;
      if (!list.some((l: { enabled: boolean }) => l.enabled)) return 'logistic_info must enable at least one channel.';
      c.logistic_info = list as SimItemContent['logistic_info'];
    }
    return c;
  }
}
