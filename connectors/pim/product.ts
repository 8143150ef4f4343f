// The PIM's product as its API returns it (and as an export file row is read into), and how it becomes the
// catalog's ProductRecord: the named mapping `pim_to_catalog` (config/data-mappings.json) picks the fields, this
// file checks them and converts weights and lengths to grams and millimetres.
import type { Mapping } from '../../platform/transform/index.js';
import type { ProductRecord } from '../../subgraphs/catalog/ports.js';

/** The mapping (config/data-mappings.json) that turns a PIM product into the catalog's fields. */
export const PIM_TO_CATALOG = 'pim_to_catalog';

/** One value of an attribute: Akeneo keeps a list per locale and channel (scope). */
export interface PimValue {
  locale: string | null;
  scope: string | null;
  data: unknown;
}

/** A product in Akeneo's REST shape (GET /api/rest/v1/products). */
export interface PimProduct {
  identifier: string;
  enabled?: boolean;
  family?: string | null;
  categories?: string[];
  values?: Record<string, PimValue[]>;
  created?: string;
  updated?: string;
}

/** Akeneo measurement units → grams / millimetres. */
const GRAMS: Record<string, number> = { MILLIGRAM: 0.001, GRAM: 1, KILOGRAM: 1000, OUNCE: 28.349523125, POUND: 453.59237 };
const MILLIMETRES: Record<string, number> = { MILLIMETER: 1, CENTIMETER: 10, DECIMETER: 100, METER: 1000, INCH: 25.4, FEET: 304.8 };
/** Largest code the catalog stores (its SKU column). */
const MAX_SKU_LENGTH = 255;

interface Mapped {
  sku?: unknown;
  enabled?: unknown;
  updated_at?: unknown;
  categories?: unknown;
  name_ja?: unknown;
  name_en?: unknown;
  description_ja?: unknown;
  description_en?: unknown;
  brand?: unknown;
  weight?: { amount?: unknown; unit?: unknown };
  length?: { amount?: unknown; unit?: unknown };
  width?: { amount?: unknown; unit?: unknown };
  height?: { amount?: unknown; unit?: unknown };
  images?: unknown;
}

/** A product the PIM holds that cannot be read: the message names the field. */
export class PimProductError extends Error {
  constructor(
    readonly sku: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'PimProductError';
  }
}

const text = (v: unknown, field: string): string | null => {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new Error(`${field} is not text`);
  return v;
};

const codes = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((c) => typeof c !== 'string' || c === '')) throw new Error(`${field} is not a list of codes`);
  return v as string[];
};

function measure(m: Mapped['weight'], field: string, units: Record<string, number>): number | null {
  if (!m || (m.amount === undefined && m.unit === undefined)) return null;
  if (typeof m.amount !== 'number' || !Number.isFinite(m.amount) || m.amount < 0) throw new Error(`${field} has no amount of 0 or more`);
  if (typeof m.unit !== 'string' || !Object.hasOwn(units, m.unit)) throw new Error(`${field} unit ${JSON.stringify(m.unit)} is not one of ${Object.keys(units).join(', ')}`);
  return Math.round(m.amount * units[m.unit]!);
}

/** The attribute codes the mapping reads (`values.<code>...`): every other one goes into `attributes`. */
export function mappedAttributes(mapping: Mapping): Set<string> {
  return new Set(mapping.rules.flatMap((r) => (r.from.startsWith('values.') ? [r.from.split('.')[1]!] : [])));
}

/** An attribute's values as one JSON value: the bare data when it has one value for every locale and channel. */
function attributeValue(values: PimValue[]): unknown {
  if (values.length === 1 && values[0]!.locale === null && values[0]!.scope === null) return values[0]!.data;
  return Object.fromEntries(values.map((v) => [[v.locale, v.scope].filter(Boolean).join('/') || '*', v.data]));
}

/** Maps one PIM product to the catalog's record; throws PimProductError naming the product and the field. */
export function toProductRecord(item: PimProduct, mapping: Mapping, known: Set<string>): ProductRecord {
  const sku = typeof item?.identifier === 'string' && item.identifier !== '' ? item.identifier : null;
  try {
    if (!sku) throw new Error('the product has no identifier');
    if (sku.length > MAX_SKU_LENGTH) throw new Error(`the identifier is longer than ${MAX_SKU_LENGTH} characters`);
    const m = mapping.apply(item) as Mapped;
    if (m.enabled !== undefined && typeof m.enabled !== 'boolean') throw new Error('enabled is not true or false');
    const updated = m.updated_at === undefined ? null : new Date(String(m.updated_at));
    const dims = [measure(m.length, 'length', MILLIMETRES), measure(m.width, 'width', MILLIMETRES), measure(m.height, 'height', MILLIMETRES)];
    if (dims.some((d) => d === null) && dims.some((d) => d !== null)) throw new Error('length, width and height come together: some are missing');
    const attributes = Object.fromEntries(
      Object.entries(item.values ?? {}).filter(([code, v]) => !known.has(code) && Array.isArray(v) && v.length > 0).map(([code, v]) => [code, attributeValue(v)]),
    );
    return {
      sku,
      enabled: m.enabled ?? true,
      nameJa: text(m.name_ja, 'name_ja'),
      nameEn: text(m.name_en, 'name_en'),
      descriptionJa: text(m.description_ja, 'description_ja'),
      descriptionEn: text(m.description_en, 'description_en'),
      brand: text(m.brand, 'brand'),
      categories: codes(m.categories, 'categories'),
      attributes,
      imageRefs: codes(m.images, 'images'),
      weightGrams: measure(m.weight, 'weight', GRAMS),
      dimensionsMm: dims[0] === null ? null : { length: dims[0]!, width: dims[1]!, height: dims[2]! },
      updatedAt: updated,
    };
  } catch (err) {
    throw new PimProductError(sku, (err as Error).message);
  }
}
