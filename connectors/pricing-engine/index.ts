// The pricing-engine connector's descriptor: the pricing engine as the pricing module's PriceSource, its
// operation (a pricing run through the pricing module) and its simulator.
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { pricingRunSummarySchema } from '../../subgraphs/pricing/ports.js';
import { PricingEngineClient } from './client.js';
import { pricingEngineClientConfig, pricingEngineConfigSchema, type PricingEngineBlock } from './config.js';
import { PRICING_SANDBOX_KEY, PricingEngineSimulator } from './simulator.js';

export const pricingEngineConnector: ConnectorDescriptor<PricingEngineBlock, PricingEngineClient> = {
  id: 'pricing-engine',
  implements: ['PriceSource', 'HealthCheck'],
  configSchema: pricingEngineConfigSchema,
  credentials: (b) => ({ 'auth.key': b.auth.key }),
  create: (block, deps) =>
    new PricingEngineClient({ config: pricingEngineClientConfig(block), policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  operations: {
    'prices-sync': {
      description: 'the engine’s prices to every market’s shop, in its currency and precision; out-of-guardrail changes held for approval',
      changes: true,
      input: z.strictObject({}),
      output: pricingRunSummarySchema,
      async run(client, { services, dryRun, trigger, actor }) {
        if (!services.pricing) throw new Error('the pricing module is not available in this process');
        const run = await services.pricing.runSummary({ source: client, dryRun, trigger, actor });
        if (run.status === 'FAILED') throw new Error(`pricing run #${run.runId} FAILED: ${run.failed} of ${run.changes} change(s) failed`);
        return run;
      },
    },
    'active-rules': {
      description: 'the engine’s active pricing rules (read only)',
      changes: false,
      input: z.strictObject({}),
      output: z.strictObject({
        rules: z.array(z.strictObject({ id: z.string(), name: z.string(), countries: z.array(z.string()), priority: z.number(), updatedAt: z.date().nullable() })),
      }),
      run: async (client) => ({ rules: await client.activeRules() }),
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new PricingEngineSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'clear', 'reset', 'setBasePrice', 'setRule', 'priceOf'],
    // The sandbox's demo SKUs get base prices.
    async seedDemo(call, _block, skus) {
      await call('clear');
      await call('seed', skus);
    },
    sandboxConfig: (block, url) => ({ ...block, endpoints: { ...block.endpoints, api: url }, auth: { ...block.auth, key: PRICING_SANDBOX_KEY } }),
  },
};
