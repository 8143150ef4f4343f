// The notify connector's descriptor: operator alerts (the log, plus a Slack-compatible webhook when configured).
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { createNotifier, type Notifier } from './client.js';
import { notifyConfigSchema, type NotifyBlock } from './config.js';
import { SlackWebhookSimulator } from './simulator.js';

interface NotifyConnector {
  notifier: Notifier;
  webhook: boolean;
}

export const notifyConnector: ConnectorDescriptor<NotifyBlock, NotifyConnector> = {
  id: 'notify',
  implements: ['Notifier', 'HealthCheck'],
  configSchema: notifyConfigSchema,
  // The webhook URL is not a marketplace credential: it never decides sandbox mode.
  credentials: () => ({}),
  create: (block, deps) => ({
    notifier: createNotifier({ slackWebhookUrl: block.auth.slack_webhook_url, policy: block.retry_config }, deps.logger, deps.onOutcome),
    webhook: block.auth.slack_webhook_url !== undefined,
  }),
  health: async (c) => ({
    name: 'notify', ok: true, detail: c.webhook ? 'log and Slack webhook' : 'log only (no webhook configured)', expiresInDays: null,
  }),
  operations: {
    send: {
      description: 'send an alert to the operators (log, and the webhook when configured)',
      changes: true,
      input: z.strictObject({
        severity: z.enum(['warning', 'critical']).default('warning'),
        title: z.string().min(1).max(200),
        text: z.string().min(1).max(3000),
      }),
      output: z.strictObject({ sent: z.boolean(), to: z.array(z.string()) }),
      async run(c, { input, dryRun }) {
        if (!dryRun) await c.notifier.notify(input);
        return { sent: !dryRun, to: c.webhook ? ['log', 'webhook'] : ['log'] };
      },
    },
  },
  simulator: {
    create: () => new SlackWebhookSimulator(),
    controlMethods: [],
    // Only when no webhook is configured: sandbox alerts then reach the local receiver.
    sandboxConfig: (block, url) => ({ ...block, auth: { ...block.auth, slack_webhook_url: block.auth.slack_webhook_url ?? url } }),
  },
};
