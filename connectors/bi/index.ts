// The bi connector's descriptor: sales lines to the BI system's import API and daily CSV extracts, by the
// operation sales-export (scheduled daily; `--from/--to` for a window), and the import API's simulator.
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { BiClient } from './client.js';
import { biClientConfig, biConfigSchema, type BiBlock } from './config.js';
import { BI_SANDBOX_CREDENTIALS, BiSimulator } from './simulator.js';

/** The longest window one run exports. */
const MAX_WINDOW_DAYS = 366;
const day = z.string().refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && DateTime.fromISO(d).isValid, 'a date YYYY-MM-DD');

interface BiConnector {
  client: BiClient;
  state: import('../../platform/integrations/state.js').IntegrationState;
}

export const biConnector: ConnectorDescriptor<BiBlock, BiConnector> = {
  id: 'bi',
  implements: ['HealthCheck'],
  configSchema: biConfigSchema,
  credentials: (b) => ({ 'auth.api_key': b.auth.api_key, 'auth.buyer_key_secret': b.auth.buyer_key_secret }),
  create: (block, deps) => ({
    client: new BiClient({ config: biClientConfig(block), dataDir: deps.dataDir, policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
    state: deps.state.for(block.name),
  }),
  health: (c) => c.client.health(),
  close: (c) => c.client.close(),
  operations: {
    'sales-export': {
      description: 'sales lines (no personal data) to the BI import API and the daily CSV extracts: the orders changed since the last run, or those placed from..to',
      changes: true,
      input: z
        .strictObject({ from: day.optional(), to: day.optional() })
        .refine((w) => (w.from === undefined) === (w.to === undefined), 'give both from and to, or neither')
        .refine((w) => !w.from || !w.to || w.from <= w.to, 'from is after to')
        .refine((w) => !w.from || !w.to || DateTime.fromISO(w.to).diff(DateTime.fromISO(w.from), 'days').days < MAX_WINDOW_DAYS, `at most ${MAX_WINDOW_DAYS} days`),
      output: z.strictObject({
        mode: z.enum(['incremental', 'range']), dryRun: z.boolean(), orders: z.number().int(), rows: z.number().int(), deleted: z.number().int(),
        batches: z.number().int(), days: z.array(z.string()), files: z.array(z.string()), watermark: z.string().nullable(),
      }),
      async run(c, { input, dryRun, services }) {
        if (!services.orders) throw new Error('sales-export needs the orders module');
        return c.client.exportSales(services.orders, c.state, { from: input.from, to: input.to, dryRun });
      },
    },
  },
  simulator: {
    create: ({ stateFile }) => new BiSimulator({ stateFile }),
    controlMethods: ['reset', 'stats', 'rows', 'fail'],
    sandboxConfig: (block, url) => ({
      ...block,
      endpoints: { ...block.endpoints, api: url },
      auth: { ...block.auth, api_key: BI_SANDBOX_CREDENTIALS.apiKey, buyer_key_secret: BI_SANDBOX_CREDENTIALS.buyerKeySecret },
    }),
    publicCredentials: (block, url) => ({ url, apiKey: block.auth.api_key }),
  },
};
