// The pim block of config/integrations.yaml: an Akeneo-shaped product master (password-grant OAuth), its API, how
// its listings are read and how its export files are written.
import { z } from 'zod';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';
import type { RateLimit } from '../../platform/http/index.js';

const int = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v), z.number().int().min(min).max(max));

export const PIM_MAX_PAGE = 100;

export const pimConfigSchema = integrationBlock({
  auth: authSchema('oauth2', {
    /** Akeneo: <api>/api/oauth/v1/token. */
    token_url: z.string().url(),
    client_id: optionalString,
    secret: optionalString,
    username: optionalString,
    password: optionalString,
  }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z
    .strictObject({
      /** Products per page (the API allows at most 100). */
      page_size: int(1, PIM_MAX_PAGE).default(PIM_MAX_PAGE),
      /** An incremental read starts this long before the stored watermark: equal and late timestamps are normal. */
      overlap_seconds: int(0, 86_400).default(60),
      /** A listing whose page cursor expired is started again (skipping what it read) at most this often. */
      max_listing_restarts: int(0, 20).default(3),
      /** The PIM's export file (products-csv). */
      csv: z
        .strictObject({
          encoding: z.enum(['utf-8', 'shift_jis']).default('utf-8'),
          delimiter: z.string().length(1).default(';'),
          max_rows: int(1, 1_000_000).default(200_000),
          max_bytes: int(1, 1024 * 1024 * 1024).default(100 * 1024 * 1024),
        })
        .prefault({}),
    })
    .prefault({}),
  rate_limit: rateLimitSchema.default({ perSecond: 50, burst: 10 }),
});

export type PimBlock = z.infer<typeof pimConfigSchema>;

export interface PimCsvSettings {
  encoding: 'utf-8' | 'shift_jis';
  delimiter: string;
  maxRows: number;
  maxBytes: number;
}

/** What the client reads. */
export interface PimConfig {
  /** The system's name (its block), for logs, tokens and stored credentials. */
  system: string;
  endpoint: string;
  tokenUrl: string;
  clientId?: string;
  secret?: string;
  username?: string;
  password?: string;
  pageSize: number;
  overlapSeconds: number;
  maxListingRestarts: number;
  csv: PimCsvSettings;
  rateLimit: RateLimit;
}

export const pimClientConfig = (b: PimBlock): PimConfig => ({
  system: b.name,
  endpoint: b.endpoints.api,
  tokenUrl: b.auth.token_url,
  clientId: b.auth.client_id,
  secret: b.auth.secret,
  username: b.auth.username,
  password: b.auth.password,
  pageSize: b.settings.page_size,
  overlapSeconds: b.settings.overlap_seconds,
  maxListingRestarts: b.settings.max_listing_restarts,
  csv: { encoding: b.settings.csv.encoding, delimiter: b.settings.csv.delimiter, maxRows: b.settings.csv.max_rows, maxBytes: b.settings.csv.max_bytes },
  rateLimit: b.rate_limit,
});
