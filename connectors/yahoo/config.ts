// The yahoo block of config/integrations.yaml: YConnect auth, the shopping API endpoint, the seller.
import { z } from 'zod';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';
import type { RateLimit } from '../../platform/http/index.js';

export const yahooConfigSchema = integrationBlock({
  auth: authSchema('yconnect', {
    authorize_url: z.string().url(),
    token_url: z.string().url(),
    client_id: optionalString,
    client_secret: optionalString,
    redirect_uri: z.string().url().default('http://127.0.0.1:8976/callback'),
    /** Optional: normally stored encrypted by `tsunagi yahoo-token`. */
    refresh_token: optionalString,
  }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z.strictObject({ seller_id: optionalString }),
  rate_limit: rateLimitSchema.default({ perSecond: 10, burst: 10 }),
});

export type YahooBlock = z.infer<typeof yahooConfigSchema>;

/** What the client and the YConnect flow read. */
export interface YahooConfig {
  endpoint: string;
  authorizeUrl: string;
  tokenUrl: string;
  sellerId?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUri: string;
  refreshToken?: string;
  rateLimit: RateLimit;
}

export const yahooClientConfig = (b: YahooBlock): YahooConfig => ({
  endpoint: b.endpoints.api,
  authorizeUrl: b.auth.authorize_url,
  tokenUrl: b.auth.token_url,
  sellerId: b.settings.seller_id,
  clientId: b.auth.client_id,
  clientSecret: b.auth.client_secret,
  redirectUri: b.auth.redirect_uri,
  refreshToken: b.auth.refresh_token,
  rateLimit: b.rate_limit,
});
