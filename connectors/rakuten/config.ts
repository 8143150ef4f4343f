// The rakuten block of config/integrations.yaml: ESA auth (service secret + license key), the RMS endpoint,
// one rate limit per API (bulk-upsert is slower than bulk-get).
import { z } from 'zod';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';
import type { RateLimit } from '../../platform/http/index.js';

export const rakutenConfigSchema = integrationBlock({
  auth: authSchema('esa', { service_secret: optionalString, license_key: optionalString }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z
    .strictObject({
      /** variantId used when a SKU master code carries no ":variantId" part (UNCONFIRMED, see README.md). */
      default_variant_id: optionalString,
    })
    .prefault({}),
  rate_limit: z
    .strictObject({
      upsert: rateLimitSchema.default({ perSecond: 1, burst: 1 }),
      get: rateLimitSchema.default({ perSecond: 5, burst: 5 }),
    })
    .prefault({}),
});

export type RakutenBlock = z.infer<typeof rakutenConfigSchema>;

/** What the client reads. */
export interface RakutenConfig {
  endpoint: string;
  serviceSecret?: string;
  licenseKey?: string;
  defaultVariantId?: string;
  upsertRateLimit: RateLimit;
  getRateLimit: RateLimit;
}

export const rakutenClientConfig = (b: RakutenBlock): RakutenConfig => ({
  endpoint: b.endpoints.api,
  serviceSecret: b.auth.service_secret,
  licenseKey: b.auth.license_key,
  defaultVariantId: b.settings.default_variant_id,
  upsertRateLimit: b.rate_limit.upsert,
  getRateLimit: b.rate_limit.get,
});
