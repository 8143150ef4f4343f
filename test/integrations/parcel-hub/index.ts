// A throwaway connector that exists only in this test folder: the proof that a new system is one folder and
// one block of integrations.yaml. Its descriptor has everything a shipped one has.
import { z } from 'zod';
import { HttpClient } from '../../../platform/http/index.js';
import { authSchema, integrationBlock, optionalString, type ConnectorDescriptor } from '../../../platform/integrations/index.js';
import { PARCEL_HUB_SANDBOX_KEY, ParcelHubSimulator } from './simulator.js';

export const parcelHubConfigSchema = integrationBlock({
  auth: authSchema('api_key', { key: optionalString }),
  endpoints: z.strictObject({ api: z.string().url() }),
  settings: z.strictObject({}).prefault({}),
  rate_limit: z.undefined().optional(),
});
type ParcelHubBlock = z.infer<typeof parcelHubConfigSchema>;

interface ParcelHub {
  http: HttpClient;
  key: string;
}

export const parcelHubConnector: ConnectorDescriptor<ParcelHubBlock, ParcelHub> = {
  id: 'parcel-hub',
  implements: ['HealthCheck'],
  configSchema: parcelHubConfigSchema,
  credentials: (b) => ({ 'auth.key': b.auth.key }),
  create: (block, deps) => ({
    http: new HttpClient({ system: block.name, baseUrl: block.endpoints.api, policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
    key: block.auth.key ?? '',
  }),
  async health(c) {
    try {
      await c.http.request({ url: '/ping', headers: { 'x-api-key': c.key }, operation: 'ping' });
      return { name: 'parcel-hub', ok: true, detail: 'reachable', expiresInDays: null };
    } catch (err) {
      return { name: 'parcel-hub', ok: false, detail: (err as Error).message, expiresInDays: null };
    }
  },
  operations: {
    push: {
      description: 'send one parcel',
      changes: true,
      // The scheduled run sends no input: the defaults stand in.
      input: z.strictObject({ ref: z.string().min(1).default('scheduled'), weightGrams: z.number().int().positive().default(1) }),
      output: z.union([
        z.strictObject({ wouldSend: z.strictObject({ ref: z.string(), weightGrams: z.number() }) }),
        z.object({ id: z.number().int().positive() }),
      ]),
      async run(c, { input, dryRun }) {
        if (dryRun) return { wouldSend: input };
        const res = await c.http.request({ method: 'POST', url: '/parcels', headers: { 'x-api-key': c.key }, body: input, operation: 'push' });
        return res.json<{ id: number }>();
      },
    },
  },
  simulator: {
    create: () => new ParcelHubSimulator(),
    controlMethods: ['count'],
    sandboxConfig: (block, url) => ({ ...block, endpoints: { api: url }, auth: { ...block.auth, key: PARCEL_HUB_SANDBOX_KEY } }),
  },
};
