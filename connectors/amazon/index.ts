// The amazon connector's descriptor: the FBA stock source (SP-API, LWA auth) and its simulator.
import { z } from 'zod';
import { syncRunSummarySchema, type ConnectorDescriptor } from '../../platform/integrations/index.js';
import { AmazonClient } from './client.js';
import { amazonClientConfig, amazonConfigSchema, type AmazonBlock } from './config.js';
import { AMAZON_SANDBOX_CREDENTIALS, AmazonSimulator } from './simulator.js';

export const amazonConnector: ConnectorDescriptor<AmazonBlock, AmazonClient> = {
  id: 'amazon',
  implements: ['StockSource', 'HealthCheck'],
  configSchema: amazonConfigSchema,
  credentials: (b) => ({ 'auth.client_id': b.auth.client_id, 'auth.client_secret': b.auth.client_secret, 'auth.refresh_token': b.auth.refresh_token }),
  create: (block, deps) =>
    new AmazonClient({ config: amazonClientConfig(block), tokens: deps.tokens, policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  operations: {
    stock_sync: {
      description: 'FBA fulfillable stock to the channels, through the inventory service (ledgered, rollback-able)',
      changes: true,
      input: z.strictObject({}),
      output: z.union([syncRunSummarySchema, z.strictObject({ skipped: z.string() })]),
      // This block is the stock source: its own name says whose channels to sync.
      async run(_client, { system, services, dryRun, trigger, actor }) {
        const run = await services.syncStock({ source: system, dryRun, trigger, actor });
        if (!run) return { skipped: 'another stock run holds the lock' };
        if (run.status === 'FAILED') throw new Error(`stock sync run #${run.runId} FAILED: ${run.errorSummary ?? 'no detail'}`);
        return run;
      },
    },
    get_stock: {
      description: 'fulfillable quantities of the given seller SKUs (read only)',
      changes: false,
      input: z.strictObject({ skus: z.array(z.string().min(1)).min(1).max(1000) }),
      output: z.strictObject({
        items: z.array(z.strictObject({ sku: z.string(), quantity: z.number().int(), productName: z.string().optional() })),
      }),
      run: async (client, { input }) => ({ items: await client.getItems(input.skus) }),
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new AmazonSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'clear', 'count', 'setQuantity', 'getQuantity', 'skus'],
    sandboxConfig: (block, url) => ({
      ...block,
      endpoints: { ...block.endpoints, api: url },
      auth: {
        ...block.auth,
        token_url: `${url}/auth/o2/token`,
        client_id: AMAZON_SANDBOX_CREDENTIALS.clientId,
        client_secret: AMAZON_SANDBOX_CREDENTIALS.clientSecret,
        refresh_token: AMAZON_SANDBOX_CREDENTIALS.refreshToken,
      },
    }),
  },
};
