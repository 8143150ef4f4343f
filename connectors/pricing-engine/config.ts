// The pricing-engine block of config/integrations.yaml: a REST pricing engine with an API key.
import { z } from 'zod';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';
import type { RateLimit } from '../../platform/http/index.js';

export const PRICING_MAX_SKUS = 100;

export const pricingEngineConfigSchema = integrationBlock({
  auth: authSchema('api_key', { key: optionalString }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z
    .strictObject({
      /** SKUs per calculation (the engine takes at most 100). */
      batch_size: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1).max(PRICING_MAX_SKUS)).default(PRICING_MAX_SKUS),
    })
    .prefault({}),
  rate_limit: rateLimitSchema.default({ perSecond: 10, burst: 10 }),
});

export type PricingEngineBlock = z.infer<typeof pricingEngineConfigSchema>;

export interface PricingEngineConfig {
  system: string;
  endpoint: string;
  apiKey?: string;
  batchSize: number;
  rateLimit: RateLimit;
}

export const pricingEngineClientConfig = (b: PricingEngineBlock): PricingEngineConfig => ({
  system: b.name, endpoint: b.endpoints.api, apiKey: b.auth.key, batchSize: b.settings.batch_size, rateLimit: b.rate_limit,
});
