// The rakuten connector's descriptor: an RMS stock target (ESA auth) and its simulator.
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { stockByCodeSchema } from '../../subgraphs/inventory/ports.js';
import { BULK_GET_LIMIT, RakutenClient } from './client.js';
import { rakutenClientConfig, rakutenConfigSchema, type RakutenBlock } from './config.js';
import { RAKUTEN_SANDBOX_CREDENTIALS, RakutenSimulator } from './simulator.js';

export const rakutenConnector: ConnectorDescriptor<RakutenBlock, RakutenClient> = {
  id: 'rakuten',
  implements: ['StockTarget', 'HealthCheck'],
  configSchema: rakutenConfigSchema,
  credentials: (b) => ({ 'auth.service_secret': b.auth.service_secret, 'auth.license_key': b.auth.license_key }),
  create: (block, deps) => new RakutenClient({ config: rakutenClientConfig(block), policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  operations: {
    get_stock: {
      description: 'quantities the mall holds for the given item codes (read only; null where it has no such listing)',
      changes: false,
      input: z.strictObject({ codes: z.array(z.string().min(1)).min(1).max(BULK_GET_LIMIT) }),
      output: stockByCodeSchema,
      run: async (client, { input }) => ({ stock: Object.fromEntries(await client.getStock(input.codes)) }),
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new RakutenSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'clear', 'reset', 'addMissing', 'setQuantity', 'getQuantity'],
    sandboxConfig: (block, url) => ({
      ...block,
      endpoints: { ...block.endpoints, api: url },
      auth: { ...block.auth, service_secret: RAKUTEN_SANDBOX_CREDENTIALS.serviceSecret, license_key: RAKUTEN_SANDBOX_CREDENTIALS.licenseKey },
    }),
  },
};
