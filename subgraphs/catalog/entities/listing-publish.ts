import { defineEntity, p } from '@mikro-orm/core';
import type { ListingContent } from '../ports.js';

export const LISTING_CHANGE_ACTIONS = ['CREATE', 'UPDATE'] as const;
export const LISTING_CHANGE_STATUSES = ['PENDING', 'APPLIED', 'FAILED'] as const;

/**
 * What a channel's listing of a SKU holds of the product master's data, as Tsunagi last sent it (and which version
 * of the product that was): the next change sends only the fields that differ from it.
 */
export const ListingContentRow = defineEntity({
  name: 'ListingContentRow',
  tableName: 'listing_content',
  properties: {
    sku: p.string().primary(),
    channel: p.string().primary(),
    content: p.json<ListingContent>(),
    /** The product's changedAt when this content was sent: a product changed later is published again. */
    productChangedAt: p.datetime(),
    publishedAt: p.datetime(),
  },
});

/**
 * The ledger of listing changes: PENDING before the call, APPLIED or FAILED after it, with the fields sent (before
 * and after), per product import run.
 */
export const ListingChange = defineEntity({
  name: 'ListingChange',
  tableName: 'listing_change',
  indexes: [{ properties: ['runId'] }, { properties: ['sku', 'channel'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    runId: p.integer(),
    sku: p.string(),
    channel: p.string(),
    action: p.enum(LISTING_CHANGE_ACTIONS),
    /** Each field sent: its value before (null when the channel's was not known) and after. */
    fields: p.json<Record<string, { before: unknown; after: unknown }>>(),
    status: p.enum(LISTING_CHANGE_STATUSES),
    error: p.text().nullable(),
    at: p.datetime(),
  },
});
