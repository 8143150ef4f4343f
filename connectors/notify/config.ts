// The notify block of config/integrations.yaml: operator alerts. The Slack-compatible incoming webhook's URL is
// its secret; unset, alerts go to the log only.
import { z } from 'zod';
import { authSchema, integrationBlock, optionalString } from '../../platform/integrations/index.js';

export const notifyConfigSchema = integrationBlock({
  auth: authSchema('webhook_url', { slack_webhook_url: optionalString }),
  endpoints: z.strictObject({}).prefault({}),
  settings: z.strictObject({}).prefault({}),
  // The webhook paces itself (429 + Retry-After, which the HTTP client honours): no client-side limit.
  rate_limit: z.undefined({ error: 'notify takes no rate_limit (the webhook answers 429 when pressed)' }).optional(),
});

export type NotifyBlock = z.infer<typeof notifyConfigSchema>;
