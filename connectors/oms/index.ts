// The oms connector's descriptor: the order management system orders go to (OrderSink), its shipment webhooks
// (Standard Webhooks), the hourly read-back of shipped orders, and its simulator.
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { OmsClient, omsWebhookReceiver } from './client.js';
import { omsClientConfig, omsConfigSchema, type OmsBlock } from './config.js';
import { OMS_SANDBOX_CREDENTIALS, OmsSimulator } from './simulator.js';

const HOUR_MS = 3_600_000;

export const omsConnector: ConnectorDescriptor<OmsBlock, OmsClient> = {
  id: 'oms',
  implements: ['OrderSink', 'HealthCheck'],
  configSchema: omsConfigSchema,
  credentials: (b) => ({ 'auth.client_id': b.auth.client_id, 'auth.client_secret': b.auth.client_secret, 'auth.webhook_secret': b.auth.webhook_secret }),
  create: (block, deps) =>
    new OmsClient({ config: omsClientConfig(block), tokens: deps.tokens, policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  webhook: omsWebhookReceiver,
  operations: {
    poll_shipments: {
      description: 'read back the orders the OMS shipped in the last `hours` (default 2) and record their tracking numbers: the safety net for missed shipment webhooks',
      changes: true,
      input: z.strictObject({ hours: z.number().int().min(1).max(720).default(2) }),
      output: z.strictObject({ shipped: z.number().int(), recorded: z.number().int() }),
      async run(client, { input, dryRun, services }) {
        if (!services.orders) throw new Error('poll_shipments needs the orders module');
        let seen = 0;
        let recorded = 0;
        for await (const page of client.shippedSince(new Date(Date.now() - input.hours * HOUR_MS))) {
          seen += page.length;
          if (!dryRun) recorded += await services.orders.recordShipments(page);
        }
        return { shipped: seen, recorded };
      },
    },
    get_order: {
      description: 'one order as the OMS holds it (read only)',
      changes: false,
      input: z.strictObject({ id: z.string().min(1).max(255) }),
      output: z.looseObject({ id: z.string(), external_order_id: z.string(), status: z.string() }),
      run: (client, { input }) => client.getOrder(input.id),
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new OmsSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['reset', 'listOrders', 'getOrder', 'ship', 'setWebhookUrl', 'down', 'fail', 'slow', 'clearFaults', 'deliveries'],
    sandboxConfig: (block, url) => ({
      ...block,
      endpoints: { ...block.endpoints, api: url },
      auth: {
        ...block.auth, token_url: `${url}/oauth/token`, client_id: OMS_SANDBOX_CREDENTIALS.clientId,
        client_secret: OMS_SANDBOX_CREDENTIALS.clientSecret, webhook_secret: OMS_SANDBOX_CREDENTIALS.webhookSecret,
      },
    }),
    // The Standard Webhooks secret in its whsec_ form: a tester signs shipment webhooks with any library.
    publicCredentials: (block, url) => ({ url, clientId: block.auth.client_id, clientSecret: block.auth.client_secret, webhookSecret: block.auth.webhook_secret }),
  },
};
