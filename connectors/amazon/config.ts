// The amazon block of config/integrations.yaml: LWA auth, the SP-API endpoint, the marketplace.
import { z } from 'zod';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';
import type { RateLimit } from '../../platform/http/index.js';

export const amazonConfigSchema = integrationBlock({
  auth: authSchema('lwa', {
    token_url: z.string().url(),
    client_id: optionalString,
    client_secret: optionalString,
    refresh_token: optionalString,
    /** LWA client secrets rotate (180 days); the date lets `health` warn ahead of time. */
    client_secret_expires_at: optionalString,
  }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z.strictObject({ marketplace_id: z.string().min(1) }),
  rate_limit: rateLimitSchema.default({ perSecond: 2, burst: 2 }),
});

export type AmazonBlock = z.infer<typeof amazonConfigSchema>;

/** What the client reads. */
export interface AmazonConfig {
  endpoint: string;
  tokenUrl: string;
  marketplaceId: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  clientSecretExpiresAt?: string;
  rateLimit: RateLimit;
}

export const amazonClientConfig = (b: AmazonBlock): AmazonConfig => ({
  endpoint: b.endpoints.api,
  tokenUrl: b.auth.token_url,
  marketplaceId: b.settings.marketplace_id,
  clientId: b.auth.client_id,
  clientSecret: b.auth.client_secret,
  refreshToken: b.auth.refresh_token,
  clientSecretExpiresAt: b.auth.client_secret_expires_at,
  rateLimit: b.rate_limit,
});
