// The composition root: config → logger → database → event bus → credential store → services → connectors.
// `npm start`, the CLI, the job worker, tests and benchmarks all build Tsunagi through this one function.
// The connectors are whatever config/integrations.yaml names, built by their descriptors (connectors/index.ts).
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { connectorRegistry } from '../connectors/index.js';
import { sandboxListingProvisioner } from './sandbox-listings.js';
import { SCHEMA } from './schema.js';
import { openSandbox, type Sandbox } from '../connectors/sandbox/index.js';
import { DatabaseCredentialStore, FieldSealer, resolveSecretKey } from '../platform/auth/credential-store.js';
import { TokenManager } from '../platform/auth/token-manager.js';
import type { Config, IntegrationsConfig } from '../platform/config/index.js';
import { openDatabase, type Database } from '../platform/db/index.js';
import { databaseLock } from '../platform/db/lease.js';
import { createEventBus, type EventBus } from '../platform/events/index.js';
import { connectorIdOf, type ConnectorDeps, type ConnectorDescriptor, type IntegrationRegistry } from '../platform/integrations/index.js';
import { IntegrationHub } from '../platform/integrations/hub.js';
import { IntegrationStateStore } from '../platform/integrations/state.js';
import { silentLogger } from '../platform/log/index.js';
import { PROJECT_ROOT } from '../platform/project.js';
import type { CallOutcome } from '../platform/http/index.js';
import { MappingSet, mappingsPathFor } from '../platform/transform/index.js';
import { ProductCatalog } from '../subgraphs/catalog/products.js';
import { CatalogService } from '../subgraphs/catalog/service.js';
import { InventoryService } from '../subgraphs/inventory/service.js';
import type { OrderFulfilment, OrderSink, OrderSource } from '../subgraphs/orders/ports.js';
import { OrdersService } from '../subgraphs/orders/service.js';
import type { HealthCheck, StockSource, StockTarget } from '../subgraphs/inventory/ports.js';
import { parseStockSources, StockSources } from '../subgraphs/inventory/sources.js';
import type { ImageSource } from '../subgraphs/media/ports.js';
import { MediaService } from '../subgraphs/media/service.js';
import { createMediaStore } from '../subgraphs/media/store.js';
import type { PriceSource, PriceTargets } from '../subgraphs/pricing/ports.js';
import { ListingPublisher } from '../subgraphs/catalog/listing-publisher.js';
import type { ListingTargets } from '../subgraphs/catalog/ports.js';
import { PricingService } from '../subgraphs/pricing/service.js';
import { ReportingService } from '../subgraphs/reporting/service.js';
import type { Notifier } from '../subgraphs/reporting/ports.js';
import { AlertService } from '../subgraphs/reporting/services/alerts.js';
import { AlertRules } from '../subgraphs/reporting/services/alert-rules.js';
import { DailyReportService } from '../subgraphs/reporting/services/daily-report.js';
import type { HubMetrics } from '../subgraphs/reporting/services/metrics.js';
import { SystemHealth } from '../subgraphs/reporting/services/system-health.js';
import type { SchedulerStatus } from '../subgraphs/reporting/ports.js';
import type { SchedulerReader } from '../jobs/status.js';
import { hubStatus } from './hub-presence.js';
import { RunActivity } from '../subgraphs/inventory/services/activity.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  db: Database;
  events: EventBus;
  credentials: DatabaseCredentialStore;
  /** Access tokens of every connector's auth scheme, and their expiries. */
  tokens: TokenManager;
  reporting: ReportingService;
  catalog: CatalogService;
  /** The catalog's product data (from the product master). */
  products: ProductCatalog;
  /** Prices per market, from the pricing engine to the shops. */
  pricing: PricingService;
  /** Product images per market, from the DAM, stored by content hash. */
  media: MediaService;
  inventory: InventoryService;
  orders: OrdersService;
  /** The data mappings (config/data-mappings.json), validated before anything else opens. */
  mappings: MappingSet;
  /** The connectors this process knows (the shipped ones and any the caller added). */
  registry: IntegrationRegistry;
  /** The configured systems' connectors: list, run operations, health. */
  hub: IntegrationHub;
  /** The built connectors by system name (tests reach into them). */
  connectors: Record<string, unknown>;
  /** send_alert: the operators' alerts and reports, routed to the notify system's channels (and the log). */
  alerts: AlertService;
  /** The daily report: built for a day, rendered as mail or file, sent by routing. */
  dailyReport: DailyReportService;
  /** The alert rules (config/notifications.yaml), evaluated by the job worker. */
  alertRules: AlertRules;
  /**
   * Calls, runs, alerts and credential expiry as Prometheus metrics: built on first request (the gateway, which
   * serves them at /metrics), counting this process's calls from then on. Other processes never load prom-client.
   */
  hubMetrics(): Promise<HubMetrics>;
  /** The job store's view of the scheduled jobs and the workers (its connection opened on first use). */
  scheduler(): Promise<SchedulerStatus>;
  /** The scheduler, the hub serving the data directory, and disk space: health beside the systems'. */
  systemHealth: SystemHealth;
  /** Present in sandbox mode. */
  sandbox?: Sandbox;
  /** The integrations config as the connectors use it (simulator URLs in sandbox mode). */
  integrations: IntegrationsConfig;
  healthChecks(): HealthCheck[];
  close(): Promise<void>;
}

export interface ContextOptions {
  config: Config;
  logger?: Logger;
  /** Overrides config.database.url (tests). */
  databaseUrl?: string;
  /** A sandbox the caller already opened (tests, benchmarks); otherwise opened from config.dataDir. */
  sandbox?: Sandbox;
  /** false: simulators without rate limits (benchmarks). */
  rateLimits?: boolean;
  /** Connectors besides the shipped ones (a test's throwaway connector); config must have been loaded with them too. */
  connectors?: ConnectorDescriptor[];
}

export async function createContext(opts: ContextOptions): Promise<AppContext> {
  const { config } = opts;
  const logger = opts.logger ?? silentLogger;
  const registry = connectorRegistry(opts.connectors);
  const mappings = MappingSet.load(mappingsPathFor(config.configPath));
  const url = opts.databaseUrl ?? config.database.url;
  const db = await openDatabase({ url, dataDir: config.dataDir, logger, schema: SCHEMA });
  const closers: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    const events = createEventBus({ db, logger });
    closers.unshift(() => events.close());
    const secretKey = resolveSecretKey(config.secrets.key, config.dataDir);
    const credentials = new DatabaseCredentialStore(db, secretKey);
    await credentials.upgrade(logger);
    const reporting = new ReportingService(db);
    // A refresh holds its lease at most as long as a grant can take with the HTTP client's retries.
    const tokens = new TokenManager({ credentials, logger, lock: databaseLock(db, { leaseMs: 120_000, waitMs: 120_000 }) });
    const activity = new RunActivity(db);
    let metrics: Promise<HubMetrics> | undefined;
    let observeCall: ((o: CallOutcome) => void) | undefined;
    const deps: ConnectorDeps = {
      logger, credentials, tokens, onOutcome: (o) => {
        observeCall?.(o);
        reporting.recordCall(o);
      },
      mappings, state: new IntegrationStateStore(db), dataDir: config.dataDir, markets: config.markets,
    };

    let sandbox = opts.sandbox;
    let integrations = config.integrations;
    if (config.sandbox) {
      if (!sandbox) {
        sandbox = await openSandbox({ dataDir: config.dataDir, rateLimits: opts.rateLimits, connectors: registry.descriptors });
        closers.unshift(() => sandbox!.close());
      }
      integrations = sandboxIntegrations(config.integrations, sandbox, registry);
      await prepareSandbox(sandbox, integrations, registry, deps);
    }

    const hub = new IntegrationHub({
      registry, integrations, deps, logger, record: reporting.recordCall, lastRuns: (systems) => reporting.lastOperationRuns(systems),
    });
    closers.unshift(() => hub.close());
    const catalog = new CatalogService(db, reporting, config.skuMaster.columns, config.skuMaster, sandbox && sandboxListingProvisioner({ sandbox, hub, integrations }));
    const connectors = Object.fromEntries(Object.keys(integrations).map((name) => [name, hub.connector<unknown>(name)]));
    // Each configured source with its system's connector and its channels' (the loader checked they implement them).
    const sources = new StockSources(
      parseStockSources(config.sync).map((s) => ({
        ...s, source: hub.connector<StockSource>(s.name, 'StockSource'),
        links: s.channels.map((channel) => ({ channel, target: hub.stockTarget<StockTarget>(channel) })),
      })),
    );
    const inventory = new InventoryService({
      db, catalog, auditTrail: reporting, events, logger, sources,
      lease: { leaseMs: config.sync.lease.seconds * 1000, heartbeatMs: config.sync.lease.heartbeatSeconds * 1000 },
      rollbackWindowHours: config.sync.rollbackWindowHours,
    });
    const notifiers = hub.implementing('Notifier').map((n) => hub.connector<Notifier>(n, 'Notifier'));
    const alerts = new AlertService({
      db, logger, config: config.notifications, channels: notifiers.flatMap((n) => n.channels), supported: [...new Set(notifiers.flatMap((n) => n.supported))],
    });
    const orders = new OrdersService({
      db, events, mappings, logger, alerts, config: config.orders, sealer: new FieldSealer(secretKey), reservations: inventory.reservations,
      connectors: {
        source: (system) => (hub.implementing('OrderSource').includes(system) ? hub.connector<OrderSource>(system, 'OrderSource') : undefined),
        sink: () => {
          const sinks = hub.implementing('OrderSink');
          if (sinks.length > 1) throw new Error(`integrations: one OMS (OrderSink) at most; configured: ${sinks.join(', ')}`);
          return sinks[0] ? hub.connector<OrderSink>(sinks[0], 'OrderSink') : undefined;
        },
        fulfilment: (system) => (hub.implementing('OrderFulfilment').includes(system) ? hub.connector<OrderFulfilment>(system, 'OrderFulfilment') : undefined),
      },
    });
    const priceSources = hub.implementing('PriceSource');
    const pricing = new PricingService({
      db, auditTrail: reporting, logger, markets: config.markets, settings: config.pricing,
      skus: async () => [...(await catalog.activeMappings()).keys()].sort(),
      source: priceSources.length ? hub.connector<PriceSource>(priceSources[0]!, 'PriceSource') : null,
      targets: hub.implementing('PriceTarget').flatMap((name) => hub.connector<PriceTargets>(name, 'PriceTarget').priceTargets()),
      alert: (held) =>
        alerts.sendAlert({ type: 'price_changes_held', severity: 'warning', vars: { run_id: held.runId, count: held.count, changes: held.changes } }).then(() => {}),
    });
    const imageSources = hub.implementing('ImageSource');
    const mediaStore = await createMediaStore(config.media, config.media.dir ? resolve(PROJECT_ROOT, config.media.dir) : join(config.dataDir, 'media'));
    closers.unshift(() => mediaStore.close());
    const media = new MediaService({
      db, logger, markets: config.markets, settings: config.media, store: mediaStore,
      source: imageSources.length ? hub.connector<ImageSource>(imageSources[0]!, 'ImageSource') : null,
    });
    const publisher = new ListingPublisher({
      db, logger, markets: config.markets, categories: config.catalog.categories,
      targets: hub.implementing('ListingTarget').flatMap((name) => hub.connector<ListingTargets>(name, 'ListingTarget').listingTargets()),
      images: (skus, channel) => media.listingImages(skus, channel),
      readImage: (key) => media.read(key),
      quote: (skus, channel) => pricing.quote(skus, channel),
    });
    const products = new ProductCatalog({ db, auditTrail: reporting, logger, categories: config.catalog.categories, markets: config.markets, publisher });
    hub.bind({
      products,
      pricing,
      media,
      async syncStock({ read, ...o }) {
        const r = await inventory.sync.run({ ...o, from: read, changesOnly: read?.changesOnly });
        return { runId: r.runId, status: r.status, updates: r.updates, failed: r.failed, errorSummary: r.errorSummary };
      },
      orders: {
        recordShipments: (shipments) => orders.recordShipments(shipments), salesPage: (q) => orders.sales.page(q),
        receive: (receiver, system, body, messages) => orders.receive(receiver, system, body, messages),
      },
    });
    const health = () => Promise.all(hub.systems().map((s) => hub.health(s.name)));
    const dailyReport = new DailyReportService({ db, activity, reporting, alerts, health, config: config.notifications, timezone: config.timezone });
    const dirs = [{ dir: 'data', path: config.dataDir }, { dir: 'logs', path: config.logging.dir }];
    const alertRules = new AlertRules({
      db, alerts, reporting, health, config: config.notifications.rules, timezone: config.timezone, logger,
      dirs,
    });
    // The job store is read through Agenda, loaded only by processes that ask.
    let reader: Promise<SchedulerReader> | undefined;
    const scheduler = async () =>
      (await (reader ??= import('../jobs/status.js').then(({ SchedulerReader }) => new SchedulerReader({ config, databaseUrl: db.url, embedded: db.embedded, logger })))).status();
    closers.unshift(async () => (await reader)?.close());
    const systemHealth = new SystemHealth({ scheduler, hub: () => hubStatus(config.dataDir), dirs, disk: config.notifications.rules.disk_space });
    closers.unshift(() => reporting.flushCalls());
    closers.unshift(() => orders.pipeline.stop());

    return {
      config, logger, db, events, credentials, tokens, reporting, catalog, products, pricing, media, inventory, orders, mappings, registry, hub, connectors, alerts, dailyReport, alertRules, sandbox, integrations, scheduler, systemHealth,
      healthChecks: () => hub.healthChecks(),
      hubMetrics: () =>
        (metrics ??= import('../subgraphs/reporting/services/metrics.js').then(({ HubMetrics }) => {
          const m = new HubMetrics({ activity, rules: alertRules, health, scheduler, queues: () => orders.queueStats() });
          observeCall = m.observeCall;
          return m;
        })),
      async close() {
        for (const close of closers) await close().catch((err) => logger.warn({ err }, 'error while closing'));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}

/** Each system with a simulator pointed at it, with the credentials the simulator accepts. */
export function sandboxIntegrations(base: IntegrationsConfig, sandbox: Sandbox, registry: IntegrationRegistry): IntegrationsConfig {
  return Object.fromEntries(
    Object.entries(base).map(([name, block]) => {
      const simulator = registry.get(connectorIdOf(block))?.simulator;
      const id = connectorIdOf(block);
      const url = sandbox.urls[id];
      return [name, simulator && url ? simulator.sandboxConfig(block, url, simulatorEndpoints(sandbox.urls, id)) : block];
    }),
  );
}

/** A simulator's endpoints besides its URL, recorded by the sandbox as `<id>.<name>`. */
function simulatorEndpoints(urls: Sandbox['urls'], id: string): Record<string, string> {
  return Object.fromEntries(Object.entries(urls).filter(([k]) => k.startsWith(`${id}.`)).map(([k, v]) => [k.slice(id.length + 1), v]));
}

/** What each simulated connector needs before it is built (e.g. a token only the simulator issues). */
export async function prepareSandbox(sandbox: Sandbox, integrations: IntegrationsConfig, registry: IntegrationRegistry, deps: ConnectorDeps): Promise<void> {
  for (const block of Object.values(integrations)) {
    const id = connectorIdOf(block);
    const prepare = registry.get(id)?.simulator?.prepare;
    if (prepare && sandbox.urls[id]) await prepare((method, ...args) => sandbox.call(id, method, ...args), deps, block);
  }
}
