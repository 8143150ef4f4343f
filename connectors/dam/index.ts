// The dam connector's descriptor: the digital asset manager as the media module's ImageSource, its operation (the
// image sync through the media module) and its simulator.
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { imageSyncReportSchema } from '../../subgraphs/media/ports.js';
import { DamClient } from './client.js';
import { damClientConfig, damConfigSchema, type DamBlock } from './config.js';
import { DAM_SANDBOX_KEY, DamSimulator } from './simulator.js';

export const damConnector: ConnectorDescriptor<DamBlock, DamClient> = {
  id: 'dam',
  implements: ['ImageSource', 'HealthCheck'],
  configSchema: damConfigSchema,
  credentials: (b) => ({ 'auth.key': b.auth.key }),
  create: (block, deps) => new DamClient({ config: damClientConfig(block), policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  operations: {
    'images-sync': {
      description: 'every product’s images (or one SKU’s, --sku) from the DAM, made once per source and market rule as WebP and served by the hub',
      changes: false,
      input: z.strictObject({ sku: z.string().min(1).max(255).optional() }),
      output: imageSyncReportSchema,
      async run(client, { input, services, dryRun, trigger, actor }) {
        if (!services.media) throw new Error('the media module is not available in this process');
        return services.media.sync({ source: client, sku: input.sku, dryRun, trigger, actor });
      },
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new DamSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'clear', 'reset', 'count', 'addImage', 'replaceImage', 'removeImage'],
    // The sandbox's demo SKUs get two images each, made by the simulator.
    async seedDemo(call, _block, skus) {
      await call('clear');
      await call('seed', skus);
    },
    sandboxConfig: (block, url) => ({ ...block, endpoints: { ...block.endpoints, api: url }, auth: { ...block.auth, key: DAM_SANDBOX_KEY } }),
  },
};
