// The integrations registry: what a connector declares (its descriptor) and the parts of a config block every
// system shares (config/integrations.yaml, in the specification's shape). Knows no vendor: the descriptors come
// from connectors/, listed once by the composition root.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import type { CredentialStore } from '../auth/credential-store.js';
import type { MarketConfig } from '../config/commerce.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { CallOutcome, HttpPolicy, RateLimit } from '../http/index.js';
import type { Logger } from '../log/index.js';
import type { MappingSet } from '../transform/index.js';
import type { IntegrationStateStore } from './state.js';
import type { WebhookReceiver } from '../webhooks/index.js';

// A placeholder's value is a string: numbers written as one are read back as numbers.
const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), schema);

/** An unset ${VAR:-} placeholder leaves '' (or null): undefined. Values are kept verbatim. */
export const optionalString = z
  .string()
  .nullish()
  .transform((v) => (v == null || v.trim() === '' ? undefined : v));

/** A cron expression the job scheduler (Agenda, which uses cron-parser) accepts. */
export const cronExpression = z.string().refine((expr) => {
  try {
    CronExpressionParser.parse(expr);
    return true;
  } catch {
    return false;
  }
}, 'not a valid cron expression (minute hour day-of-month month day-of-week, e.g. "0 4 * * *")');

export const rateLimitSchema = z
  .strictObject({ per_second: numeric(z.number().positive()), burst: numeric(z.number().int().positive()) })
  .transform((r): RateLimit => ({ perSecond: r.per_second, burst: r.burst }));

/** `retry_config`: attempts after the first, the exponential backoff's first wait in seconds, each call's timeout in seconds. */
export const retryConfigSchema = z
  .strictObject({
    max_retries: numeric(z.number().int().min(0).max(10)).default(4),
    backoff_factor: numeric(z.number().positive()).default(0.5),
    timeout: numeric(z.number().positive()).default(15),
  })
  .prefault({})
  .transform((r): HttpPolicy => ({
    timeoutMs: Math.round(r.timeout * 1000), retries: r.max_retries, backoffBaseMs: Math.round(r.backoff_factor * 1000), backoffMaxMs: 30_000,
  }));

// Operations are named in lower case with _ or - between words (stock_sync, products-full).
const OPERATION_NAME = /^[a-z][a-z0-9_-]*$/;
export const SYSTEM_NAME = /^[a-z][a-z0-9_-]*(:[A-Za-z0-9_-]+)?$/;

/** The auth block: its `type` (api_key, oauth2, jwt, or the vendor's scheme: lwa, yconnect, ...) and the connector's own keys. */
export const authSchema = <T extends z.ZodRawShape>(type: string, shape: T) => z.strictObject({ type: z.literal(type), ...shape });

/**
 * One block of integrations.yaml. The connector gives its own `auth`, `endpoints`, `settings` and `rate_limit`
 * schemas; the rest is the same for every system.
 */
export function integrationBlock<A extends z.ZodType, E extends z.ZodType, S extends z.ZodType, R extends z.ZodType>(parts: {
  auth: A;
  endpoints: E;
  settings: S;
  rate_limit: R;
}) {
  return z.strictObject({
    name: z.string().regex(SYSTEM_NAME, 'a lower-case id such as amazon or shopee:SG'),
    /** The descriptor that serves this block; the block's name when unset (several blocks may share one connector). */
    connector: z.string().optional(),
    type: z.string().min(1),
    auth: parts.auth,
    endpoints: parts.endpoints,
    settings: parts.settings,
    sync_schedule: z.record(z.string().regex(OPERATION_NAME, 'an operation name (lower case, words joined by _ or -)'), cronExpression).default({}),
    retry_config: retryConfigSchema,
    rate_limit: parts.rate_limit,
  });
}

/** The parts of a parsed block every system has, whatever its connector. */
export interface SystemConfig {
  name: string;
  connector?: string;
  type: string;
  auth: { type: string };
  endpoints: unknown;
  settings: unknown;
  sync_schedule: Record<string, string>;
  retry_config: HttpPolicy;
  rate_limit?: unknown;
}

export const syncRunSummarySchema = z.strictObject({
  runId: z.number().int(),
  status: z.string(),
  updates: z.number().int(),
  failed: z.number().int(),
  errorSummary: z.string().nullable(),
});
export type SyncRunSummary = z.infer<typeof syncRunSummarySchema>;

/**
 * What an operation may use besides its connector: the domain services, narrow. A module whose services
 * operations call declares them here itself (TypeScript module augmentation in its ports.ts), so this file
 * names no domain.
 */
export interface OperationServices {
  /**
   * Runs the stock sync of one stock source (its system name, sync.sources) through the inventory service
   * (ledgered); null when skipped because another run of that source holds its lock.
   */
  syncStock(opts: { source: string; dryRun: boolean; trigger: string; actor?: string; read?: SourceRead }): Promise<SyncRunSummary | null>;
}

/** What a stock run reads instead of its source system's whole stock (a file, the changes since a watermark). */
export interface SourceRead {
  /** Where the figures come from, as the run records it. */
  name: string;
  pages(): AsyncIterable<{ sku: string; quantity: number }[]>;
  /** Only what changed: the source's other SKUs keep their last known figures. */
  changesOnly?: boolean;
}

export interface OperationContext<I> {
  /** The system (its block's name in integrations.yaml) the operation runs for. */
  system: string;
  input: I;
  dryRun: boolean;
  actor?: string;
  /** 'cli', 'api', 'schedule'. */
  trigger: string;
  services: OperationServices;
}

export interface OperationDescriptor<C = any, I = any, O = any> {
  description: string;
  /** True when a real run changes something outside (stock in a mall, a message sent): dry runs must not. */
  changes: boolean;
  input: z.ZodType<I>;
  /** What it answers: checked after every run, so the CLI, the API and the log get the shape promised here. */
  output: z.ZodType<O>;
  run(connector: C, ctx: OperationContext<I>): Promise<O>;
}

export interface ConnectorHealth {
  name: string;
  ok: boolean;
  detail: string;
  /** Days until the credential that expires first runs out (whole days, rounded up); null when it does not expire. */
  expiresInDays: number | null;
  /** When that credential runs out, when known: the CLI shows it in the configured timezone. */
  expiresAt?: Date | null;
  /** One entry per channel when a system serves several (a marketplace's shops), each with its own expiry. */
  parts?: ConnectorHealth[];
}

export interface ConnectorDeps {
  logger: Logger;
  credentials: CredentialStore;
  /** The one token manager: every OAuth-like scheme's access tokens, refreshed once across callers and processes. */
  tokens: TokenManager;
  onOutcome: (outcome: CallOutcome) => void;
  /** The data mappings (config/data-mappings.json): a connector maps fields with its named mapping, never by hand. */
  mappings: MappingSet;
  /** Durable state by system and key (watermarks, stream positions, import records), shared by every process. */
  state: IntegrationStateStore;
  /** The data directory (files a connector writes for other tools, e.g. extracts). */
  dataDir: string;
  /** config.yaml `markets` by channel: each channel's currency and precision, which a connector applies at its edge. */
  markets: Record<string, MarketConfig>;
}

/**
 * The gauges a connector may add to a process's /metrics (one object per metrics registry). The process serving
 * /metrics makes them: a connector never loads the metrics library, which most processes (the CLI) do not need.
 */
export interface ConnectorMetrics {
  /** A gauge labelled by `system`; `collect` gives each system's value (null: none) whenever /metrics is read. */
  gauge(name: string, help: string, collect: () => Promise<Record<string, number | null>>): void;
}

/** A simulator the sandbox starts: a local server speaking the system's protocol. */
export interface Simulator {
  /** Starts serving; on `port` when given (the sandbox restarting a stopped simulator at its address). */
  listen(port?: number): Promise<string>;
  /** Endpoints besides listen()'s URL, by name (e.g. an FTP server on its own port); read once listening. */
  endpoints?(): Record<string, string>;
  close(): Promise<void>;
}

export interface SimulatorDescriptor<B> {
  create(opts: { stateFile?: string; rateLimits: boolean }): Simulator;
  /** The methods other processes may call through the sandbox's control endpoint. */
  controlMethods: string[];
  /** The block pointed at the simulator at `url` (and its other `endpoints`), with the credentials it accepts. */
  sandboxConfig(block: B, url: string, endpoints: Record<string, string>): B;
  /** Runs once the sandbox is open, before the connector is built (e.g. a token only the simulator can issue). */
  prepare?(call: SimulatorCall, deps: ConnectorDeps, block: B): Promise<void>;
  /** What a developer points a tool at: the simulator's URL and the public test credentials it accepts. */
  publicCredentials?(block: B, url: string): Record<string, unknown>;
  /**
   * Lists the sandbox's demo SKUs in the simulated system, replacing what it listed (`tsunagi sandbox seed` and the
   * first start). A system that has it is also reset (control method `reset`) by `tsunagi sandbox reset`.
   * `listPrice` is what a demo SKU sells at in a channel before Tsunagi prices it: decimal text in the channel's
   * market currency and precision, null where the channel has no market.
   */
  seedDemo?(call: SimulatorCall, block: B, skus: string[], listPrice: (sku: string, channel: string) => string | null): Promise<void>;
}

/** A control method call on a simulator (in this process or through the sandbox owner's control endpoint). */
export type SimulatorCall = (method: string, ...args: unknown[]) => Promise<unknown>;

/** The domain interfaces a connector can implement (subgraphs' ports). */
export type DomainInterface =
  | 'StockSource' | 'StockStream' | 'StockTarget' | 'Notifier' | 'HealthCheck' | 'ProductSource' | 'ListingTarget' | 'PriceSource' | 'PriceTarget' | 'ImageSource'
  | 'OrderSource' | 'OrderSink' | 'OrderFulfilment';

export interface ConnectorDescriptor<B extends SystemConfig = any, C = any> {
  id: string;
  /** The domain interfaces the built connector implements. */
  implements: DomainInterface[];
  /** Validates this connector's block of integrations.yaml. */
  configSchema: z.ZodType<B>;
  /** The block's credentials, by key (for sandbox detection: none set anywhere = sandbox). */
  credentials(block: B): Record<string, string | undefined>;
  create(block: B, deps: ConnectorDeps): C;
  /**
   * The channels the block's connector serves (as a StockTarget, a PriceTarget or both), when it is not the one
   * channel named after the block (a marketplace with one shop per market). Each is served by
   * stockTarget(connector, channel) and its price target. Two systems serving one channel are refused at load.
   */
  channels?(block: B): string[];
  /** The StockTarget of one of channels(block). */
  stockTarget?(connector: C, channel: string): unknown;
  /**
   * What config.yaml `markets` asks of the block's channels that the system cannot take (e.g. a finer price than
   * the marketplace accepts there): one line each as `config: <key>: <what>`, refused at load.
   */
  marketProblems?(block: B, markets: Record<string, MarketConfig>): string[];
  health(connector: C): Promise<ConnectorHealth>;
  close?(connector: C): Promise<void>;
  /** Adds the connector's own gauges (e.g. a stream's state) to the metrics of a process that serves /metrics. */
  metrics?(connector: C, metrics: ConnectorMetrics): void;
  operations: Record<string, OperationDescriptor<C>>;
  simulator?: SimulatorDescriptor<B>;
  /** The webhooks this system sends us: how they are signed and what they say (gateway/webhooks.ts). */
  webhook?: WebhookReceiver<B>;
}

/** The descriptors, by id: one list, checked once. */
export class IntegrationRegistry {
  private readonly byId = new Map<string, ConnectorDescriptor>();

  constructor(descriptors: ConnectorDescriptor[]) {
    for (const d of descriptors) {
      if (this.byId.has(d.id)) throw new Error(`integrations: two connectors register the id "${d.id}"`);
      this.byId.set(d.id, d);
    }
  }

  get(id: string): ConnectorDescriptor | undefined {
    return this.byId.get(id);
  }

  get descriptors(): ConnectorDescriptor[] {
    return [...this.byId.values()];
  }
}

/** The descriptor a block names (its `connector`, else its name). */
export const connectorIdOf = (block: { name: string; connector?: string }) => block.connector ?? block.name;
