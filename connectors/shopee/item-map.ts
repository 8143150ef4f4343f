// A shop's SKU map: our SKU → the one item (model 0) or model that carries it, kept per item so an item read again
// replaces what it had; SKUs on more than one listing are kept apart (nothing of ours writes to them).
/** Where a SKU lives in a shop: model 0 is an item without models. */
export interface Listing {
  itemId: number;
  modelId: number;
}

export interface ItemMapSummary {
  items: number;
  skus: number;
  /** SKUs on more than one listing of the shop: left alone until the seller makes them unique. */
  duplicates: string[];
  /** Listings without a SKU (nothing of ours can feed them). */
  withoutSku: number;
  readAt: string | null;
}

/** A SKU's one listing, compact: an item without models is its item id alone (700,000 entries for 7 shops of 100,000). */
type Entry = number | Listing;
const entryOf = (l: Listing): Entry => (l.modelId === 0 ? l.itemId : l);
const listingOf = (e: Entry): Listing => (typeof e === 'number' ? { itemId: e, modelId: 0 } : e);

/** SKU → listing, kept per item so an item read again replaces what it had; SKUs on several listings apart. */
export class ItemMap {
  private readonly bySku = new Map<string, Entry>();
  private readonly duplicates = new Map<string, Listing[]>();
  private readonly byItem = new Map<number, string | string[]>();
  /** Listings without a SKU, per item (rare). */
  private readonly blank = new Map<number, number>();

  setItem(itemId: number, entries: { sku: string; modelId: number }[]): void {
    this.removeItem(itemId);
    const skus: string[] = [];
    for (const { sku, modelId } of entries) {
      if (sku === '') {
        this.blank.set(itemId, (this.blank.get(itemId) ?? 0) + 1);
        continue;
      }
      const listing = { itemId, modelId };
      const one = this.bySku.get(sku);
      const several = this.duplicates.get(sku);
      if (several) several.push(listing);
      else if (one !== undefined) {
        this.bySku.delete(sku);
        this.duplicates.set(sku, [listingOf(one), listing]);
      } else this.bySku.set(sku, entryOf(listing));
      skus.push(sku);
    }
    this.byItem.set(itemId, skus.length === 1 ? skus[0]! : skus);
  }

  removeItem(itemId: number): void {
    this.blank.delete(itemId);
    const skus = this.byItem.get(itemId);
    if (skus === undefined) return;
    for (const sku of typeof skus === 'string' ? [skus] : skus) {
      const several = this.duplicates.get(sku);
      if (!several) {
        this.bySku.delete(sku);
        continue;
      }
      const left = several.filter((l) => l.itemId !== itemId);
      if (left.length > 1) this.duplicates.set(sku, left);
      else {
        this.duplicates.delete(sku);
        if (left.length === 1) this.bySku.set(sku, entryOf(left[0]!));
      }
    }
    this.byItem.delete(itemId);
  }

  get(sku: string): Listing[] | undefined {
    const one = this.bySku.get(sku);
    return one === undefined ? this.duplicates.get(sku) : [listingOf(one)];
  }

  summary(readAt: number): ItemMapSummary {
    const withoutSku = [...this.blank.values()].reduce((a, b) => a + b, 0);
    return { items: this.byItem.size, skus: this.bySku.size, duplicates: [...this.duplicates.keys()], withoutSku, readAt: readAt ? new Date(readAt).toISOString() : null };
  }
}

