// The composition root: config → logger → database → event bus → credential store → services → connectors.
// `npm start`, the CLI, the job worker, tests and benchmarks all build Tsunagi through this one function.
import type { Logger } from 'pino';
import { AmazonClient } from '../connectors/amazon/client.js';
import { AMAZON_SANDBOX_CREDENTIALS } from '../connectors/amazon/simulator.js';
import { RakutenClient } from '../connectors/rakuten/client.js';
import { RAKUTEN_SANDBOX_CREDENTIALS } from '../connectors/rakuten/simulator.js';
import { openSandbox, type Sandbox } from '../connectors/sandbox/index.js';
import { YahooClient } from '../connectors/yahoo/client.js';
import { REFRESH_TOKEN_LIFETIME_DAYS, YAHOO_REFRESH_TOKEN_CREDENTIAL } from '../connectors/yahoo/oauth.js';
import { yahooSandboxConfig } from '../connectors/yahoo/simulator.js';
import { DatabaseCredentialStore, resolveSecretKey } from '../platform/auth/credential-store.js';
import { TokenManager } from '../platform/auth/token-manager.js';
import type { Config, IntegrationsConfig } from '../platform/config/index.js';
import { openDatabase, type Database } from '../platform/db/index.js';
import { databaseLock } from '../platform/db/lease.js';
import { createEventBus, type EventBus } from '../platform/events/index.js';
import { silentLogger } from '../platform/log/index.js';
import { MappingSet, mappingsPathFor } from '../platform/transform/index.js';
import { CatalogService } from '../subgraphs/catalog/service.js';
import { parsePolicy } from '../subgraphs/inventory/policies.js';
import { InventoryService } from '../subgraphs/inventory/service.js';
import { RunLease } from '../subgraphs/inventory/run-lock.js';
import type { HealthCheck } from '../subgraphs/inventory/ports.js';
import { ReportingService } from '../subgraphs/reporting/service.js';

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
  inventory: InventoryService;
  /** The data mappings (config/data-mappings.json), validated before anything else opens. */
  mappings: MappingSet;
  connectors: { amazon: AmazonClient; yahoo: YahooClient; rakuten: RakutenClient };
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
}

export async function createContext(opts: ContextOptions): Promise<AppContext> {
  const { config } = opts;
  const logger = opts.logger ?? silentLogger;
  const mappings = MappingSet.load(mappingsPathFor(config.configPath));
  const url = opts.databaseUrl ?? config.database.url;
  const db = await openDatabase({ url, dataDir: config.dataDir, logger });
  const closers: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    const events = createEventBus({ db, logger });
    closers.unshift(() => events.close());
    const credentials = new DatabaseCredentialStore(db, resolveSecretKey(config.secrets.key, config.dataDir));
    await credentials.upgrade(logger);
    const reporting = new ReportingService(db);
    const catalog = new CatalogService(db, reporting, config.skuMaster.columns, config.skuMaster);

    let sandbox = opts.sandbox;
    let integrations = config.integrations;
    if (config.sandbox) {
      if (!sandbox) {
        sandbox = await openSandbox({ dataDir: config.dataDir, rateLimits: opts.rateLimits });
        closers.unshift(() => sandbox!.close());
      }
      integrations = sandboxIntegrations(config.integrations, sandbox);
      await ensureSandboxYahooToken(sandbox, credentials);
    }

    // A refresh holds its lease at most as long as a grant can take with the HTTP client's retries.
    const tokens = new TokenManager({ credentials, logger, lock: databaseLock(db, { leaseMs: 120_000, waitMs: 120_000 }) });
    const common = { policy: integrations.http, logger, onOutcome: reporting.recordCall };
    const connectors = {
      amazon: new AmazonClient({ config: integrations.amazon, tokens, ...common }),
      yahoo: new YahooClient({ config: integrations.yahoo, credentials, tokens, ...common }),
      rakuten: new RakutenClient({ config: integrations.rakuten, ...common }),
    };
    closers.unshift(() => Promise.all(Object.values(connectors).map((c) => c.close())));
    const targets = config.sync.channels.map((c) => connectors[c]);
    const inventory = new InventoryService({
      db, catalog, auditTrail: reporting, events, logger, targets, source: connectors.amazon,
      runLease: new RunLease(db, { leaseMs: config.sync.lease.seconds * 1000, heartbeatMs: config.sync.lease.heartbeatSeconds * 1000 }, logger),
      configPolicy: config.sync.policy ? parsePolicy(config.sync.policy, 'config sync.policy') : { kind: 'tiers', tiers: config.sync.allocation.tiers },
      rollbackWindowHours: config.sync.rollbackWindowHours,
    });
    closers.unshift(() => reporting.flushCalls());

    return {
      config, logger, db, events, credentials, tokens, reporting, catalog, inventory, mappings, connectors, sandbox, integrations,
      healthChecks: () => [connectors.amazon, connectors.yahoo, connectors.rakuten],
      async close() {
        for (const close of closers) await close().catch((err) => logger.warn({ err }, 'error while closing'));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}

/** The connectors' config pointed at the simulators, with the credentials the simulators accept. */
export function sandboxIntegrations(base: IntegrationsConfig, sandbox: Sandbox): IntegrationsConfig {
  return {
    ...base,
    amazon: {
      ...base.amazon, endpoint: sandbox.urls.amazon, tokenUrl: `${sandbox.urls.amazon}/auth/o2/token`, ...AMAZON_SANDBOX_CREDENTIALS,
    },
    yahoo: yahooSandboxConfig(sandbox.urls.yahoo, { rateLimit: base.yahoo.rateLimit }),
    rakuten: { ...base.rakuten, endpoint: sandbox.urls.rakuten, ...RAKUTEN_SANDBOX_CREDENTIALS },
  };
}

/** In sandbox mode the operator has no Yahoo! account to authorise: the simulator issues the refresh token. */
export async function ensureSandboxYahooToken(sandbox: Sandbox, credentials: DatabaseCredentialStore): Promise<void> {
  const stored = await credentials.get(YAHOO_REFRESH_TOKEN_CREDENTIAL);
  if (stored && (!stored.expiresAt || stored.expiresAt > new Date())) return;
  const token = await sandbox.call<string>('yahoo', 'issueRefreshToken');
  await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, token, new Date(Date.now() + REFRESH_TOKEN_LIFETIME_DAYS * 86_400_000));
}
