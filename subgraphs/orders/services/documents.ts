// What the channel's mappings must produce: the OMS order document (config/data-mappings.json, e.g.
// shopee_to_oms) and its lines. Checked here, once, so that a mapping that drifts from the OMS contract is a clear
// error on the order that showed it, not a half-stored order.
import { z } from 'zod';
import { ORDER_STATUSES } from '../entities/order.js';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const minor = z.number().int().refine(Number.isSafeInteger, 'out of range');

export const documentSchema = z.looseObject({
  external_order_id: z.string().min(1).max(64),
  country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code'),
  currency: z.string().refine((c) => CURRENCIES.has(c), 'an ISO 4217 currency code'),
  status: z.enum(ORDER_STATUSES),
  totals: z.looseObject({ amount_minor: minor.min(0) }),
  ordered_at: z.iso.datetime({ offset: true }),
  shipping: z
    .strictObject({
      name: z.string().max(500).optional(),
      phone: z.string().max(100).optional(),
      postal_code: z.string().max(50).optional(),
      address: z.string().max(2000).optional(),
    })
    .optional(),
});
export type OrderDocument = z.infer<typeof documentSchema>;

export const lineSchema = z.looseObject({
  sku: z.string().min(1, 'a SKU is required').max(255),
  name: z.string().max(1000).optional(),
  quantity: z.number().int().positive().max(1_000_000),
  unit_price_minor: minor.min(0),
});
export type LineDocument = z.infer<typeof lineSchema>;

/** The buyer's personal data, as sealed in the order row. */
export type Buyer = NonNullable<OrderDocument['shipping']>;

/** zod's issues as one line naming each field. */
export const describeIssues = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
