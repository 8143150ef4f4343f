import { defineEntity, p } from '@mikro-orm/core';

/** The order statuses Tsunagi keeps (the OMS's vocabulary; each channel's own status is kept beside it). */
export const ORDER_STATUSES = ['pending_payment', 'confirmed', 'shipped', 'delivered', 'cancelling', 'cancelled', 'returning'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * An order from a sales channel. Money is integer minor units of `currency` (ISO 4217). The buyer's name, phone
 * and address are sealed (AES-256-GCM under the credential store's root secret) and deleted after retention;
 * `buyerRef` is a keyed pseudonym of the channel's buyer id, for reporting without personal data.
 */
export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    /** The integrations.yaml system the order came from (e.g. shopee). */
    system: p.string(),
    channel: p.string(),
    country: p.string(),
    /** The channel's shop or account id. */
    accountRef: p.string().nullable(),
    orderSn: p.string(),
    status: p.string().index(),
    channelStatus: p.string(),
    /** Milliseconds, as JavaScript holds them (pages compare what they read back). */
    placedAt: p.datetime().length(3),
    /** The channel's own last-change time: older news never overwrites newer. */
    sourceUpdatedAt: p.datetime(),
    totalMinor: p.bigint('number'),
    currency: p.string(),
    /** The order as the OMS receives it (mapped by the channel's mapping), without the buyer's personal data. */
    document: p.json<Record<string, unknown>>(),
    buyerSealed: p.text().nullable(),
    buyerRef: p.string().nullable(),
    omsOrderId: p.string().nullable(),
    trackingNumber: p.string().nullable(),
    carrier: p.string().nullable(),
    shippedAt: p.datetime().nullable(),
    /** When the tracking number reached the channel (verified there). */
    trackingSentAt: p.datetime().nullable(),
    /** When it reached a final status (delivered, cancelled): the buyer retention counts from here. */
    completedAt: p.datetime().nullable(),
    buyerDeletedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    /** Milliseconds, as JavaScript holds them: exports page by (updatedAt, id) and must read back exactly what they compare. */
    updatedAt: p.datetime().length(3),
  },
  uniques: [{ properties: ['channel', 'orderSn'] }],
  // The list pages by (placedAt, id) newest first, exports by (updatedAt, id) or (placedAt, id).
  indexes: [{ properties: ['placedAt', 'id'] }, { properties: ['updatedAt', 'id'] }],
});
