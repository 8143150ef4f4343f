// The bi block of config/integrations.yaml: the BI system's sales import API (an API key), the secret of the
// pseudonymous buyer key, and how the export batches, where its daily extracts go and in which zone a sale's day is.
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { RateLimit } from '../../platform/http/index.js';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';

/** Most rows one import call takes (the simulated API's limit). */
export const MAX_BATCH = 5000;

export const biConfigSchema = integrationBlock({
  auth: authSchema('api_key', {
    api_key: optionalString,
    /** The HMAC key of the buyer key in BI rows (32+ characters): without it nobody can link a key to a buyer. */
    buyer_key_secret: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z
    .strictObject({
      batch_size: z.coerce.number().int().min(1).max(MAX_BATCH).default(MAX_BATCH),
      /** The daily CSV extracts: a directory under the data directory (or an absolute path). */
      extract_dir: z.string().min(1).default('bi'),
      /** The zone whose calendar day a sale counts in (the `date` column, the extract's file). */
      timezone: z.string().refine((tz) => DateTime.local().setZone(tz).isValid, 'an IANA time zone such as Asia/Tokyo').default('Asia/Tokyo'),
      /** An incremental run starts this many seconds before its watermark (orders committed late). */
      overlap_seconds: z.coerce.number().int().min(0).max(86_400).default(60),
    })
    .prefault({}),
  rate_limit: rateLimitSchema.default({ perSecond: 20, burst: 20 }),
});

export type BiBlock = z.infer<typeof biConfigSchema>;

export interface BiConfig {
  system: string;
  endpoint: string;
  apiKey?: string;
  buyerKeySecret?: string;
  batchSize: number;
  extractDir: string;
  timezone: string;
  overlapMs: number;
  rateLimit: RateLimit;
}

export const biClientConfig = (b: BiBlock): BiConfig => ({
  system: b.name, endpoint: b.endpoints.api, apiKey: b.auth.api_key, buyerKeySecret: b.auth.buyer_key_secret, batchSize: b.settings.batch_size,
  extractDir: b.settings.extract_dir, timezone: b.settings.timezone, overlapMs: b.settings.overlap_seconds * 1000, rateLimit: b.rate_limit,
});
