// The dam block of config/integrations.yaml: a digital asset manager (REST, API key) listing each product's images.
import { z } from 'zod';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';
import type { RateLimit } from '../../platform/http/index.js';

export const damConfigSchema = integrationBlock({
  auth: authSchema('api_key', { key: optionalString }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z
    .strictObject({
      /** Assets per page (the API takes at most 100). */
      page_size: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1).max(100)).default(100),
    })
    .prefault({}),
  rate_limit: rateLimitSchema.default({ perSecond: 20, burst: 20 }),
});

export type DamBlock = z.infer<typeof damConfigSchema>;

export interface DamConfig {
  system: string;
  endpoint: string;
  apiKey?: string;
  pageSize: number;
  rateLimit: RateLimit;
}

export const damClientConfig = (b: DamBlock): DamConfig => ({
  system: b.name, endpoint: b.endpoints.api, apiKey: b.auth.key, pageSize: b.settings.page_size, rateLimit: b.rate_limit,
});
