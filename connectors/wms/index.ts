// The wms connector's descriptor: the merchant's warehouse as a stock source (REST, WebSocket stream, FTP drops),
// its stream's state on /metrics, and its simulator.
import { Gauge, type Registry } from 'prom-client';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { STREAM_REPORT_STALE_MS, WmsClient } from './client.js';
import { wmsClientConfig, wmsConfigSchema, type WmsBlock } from './config.js';
import { WmsSimulator, wmsSandboxBlock } from './simulator.js';

/** Per metrics registry, the clients whose stream it reports (one set of gauges per registry). */
const reported = new WeakMap<Registry, Set<WmsClient>>();

function registerStreamMetrics(client: WmsClient, registry: Registry): void {
  const known = reported.get(registry);
  if (known) return void known.add(client);
  const clients = new Set([client]);
  reported.set(registry, clients);
  // One read of the reports per scrape, whichever gauge asks first: they live in the database, so any process
  // serving /metrics shows the stream of the worker that consumes it.
  let reading: { at: number; value: Promise<[string, Awaited<ReturnType<WmsClient['streamReport']>>][]> } | undefined;
  const reports = () => {
    if (!reading || Date.now() - reading.at > 500) {
      reading = { at: Date.now(), value: Promise.all([...clients].map(async (c) => [c.name, await c.streamReport().catch(() => undefined)] as [string, Awaited<ReturnType<WmsClient['streamReport']>>])) };
    }
    return reading.value;
  };
  const gauge = (name: string, help: string, value: (r: NonNullable<Awaited<ReturnType<WmsClient['streamReport']>>>) => number | null) =>
    new Gauge({
      name, help, labelNames: ['system'], registers: [registry],
      async collect() {
        this.reset();
        for (const [system, r] of await reports()) {
          const v = r ? value(r) : null;
          if (v !== null) this.set({ system }, v);
        }
      },
    });
  gauge('tsunagi_wms_stream_connected', 'WMS stream connected (1) or not (0), as its consumer last reported', (r) => (r.connected && r.ageMs <= STREAM_REPORT_STALE_MS ? 1 : 0));
  gauge('tsunagi_wms_stream_last_seq', 'Last WMS stream sequence number processed', (r) => r.lastSeq);
  gauge('tsunagi_wms_stream_lag_seconds', 'From the last processed change in the WMS to its processing', (r) => (r.lagMs === null ? null : r.lagMs / 1000));
  gauge('tsunagi_wms_stream_report_age_seconds', 'Age of the stream consumer\'s last report (large: no consumer running)', (r) => r.ageMs / 1000);
}

export const wmsConnector: ConnectorDescriptor<WmsBlock, WmsClient> = {
  id: 'wms',
  implements: ['HealthCheck'],
  configSchema: wmsConfigSchema,
  credentials: (b) => ({
    'auth.key': b.auth.key,
    ...(b.endpoints.ftp?.url ? { 'endpoints.ftp.user': b.endpoints.ftp.user, 'endpoints.ftp.password': b.endpoints.ftp.password } : {}),
  }),
  create: (block, deps) =>
    new WmsClient({
      config: wmsClientConfig(block), mappings: deps.mappings, state: deps.state.for(block.name), policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome,
    }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  metrics: registerStreamMetrics,
  operations: {},
  simulator: {
    create: ({ stateFile, rateLimits }) => new WmsSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'setStock', 'getStock', 'count', 'latestSeq', 'reset', 'dropStream', 'skipSeq', 'freezeStream', 'dropFile', 'files', 'readFile'],
    sandboxConfig: wmsSandboxBlock,
  },
};
