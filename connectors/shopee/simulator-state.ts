// The Shopee simulator's marketplace: shops (one per market) with their items and models, kept in memory with
// the indexes a large catalogue needs (item by id, SKU by shop), persisted as a JSON snapshot in sandbox mode.
// The control surface (tests, `tsunagi sandbox`) works on it by market code, channel or shop id.
import { PersistentState } from '../sandbox/state.js';
import type { ItemStatus } from './config.js';
import { priceProblem } from './simulator-products.js';

export interface SimModel {
  model_id: number;
  model_sku: string;
  /** original_price in the shop's currency (a JSON number, as Shopee keeps it); 0 = not priced yet. */
  price: number;
  stock: number;
  /** Promotion stock: seller_stock may not go below it. */
  reserved: number;
}

/** An item's product data as add_item / update_item set it (none on items seeded by the control surface). */
export interface SimItemContent {
  item_name: string;
  description: string;
  category_id: number;
  /** kg. */
  weight: number;
  dimension: { package_length: number; package_width: number; package_height: number } | null;
  brand: { brand_id: number; original_brand_name: string } | null;
  image_id_list: string[];
  logistic_info: { logistic_id: number; enabled: boolean }[];
}

export interface SimItem {
  item_id: number;
  item_sku: string;
  item_status: ItemStatus;
  update_time: number;
  /** Items without models hold their price and stock themselves. */
  price: number;
  stock: number;
  reserved: number;
  models: SimModel[] | null;
  content?: SimItemContent | null;
}

export interface SimShop {
  shop_id: number;
  region: string;
  shop_name: string;
  /** The seller's authorisation of the partner (unix seconds; 0 = never authorised). */
  auth_time: number;
  expire_time: number;
  items: Map<number, SimItem>;
  /** SKU → where it is listed (item, model 0 = no models). */
  skus: Map<string, { itemId: number; modelId: number }[]>;
  /** Bumped on every listing change; the item list is cached per version. */
  version: number;
}

export interface ItemSpec {
  item_sku?: string;
  stock?: number;
  reserved?: number;
  status?: ItemStatus;
  /** When the listing last changed (unix seconds; default now). */
  update_time?: number;
  /** original_price; default 0 (not priced yet: the pricing module sets it). */
  price?: number;
  models?: { model_sku: string; price?: number; stock?: number; reserved?: number }[];
}

interface Snapshot {
  nextId: number;
  shops: (Omit<SimShop, 'items' | 'skus' | 'version'> & { items: SimItem[] })[];
  refreshTokens: [string, { shopId: number; expiresAt: number }][];
  /** Image ids upload_image handed out. */
  images?: string[];
}

const now = () => Math.floor(Date.now() / 1000);

export class SimMarket {
  readonly shops = new Map<number, SimShop>();
  /** Every item of every shop by id, with its shop: update_stock checks ownership. */
  readonly itemShop = new Map<number, number>();
  readonly refreshTokens: Map<string, { shopId: number; expiresAt: number }>;
  private nextId: number;
  private readonly images: Set<string>;
  private readonly state: PersistentState<Snapshot>;

  constructor(stateFile: string | undefined) {
    this.state = new PersistentState<Snapshot>(stateFile, () => ({ nextId: 100_000_001, shops: [], refreshTokens: [] }));
    this.nextId = this.state.data.nextId;
    for (const s of this.state.data.shops) {
      const shop = this.addShop(s.shop_id, s.region);
      Object.assign(shop, { shop_name: s.shop_name, auth_time: s.auth_time, expire_time: s.expire_time });
      for (const item of s.items) this.insert(shop, item);
    }
    this.refreshTokens = new Map(this.state.data.refreshTokens);
    this.images = new Set(this.state.data.images ?? []);
    // The live maps are the state; the snapshot is taken from them whenever PersistentState writes its file.
    Object.defineProperty(this.state.data, 'toJSON', {
      value: (): Snapshot => ({
        nextId: this.nextId,
        shops: [...this.shops.values()].map(({ items, skus: _skus, version: _version, ...rest }) => ({ ...rest, items: [...items.values()] })),
        refreshTokens: [...this.refreshTokens],
        images: [...this.images],
      }),
    });
  }

  changed(): void {
    this.state.changed();
  }

  addImage(imageId: string): void {
    if (this.images.has(imageId)) return;
    this.images.add(imageId);
    this.changed();
  }

  hasImage(imageId: string): boolean {
    return this.images.has(imageId);
  }

  flush(): void {
    this.state.flush();
  }

  /** Shops named by market code (`SG`), channel (`shopee:SG`) or shop id. */
  shop(ref: string | number): SimShop {
    if (typeof ref === 'number' || /^\d+$/.test(ref)) {
      const shop = this.shops.get(Number(ref));
      if (!shop) throw new Error(`shopee simulator: no shop ${ref}`);
      return shop;
    }
    const country = ref.slice(ref.lastIndexOf(':') + 1);
    for (const shop of this.shops.values()) if (shop.region === country) return shop;
    throw new Error(`shopee simulator: no ${country} shop (shops: ${[...this.shops.values()].map((s) => s.region).join(', ') || 'none'})`);
  }

  addShop(shopId: number, region: string): SimShop {
    const existing = this.shops.get(shopId);
    if (existing) {
      if (existing.region !== region) throw new Error(`shopee simulator: shop ${shopId} is the ${existing.region} shop, not ${region}`);
      return existing;
    }
    const shop: SimShop = { shop_id: shopId, region, shop_name: `Tsunagi sandbox ${region}`, auth_time: 0, expire_time: 0, items: new Map(), skus: new Map(), version: 0 };
    this.shops.set(shopId, shop);
    this.changed();
    return shop;
  }

  addItem(shop: SimShop, spec: ItemSpec): { itemId: number; modelIds: number[] } {
    const check = (n: number | undefined, what: string) => {
      if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new Error(`shopee simulator: ${what} must be a whole number >= 0, got ${n}`);
    };
    check(spec.stock, 'stock');
    check(spec.reserved, 'reserved');
    for (const price of [spec.price, ...(spec.models ?? []).map((m) => m.price)]) {
      const problem = price === undefined ? null : priceProblem(shop.region, price);
      if (problem) throw new Error(`shopee simulator: ${problem}`);
    }
    const item: SimItem = {
      item_id: this.nextId++,
      item_sku: spec.item_sku ?? '',
      item_status: spec.status ?? 'NORMAL',
      update_time: spec.update_time ?? now(),
      price: spec.models ? 0 : (spec.price ?? 0),
      stock: spec.models ? 0 : (spec.stock ?? 0),
      reserved: spec.models ? 0 : (spec.reserved ?? 0),
      models: spec.models
        ? spec.models.map((m) => {
            check(m.stock, 'model stock');
            check(m.reserved, 'model reserved');
            return { model_id: this.nextId++, model_sku: m.model_sku, price: m.price ?? 0, stock: m.stock ?? 0, reserved: m.reserved ?? 0 };
          })
        : null,
    };
    if (item.models && (item.models.length === 0 || item.models.length > 50)) throw new Error('shopee simulator: an item has 1 to 50 models');
    this.insert(shop, item);
    this.changed();
    return { itemId: item.item_id, modelIds: item.models?.map((m) => m.model_id) ?? [] };
  }

  /** The one listing of a SKU in a shop; throws when there is none or several. */
  listing(shop: SimShop, sku: string): { item: SimItem; model: SimModel | null } {
    const where = shop.skus.get(sku) ?? [];
    if (where.length !== 1) throw new Error(`shopee simulator: ${shop.region} has ${where.length || 'no'} listings with SKU "${sku}"`);
    const item = shop.items.get(where[0]!.itemId)!;
    return { item, model: item.models?.find((m) => m.model_id === where[0]!.modelId) ?? null };
  }

  /** Renames an item's (model 0) or a model's SKU, as the seller would in Seller Centre. */
  setSku(shop: SimShop, itemId: number, modelId: number, sku: string): void {
    const item = this.ownItem(shop, itemId);
    this.unindex(shop, item);
    if (modelId === 0) item.item_sku = sku;
    else {
      const model = item.models?.find((m) => m.model_id === modelId);
      if (!model) throw new Error(`shopee simulator: item ${itemId} has no model ${modelId}`);
      model.model_sku = sku;
    }
    this.index(shop, item);
    this.touch(shop, item);
  }

  setStatus(shop: SimShop, itemId: number, status: ItemStatus): void {
    const item = this.ownItem(shop, itemId);
    item.item_status = status;
    this.touch(shop, item);
  }

  clearItems(shop: SimShop): void {
    for (const id of shop.items.keys()) this.itemShop.delete(id);
    shop.items.clear();
    shop.skus.clear();
    shop.version++;
    this.changed();
  }

  /** A listing change: the item's update_time moves (stock changes leave it alone: UNCONFIRMED, see README). */
  touch(shop: SimShop, item: SimItem): void {
    item.update_time = now();
    shop.version++;
    this.changed();
  }

  private ownItem(shop: SimShop, itemId: number): SimItem {
    const item = shop.items.get(itemId);
    if (!item) throw new Error(`shopee simulator: ${shop.region} has no item ${itemId}`);
    return item;
  }

  private insert(shop: SimShop, item: SimItem): void {
    // State files written before listings had prices.
    item.price ??= 0;
    for (const m of item.models ?? []) m.price ??= 0;
    shop.items.set(item.item_id, item);
    this.itemShop.set(item.item_id, shop.shop_id);
    this.nextId = Math.max(this.nextId, item.item_id + 1, ...(item.models ?? []).map((m) => m.model_id + 1));
    this.index(shop, item);
    shop.version++;
  }

  private index(shop: SimShop, item: SimItem): void {
    const add = (sku: string, modelId: number) => {
      if (sku === '') return;
      const list = shop.skus.get(sku);
      if (list) list.push({ itemId: item.item_id, modelId });
      else shop.skus.set(sku, [{ itemId: item.item_id, modelId }]);
    };
    if (item.models) for (const m of item.models) add(m.model_sku, m.model_id);
    else add(item.item_sku, 0);
  }

  private unindex(shop: SimShop, item: SimItem): void {
    for (const [sku, list] of shop.skus) {
      const left = list.filter((l) => l.itemId !== item.item_id);
      if (left.length === list.length) continue;
      if (left.length) shop.skus.set(sku, left);
      else shop.skus.delete(sku);
    }
  }
}
