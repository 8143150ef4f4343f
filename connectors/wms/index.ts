// The wms connector's descriptor: the merchant's warehouse as a stock source (REST, WebSocket stream, FTP drops),
// its stream's state on /metrics, and its simulator.
import { z } from 'zod';
import { syncRunSummarySchema, type ConnectorDescriptor, type ConnectorMetrics, type SyncRunSummary } from '../../platform/integrations/index.js';
import { STREAM_REPORT_STALE_MS, WmsApiError, WmsClient, type WmsStockRecord } from './client.js';
import { wmsClientConfig, wmsConfigSchema, type WmsBlock } from './config.js';
import { WmsSimulator, wmsSandboxBlock } from './simulator.js';

const DEMO_AVAILABLE = 70;

const runOutput = z.union([syncRunSummarySchema, z.strictObject({ skipped: z.string() })]);
const fileOutcome = z.strictObject({
  file: z.string(), status: z.string(), rows: z.number().int(), badRows: z.number().int(), report: z.string().optional(), run: syncRunSummarySchema.nullable(),
});

const summary = (run: SyncRunSummary | null | undefined): SyncRunSummary | null =>
  run ? { runId: run.runId, status: run.status, updates: run.updates, failed: run.failed, errorSummary: run.errorSummary } : null;

/** An operation's answer from its stock run: refused while another run of the source holds the lock; a FAILED run fails it. */
function outcome(run: SyncRunSummary | null): z.infer<typeof runOutput> {
  if (!run) return { skipped: 'another stock run holds the lock' };
  if (run.status === 'FAILED') throw new Error(`stock run #${run.runId} FAILED: ${run.errorSummary ?? 'no detail'}`);
  return summary(run)!;
}

async function* sourceItems(pages: AsyncIterable<WmsStockRecord[]>) {
  for await (const page of pages) yield page.map((r) => ({ sku: r.sku, quantity: r.available }));
}

/** Per process metrics, the clients whose stream it reports (one set of gauges each). */
const reported = new WeakMap<ConnectorMetrics, Set<WmsClient>>();

type StreamReport = NonNullable<Awaited<ReturnType<WmsClient['streamReport']>>>;

function registerStreamMetrics(client: WmsClient, metrics: ConnectorMetrics): void {
  const known = reported.get(metrics);
  if (known) return void known.add(client);
  const clients = new Set([client]);
  reported.set(metrics, clients);
  // One read of the reports per scrape, whichever gauge asks first: they live in the database, so any process
  // serving /metrics shows the stream of the worker that consumes it.
  let reading: { at: number; value: Promise<[string, StreamReport | undefined][]> } | undefined;
  const reports = () => {
    if (!reading || Date.now() - reading.at > 500) {
      reading = { at: Date.now(), value: Promise.all([...clients].map(async (c) => [c.name, await c.streamReport().catch(() => undefined)] as [string, StreamReport | undefined])) };
    }
    return reading.value;
  };
  const gauge = (name: string, help: string, value: (r: StreamReport) => number | null) =>
    metrics.gauge(name, help, async () => Object.fromEntries((await reports()).map(([system, r]) => [system, r ? value(r) : null])));
  gauge('tsunagi_wms_stream_connected', 'WMS stream connected (1) or not (0), as its consumer last reported', (r) => (r.connected && r.ageMs <= STREAM_REPORT_STALE_MS ? 1 : 0));
  gauge('tsunagi_wms_stream_last_seq', 'Last WMS stream sequence number processed', (r) => r.lastSeq);
  gauge('tsunagi_wms_stream_lag_seconds', 'From the last processed change in the WMS to its processing', (r) => (r.lagMs === null ? null : r.lagMs / 1000));
  gauge('tsunagi_wms_stream_report_age_seconds', 'Age of the stream consumer\'s last report (large: no consumer running)', (r) => r.ageMs / 1000);
}

export const wmsConnector: ConnectorDescriptor<WmsBlock, WmsClient> = {
  id: 'wms',
  implements: ['StockSource', 'StockStream', 'HealthCheck'],
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
  operations: {
    'stock-incremental': {
      description:
        'what changed in the warehouse since the watermark (REST; or the newest FTP file when settings.batch_source is ftp), on top of ' +
        'its last known figures, to the shops: every shop read and every drift corrected (ledgered, rollback-able); the watermark moves once the run succeeded',
      changes: true,
      input: z.strictObject({}),
      output: runOutput,
      async run(client, { system, services, dryRun, trigger, actor }) {
        if (client.config.batchSource === 'ftp') return outcome(await services.syncStock({ source: system, dryRun, trigger, actor }));
        const changes = await client.incremental();
        const read = { name: `${system} changes since ${changes.since ?? 'the start'}`, pages: () => sourceItems(changes.pages()), changesOnly: true };
        const run = await services.syncStock({ source: system, dryRun, trigger, actor, read });
        if (run && !dryRun && (run.status === 'SUCCESS' || run.status === 'PARTIAL')) await changes.commit();
        return outcome(run);
      },
    },
    'stock-full': {
      description: 'the whole warehouse (REST; or the newest FTP file when settings.batch_source is ftp) to the shops: every shop read and every drift corrected (ledgered, rollback-able)',
      changes: true,
      input: z.strictObject({}),
      output: runOutput,
      run: async (_client, { system, services, dryRun, trigger, actor }) => outcome(await services.syncStock({ source: system, dryRun, trigger, actor })),
    },
    'ftp-import': {
      description:
        'each stock file waiting on the FTP server, once: its rows on top of the last known figures to the shops (a ledgered run per file), the file then ' +
        'moved to done/; a file with any bad row imports nothing and goes to error/ with a report. A dry run moves nothing',
      changes: true,
      input: z.strictObject({}),
      output: z.strictObject({ files: z.array(fileOutcome) }),
      async run(client, { system, services, dryRun, trigger, actor }) {
        if (!client.drops) throw new WmsApiError(`${system}: no FTP server configured (endpoints.ftp.url)`, null);
        const fileRead = (file: string, records: WmsStockRecord[]) => ({
          name: `ftp:${file}`, changesOnly: true, pages: async function* () {
            yield records.map((r) => ({ sku: r.sku, quantity: r.available }));
          },
        });
        if (dryRun) {
          const files = [];
          for (const f of await client.drops.inspect()) {
            const run = f.bad.length === 0 ? await services.syncStock({ source: system, dryRun, trigger, actor, read: fileRead(f.file, f.records) }) : null;
            files.push({ file: f.file, status: f.bad.length ? 'would be rejected' : 'would be imported', rows: f.records.length, badRows: f.bad.length, run: run && summary(run) });
          }
          return { files };
        }
        const runs = new Map<string, SyncRunSummary>();
        const results = await client.drops.importPending(async (file, records) => {
          const run = await services.syncStock({ source: system, dryRun, trigger, actor, read: fileRead(file, records) });
          // Not applied: the file stays waiting and is imported next time.
          if (!run) throw new Error(`${file}: another stock run of ${system} holds the lock; the file waits for the next import`);
          if (run.status === 'FAILED' || run.status === 'INTERRUPTED') throw new Error(`${file}: stock run #${run.runId} ${run.status}: ${run.errorSummary ?? 'no detail'}`);
          runs.set(file, run);
        });
        return { files: results.map((r) => ({ file: r.file, status: r.status, rows: r.rows, badRows: r.badRows, ...(r.report ? { report: r.report } : {}), run: summary(runs.get(r.file)) })) };
      },
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new WmsSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'setStock', 'getStock', 'count', 'latestSeq', 'reset', 'dropStream', 'skipSeq', 'freezeStream', 'dropFile', 'files', 'readFile'],
    sandboxConfig: wmsSandboxBlock,
    publicCredentials: (block, url) => ({
      url, streamUrl: block.endpoints.stream, apiKey: block.auth.key,
      ...(block.endpoints.ftp ? { ftp: { url: block.endpoints.ftp.url, user: block.endpoints.ftp.user, password: block.endpoints.ftp.password, dir: block.endpoints.ftp.dir } } : {}),
    }),
    // The warehouse holds every demo SKU (70 each: 10 per shop under the equal split).
    seedDemo: async (call, _block, skus) => {
      await call('reset');
      await call('seed', skus, DEMO_AVAILABLE);
    },
  },
};
