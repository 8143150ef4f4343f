// The oms block of config/integrations.yaml: the company's order management system, REST with OAuth 2.0 client
// credentials (integration-contracts §4.4, our own contract), and the Standard Webhooks secret its shipment
// webhooks are signed with.
import { z } from 'zod';
import type { RateLimit } from '../../platform/http/index.js';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';
import { secretKey } from '../../platform/webhooks/standard.js';

const webhookSecret = optionalString.refine((v) => {
  if (v === undefined) return true;
  try {
    secretKey(v);
    return v.startsWith('whsec_');
  } catch {
    return false;
  }
}, 'a Standard Webhooks secret: whsec_ followed by base64 of at least 16 random bytes');

export const omsConfigSchema = integrationBlock({
  auth: authSchema('oauth2', {
    token_url: z.string().url(),
    client_id: optionalString,
    client_secret: optionalString,
    webhook_secret: webhookSecret,
  }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z
    .strictObject({
      /** Consecutive failed calls that open the circuit, and for how many seconds. */
      circuit_failures: z.number().int().positive().default(5),
      circuit_open_seconds: z.number().positive().default(15),
    })
    .prefault({}),
  rate_limit: rateLimitSchema.default({ perSecond: 20, burst: 20 }),
});

export type OmsBlock = z.infer<typeof omsConfigSchema>;

export interface OmsConfig {
  system: string;
  endpoint: string;
  tokenUrl: string;
  clientId?: string;
  clientSecret?: string;
  rateLimit: RateLimit;
  circuit: { failures: number; openMs: number };
}

export const omsClientConfig = (b: OmsBlock): OmsConfig => ({
  system: b.name,
  endpoint: b.endpoints.api,
  tokenUrl: b.auth.token_url,
  clientId: b.auth.client_id,
  clientSecret: b.auth.client_secret,
  rateLimit: b.rate_limit,
  circuit: { failures: b.settings.circuit_failures, openMs: b.settings.circuit_open_seconds * 1000 },
});
