// The pim connector's descriptor: the product master (Akeneo-shaped REST API and export file) as the catalog's
// ProductSource, its operations and its simulator.
import { z } from 'zod';
import { InvalidInputError } from '../../platform/errors.js';
import type { ConnectorDescriptor, OperationServices } from '../../platform/integrations/index.js';
import { productImportReportSchema, type ProductImport } from '../../subgraphs/catalog/ports.js';
import { PimClient } from './client.js';
import { pimClientConfig, pimConfigSchema, type PimBlock } from './config.js';
import { readProductFile } from './csv.js';
import { PIM_TO_CATALOG } from './product.js';
import { PIM_SANDBOX_CREDENTIALS, PIM_TOKEN_PATH, PimSimulator } from './simulator.js';

/** Largest export file accepted inline (base64) through the API; the CLI reads larger ones from disk. */
const MAX_INLINE_BYTES = 20 * 1024 * 1024;

function productImport(services: OperationServices): ProductImport {
  if (!services.products) throw new Error('the catalog’s product import is not available in this process');
  return services.products;
}

const fromSource = (mode: 'FULL' | 'INCREMENTAL') => ({
  description:
    mode === 'FULL'
      ? 'every product of the PIM into the catalog (only changed products are written)'
      : 'the products the PIM changed since the last run’s watermark (with a small overlap) into the catalog',
  changes: false,
  input: z.strictObject({}),
  output: productImportReportSchema,
  run: (client: PimClient, { services, dryRun, trigger, actor }: { services: OperationServices; dryRun: boolean; trigger: string; actor?: string }) =>
    productImport(services).importFromSource(client, { system: client.name, mode, dryRun, trigger, actor }),
});

export const pimConnector: ConnectorDescriptor<PimBlock, PimClient> = {
  id: 'pim',
  implements: ['ProductSource', 'HealthCheck'],
  configSchema: pimConfigSchema,
  credentials: (b) => ({ 'auth.client_id': b.auth.client_id, 'auth.secret': b.auth.secret, 'auth.username': b.auth.username, 'auth.password': b.auth.password }),
  create: (block, deps) =>
    new PimClient({
      config: pimClientConfig(block), mapping: deps.mappings.get(PIM_TO_CATALOG), credentials: deps.credentials, tokens: deps.tokens,
      policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome,
    }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  operations: {
    'products-full': fromSource('FULL'),
    'products-incremental': fromSource('INCREMENTAL'),
    'products-csv': {
      description: 'the PIM’s product export file (CSV) into the catalog, all or nothing; every bad row is named',
      changes: false,
      input: z
        .strictObject({
          /** A path on this machine: only from the CLI (`-f file.csv`). */
          file: z.string().min(1).optional(),
          /** The file's bytes, base64 (the API). */
          content: z.string().min(1).optional(),
          fileName: z.string().min(1).max(255).optional(),
        })
        .refine((i) => (i.file === undefined) !== (i.content === undefined), 'give the file (-f) or its content (base64), one of them'),
      output: productImportReportSchema,
      async run(client, { input, services, dryRun, trigger, actor }) {
        if (input.file !== undefined && trigger !== 'cli') throw new InvalidInputError('input', 'input.file: a path is read only from the CLI; send the file as input.content (base64)');
        const bytes = input.content === undefined ? undefined : Buffer.from(input.content, 'base64');
        if (bytes && (bytes.length === 0 || bytes.length > MAX_INLINE_BYTES)) {
          throw new InvalidInputError('input', `input.content: ${bytes.length} bytes decoded; 1 to ${MAX_INLINE_BYTES} are accepted`);
        }
        const source = input.file !== undefined ? { path: input.file } : { name: input.fileName ?? 'products.csv', bytes: bytes! };
        const records = await readProductFile(source, client.config.csv, client.mapping, client.mappedAttributes);
        const fileName = 'path' in source ? source.path.split(/[\\/]/).at(-1)! : source.name;
        return productImport(services).importFile(records, { system: client.name, fileName, dryRun, trigger, actor });
      },
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new PimSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'clear', 'reset', 'count', 'update', 'getProduct', 'expireAccessTokens', 'expireCursors'],
    // The sandbox's demo SKUs get demo product data (names, categories, weights, image references).
    async seedDemo(call, _block, skus) {
      await call('clear');
      await call('seed', skus);
    },
    sandboxConfig: (block, url) => ({
      ...block,
      endpoints: { ...block.endpoints, api: url },
      auth: {
        ...block.auth,
        token_url: `${url}${PIM_TOKEN_PATH}`,
        client_id: PIM_SANDBOX_CREDENTIALS.clientId,
        secret: PIM_SANDBOX_CREDENTIALS.secret,
        username: PIM_SANDBOX_CREDENTIALS.username,
        password: PIM_SANDBOX_CREDENTIALS.password,
      },
    }),
  },
};
