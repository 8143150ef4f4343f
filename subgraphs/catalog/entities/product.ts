import { defineEntity, p } from '@mikro-orm/core';

/**
 * A product's data as the product master (PIM) gives it: names, descriptions, category, attributes, image
 * references, brand, weight and dimensions. One row per SKU; `contentHash` tells a changed product from a re-read one.
 */
export const CatalogProduct = defineEntity({
  name: 'CatalogProduct',
  tableName: 'product',
  properties: {
    sku: p.string().primary(),
    enabled: p.boolean(),
    nameJa: p.text().nullable(),
    nameEn: p.text().nullable(),
    descriptionJa: p.text().nullable(),
    descriptionEn: p.text().nullable(),
    brand: p.text().nullable(),
    /** The PIM's first category that the category table maps (else its first). */
    categoryCode: p.string().nullable(),
    categories: p.json<string[]>(),
    attributes: p.json<Record<string, unknown>>(),
    imageRefs: p.json<string[]>(),
    weightGrams: p.integer().nullable(),
    lengthMm: p.integer().nullable(),
    widthMm: p.integer().nullable(),
    heightMm: p.integer().nullable(),
    /** When the PIM last changed it (the import time for a file that does not say). */
    sourceUpdatedAt: p.datetime(),
    /** When Tsunagi stored this version. */
    changedAt: p.datetime().index(),
    contentHash: p.string(),
    /** The import run that stored this version. */
    importRunId: p.integer(),
  },
});
