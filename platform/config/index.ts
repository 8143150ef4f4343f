// One config loader for every process: YAML files with ${ENV} placeholders, validated with zod.
// Placeholders are filled into the parsed values, never into the YAML text: an environment value is always one
// verbatim string, whatever `: `, `#`, `*` or newlines it contains, and no error message ever repeats a value.
import { readFileSync, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { parse, YAMLError } from 'yaml';
import { z } from 'zod';
import { connectorIdOf, cronExpression, SYSTEM_NAME, type IntegrationRegistry, type SystemConfig } from '../integrations/index.js';
import { channelClashes, servedChannels } from '../integrations/channels.js';
import { PROJECT_ROOT } from '../project.js';
import { catalogSectionSchema, commerceProblems, marketsSectionSchema, mediaSectionSchema, pricingSectionSchema } from './commerce.js';
import { AppError } from '../errors.js';
import { notificationsSchema, type NotificationsConfig } from './notifications.js';

/** config/config.yaml in the project, or TSUNAGI_CONFIG. */
export const defaultConfigPath = (env: NodeJS.ProcessEnv = process.env) => resolve(env.TSUNAGI_CONFIG || join(PROJECT_ROOT, 'config', 'config.yaml'));

export class ConfigError extends AppError {
  readonly code = 'USER_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Replaces ${NAME} and ${NAME:-default} in one string; an unset or empty variable without default becomes ''. */
function expandString(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

/** Fills placeholders into every string value of a parsed YAML tree (keys are left alone). */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env)]));
  }
  return value;
}

// A placeholder's value is a string: numbers and booleans written as one are read back by the field's type.
const fromEnv = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    if (/^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
    return v === 'true' ? true : v === 'false' ? false : v;
  }, schema);
const positiveInt = () => fromEnv(z.number().int().positive());
const bool = () => fromEnv(z.boolean());
/** A boolean that may be left unset (an empty placeholder): null, for the caller to decide. */
const optionalBool = () =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), fromEnv(z.boolean().nullable())).default(null);

// An unset ${VAR:-} placeholder leaves an empty string (or an empty YAML value, null). Values are kept verbatim.
const optionalString = z
  .string()
  .nullish()
  .transform((v) => (v == null || v.trim() === '' ? undefined : v));

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone (e.g. Asia/Tokyo)');


// The raw shapes only: the inventory module parses the tier table and the policies (and refuses them at load).
const tierSchema = z.strictObject({
  min: fromEnv(z.number().int().min(0)),
  max: fromEnv(z.number().int().min(0)).optional(),
  share: z.union([z.number(), z.string()]),
});

const systemName = z.string().regex(SYSTEM_NAME, 'a system name from integrations.yaml (lower-case, e.g. name or name:XX)');

/** One stock source (a StockSource system) and the channels (StockTarget systems) it feeds, by its policy. */
const stockSourceSchema = z.strictObject({
  channels: z.array(systemName).min(1),
  /** {kind: tiers|split|shared, ...}; unset: the tier table (sync.allocation.tiers). */
  policy: z.record(z.string(), z.unknown()).optional(),
});

const secret = optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters');
const optionalUrl = optionalString.refine((v) => v === undefined || (/^https?:\/\//.test(v) && URL.canParse(v)), 'must be an http(s) URL');

const SUBGRAPHS = ['inventory', 'catalog', 'orders', 'pricing', 'media', 'reporting'];

const gatewaySchema = z.strictObject({
  port: fromEnv(z.number().int().min(0).max(65535)).default(4000),
  host: z.string().min(1).default('127.0.0.1'),
  /** Unset (empty): on in sandbox mode, off in production. */
  introspection: optionalBool(),
  /** GraphiQL at GET /graphql for browsers. Unset (empty): on in sandbox mode, off in production. */
  graphiql: optionalBool(),
  jwt: z
    .strictObject({
      /** HS256 key of the tokens Tsunagi issues itself (`tsunagi token`). */
      secret,
      /** An identity provider's key set (RS256, ES256, ...): its tokens are accepted too. */
      jwksUrl: optionalUrl,
      /** Required `iss` / `aud` of identity-provider tokens. */
      issuer: optionalString,
      audience: optionalString,
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxDepth: positiveInt().default(12),
      maxCost: positiveInt().default(20_000),
      maxAliases: positiveInt().default(100),
      maxListLength: positiveInt().default(1000),
      maxTokens: positiveInt().default(2000),
      maxBodyBytes: positiveInt().default(32 * 1024 * 1024),
      requestsPerMinute: positiveInt().default(3000),
      costPerMinute: positiveInt().default(600_000),
      socketsPerClient: positiveInt().default(20),
      socketsPerAddress: positiveInt().default(200),
    })
    .refine((l) => l.costPerMinute >= l.maxCost, { message: 'costPerMinute must be at least maxCost, or the costliest query allowed could never run', path: ['costPerMinute'] })
    .prefault({}),
  subgraphs: z
    .strictObject({
      /** Distributed mode: each subgraph server's base URL, by subgraph name; none set = in-process. */
      urls: z
        .record(z.string(), optionalUrl)
        .superRefine((urls, ctx) => {
          for (const name of Object.keys(urls)) {
            if (!SUBGRAPHS.includes(name)) ctx.addIssue({ code: 'unrecognized_keys', keys: [name], input: urls });
          }
        })
        .default({}),
      /** Shared secret subgraph servers require from the gateway. */
      secret,
    })
    .prefault({}),
});

/** Retries of one inbox or outbox message: the first wait, doubling up to the longest, then a dead letter. */
const retrySchema = (attempts: number) =>
  z
    .strictObject({
      maxAttempts: positiveInt().default(attempts),
      backoffSeconds: fromEnv(z.number().positive()).default(2),
      maxBackoffSeconds: fromEnv(z.number().positive()).default(600),
    })
    .prefault({});

/** An IPv4/IPv6 address, or a CIDR block of them. */
const ipOrCidr = z.string().refine((v) => {
  const [ip, bits, ...rest] = v.split('/');
  const family = isIP(ip ?? '');
  if (!family || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}, 'an IP address or CIDR block such as 203.0.113.0/24');

/** One webhook route of the gateway: the receiver (a connector's) that verifies and decodes what arrives there. */
const webhookRouteSchema = z.strictObject({
  path: z.string().regex(/^\/webhooks(\/[a-z0-9_-]+)+$/, 'a path under /webhooks/, e.g. /webhooks/shopee'),
  /** The integrations.yaml block whose secret signs these webhooks (and whose connector the inbox work uses). */
  system: z.string().regex(SYSTEM_NAME, 'a system name from integrations.yaml'),
  /** The URL the sender signs, as registered with it, when the gateway is reached through a proxy. Unset: the request's own. */
  callbackUrl: optionalUrl,
  /** Only these addresses may call the route; empty: anyone (the signature still decides). */
  allowlist: z.array(ipOrCidr).default([]),
  maxBodyBytes: positiveInt().default(64 * 1024),
});

const ordersSchema = z
  .strictObject({
    /** Buyer name, phone and address are deleted this many days after an order completes (the retention job). */
    buyerRetentionDays: positiveInt().default(90),
    /** Pushes in the inbox: fetching and recording the order. */
    inbox: retrySchema(8),
    /** Calls out (OMS orders and status, tracking back to the channel). */
    outbox: retrySchema(10),
    /** Messages each worker processes at once. */
    concurrency: positiveInt().default(16),
    /** How long a claimed message stays a worker's before another may take it (the worker died mid-way). */
    claimLeaseSeconds: positiveInt().default(120),
    /** Webhook routes by receiver (the connector that knows the format). */
    webhooks: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a receiver id such as oms'), webhookRouteSchema).default({}),
  })
  .prefault({});

const configSchema = z.strictObject({
  timezone: timezone.default('Asia/Tokyo'),
  dataDir: z.string().default('./data'),
  database: z.strictObject({ url: optionalString }).prefault({}),
  logging: z
    .strictObject({
      dir: z.string().default('logs'),
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      maxSize: z.string().default('10m'),
      keepFiles: positiveInt().default(14),
    })
    .prefault({}),
  sync: z
    .strictObject({
      /** The retention job, in `timezone`: at night, clear of the stock sync. */
      cleanupSchedule: cronExpression.default('30 2 * * *'),
      retentionDays: positiveInt().default(90),
      rollbackWindowHours: fromEnv(z.number().positive()).default(24),
      allocation: z.strictObject({ tiers: z.array(tierSchema).min(1) }),
      /** The stock sources by system name: each feeds its channels by its policy. No default: config.yaml names them. */
      sources: z
        .record(systemName, stockSourceSchema)
        .refine((s) => Object.keys(s).length > 0, 'at least one stock source is required, e.g. <source system>: { channels: [<channel>, ...] }'),
      // Replaced by sources: an old config is told where its setting went.
      channels: z.undefined('moved: each source lists its channels under sync.sources.<source system>.channels').optional(),
      policy: z.undefined('moved: each source has its own policy, sync.sources.<source system>.policy').optional(),
      /** The one-run-at-a-time lease: renewed every heartbeatSeconds, taken over by another process only once expired. */
      lease: z
        .strictObject({ seconds: fromEnv(z.number().positive()).default(30), heartbeatSeconds: fromEnv(z.number().positive()).default(5) })
        .prefault({})
        .refine((l) => l.heartbeatSeconds * 2 <= l.seconds, { message: 'heartbeatSeconds must be at most half of seconds', path: ['heartbeatSeconds'] }),
    }),
  /** Limits of the Excel SKU master import: a file past any of them is refused before it costs memory. */
  skuMaster: z
    .strictObject({
      maxRows: positiveInt().default(200_000),
      /** Characters in one cell (Excel's own limit is 32,767). */
      maxCellChars: positiveInt().default(32_767),
      /** Sum of the workbook's zip entries once inflated. */
      maxUncompressedBytes: positiveInt().default(100 * 1024 * 1024),
      /** Errors listed in a refusal; the total is always given. */
      maxErrorsReported: positiveInt().default(1000),
      /**
       * The master's columns: its SKU, its active flag, and which column holds each channel's listing code. The
       * merchant's workbook decides them, so config names them (no default names a channel).
       */
      columns: z.strictObject({
        sku: z.string().min(1),
        active: z.string().min(1),
        listings: z.record(z.string().min(1), z.string().min(1)),
      }),
    }),
  secrets: z.strictObject({ key: optionalString }).prefault({}),
  gateway: gatewaySchema.prefault({}),
  /** Product data, prices and images in each market's terms (platform/config/commerce.ts). */
  markets: marketsSectionSchema,
  catalog: catalogSectionSchema,
  pricing: pricingSectionSchema,
  media: mediaSectionSchema,
  orders: ordersSchema,
});

/** integrations.yaml: each system's block by its name, as its connector's schema parsed it. */
export type IntegrationsConfig = Record<string, SystemConfig>;
type RawConfig = z.infer<typeof configSchema>;
export type Config = Omit<RawConfig, 'sync'> & {
  sync: Omit<RawConfig['sync'], 'channels' | 'policy'>;
  integrations: IntegrationsConfig;
  /** notifications.yaml beside config.yaml: alert routing, templates, throttling, the daily report, alert rules. */
  notifications: NotificationsConfig;
  /**
   * The main config file. Relative paths in it (dataDir, logging.dir) resolve against the project root; the
   * TSUNAGI_DATA_DIR / TSUNAGI_LOG_DIR environment variables, typed in a shell, against the working directory.
   */
  configPath: string;
  /** True when no marketplace credentials are configured: the bundled simulators stand in. */
  sandbox: boolean;
};

function readYaml(path: string, env: NodeJS.ProcessEnv): unknown {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  let tree: unknown;
  try {
    tree = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // The parser's message quotes the offending lines: only its first line (what and where) is kept.
    const what = err instanceof YAMLError ? err.message.split('\n')[0]!.replace(/:$/, '') : 'unreadable';
    throw new ConfigError(`config: ${path}: invalid YAML: ${what}`);
  }
  return expandEnv(tree, env);
}

/** Every problem on its own line, named by its key; zod's messages say what is expected, never the value. */
function validate<T extends z.ZodType>(schema: T, data: unknown, path: string, prefix: string[] = []): z.infer<T> {
  const result = schema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = [...prefix, ...i.path].join('.');
      // An unknown key is reported at its parent: name the key itself.
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => `config: ${key ? `${key}.` : ''}${k}: unknown setting (misspelt?)`).join('\n');
      return `config: ${key || '(root)'}: ${i.message}`;
    });
    throw new ConfigError(`${lines.join('\n')}\n(in ${path})`);
  }
  return result.data;
}

const integrationsFileSchema = z.strictObject({ integrations: z.array(z.record(z.string(), z.unknown())).min(1) });

/**
 * integrations.yaml: one block per system, each validated by the schema its connector gives (the block's
 * `connector`, else its `name`). Every error names the system and the key.
 */
function loadIntegrations(path: string, env: NodeJS.ProcessEnv, registry: IntegrationRegistry): IntegrationsConfig {
  const file = validate(integrationsFileSchema, readYaml(path, env), path);
  const systems: IntegrationsConfig = {};
  file.integrations.forEach((raw, index) => {
    const name = typeof raw.name === 'string' && SYSTEM_NAME.test(raw.name) ? raw.name : undefined;
    if (!name) throw new ConfigError(`config: integrations[${index}].name: a lower-case id such as amazon or shopee:SG is required\n(in ${path})`);
    if (Object.hasOwn(systems, name)) throw new ConfigError(`config: ${name}: declared twice\n(in ${path})`);
    const id = connectorIdOf({ name, connector: typeof raw.connector === 'string' ? raw.connector : undefined });
    const descriptor = registry.get(id);
    if (!descriptor) {
      const known = registry.descriptors.map((d) => d.id).join(', ');
      throw new ConfigError(`config: ${name}.connector: no connector "${id}" is registered (known: ${known})\n(in ${path})`);
    }
    systems[name] = validate(descriptor.configSchema, raw, path, [name]) as SystemConfig;
  });
  return systems;
}

/**
 * Each stock source must be a configured StockSource system and each channel a configured StockTarget system, fed
 * by one source only. One line per problem, naming the key.
 */
function checkStockSources(sources: RawConfig['sync']['sources'], systems: IntegrationsConfig, registry: IntegrationRegistry): string[] {
  const sourceSystems = Object.keys(systems).filter((name) => registry.get(connectorIdOf(systems[name]!))?.implements.includes('StockSource'));
  const targetSystems = servedChannels(systems, registry, 'StockTarget').map((c) => c.channel);
  const problems: string[] = [];
  const fedBy = new Map<string, string>();
  for (const [source, { channels }] of Object.entries(sources)) {
    if (!sourceSystems.includes(source)) {
      problems.push(`config: sync.sources.${source}: no system "${source}" in integrations.yaml is a stock source (stock sources: ${sourceSystems.join(', ') || 'none'})`);
    }
    channels.forEach((channel, i) => {
      const key = `config: sync.sources.${source}.channels.${i}`;
      if (!targetSystems.includes(channel)) {
        problems.push(`${key}: "${channel}" is not a channel: no system in integrations.yaml serves it (channels: ${targetSystems.join(', ') || 'none'})`);
      } else if (fedBy.has(channel)) {
        const other = fedBy.get(channel)!;
        problems.push(`${key}: "${channel}" is ${other === source ? 'listed twice' : `already fed by ${other}; a channel has one source`}`);
      } else fedBy.set(channel, source);
    });
  }
  return problems;
}

/** What each system's connector cannot take of the markets its channels are configured with. */
function marketProblems(systems: IntegrationsConfig, markets: RawConfig['markets'], registry: IntegrationRegistry): string[] {
  return Object.values(systems).flatMap((block) => registry.get(connectorIdOf(block))!.marketProblems?.(block, markets) ?? []);
}

/** Each system's unset credentials, when it has any credential at all. */
function credentialState(systems: IntegrationsConfig, registry: IntegrationRegistry): { any: boolean; partial: [string, string[]][] } {
  let any = false;
  const partial: [string, string[]][] = [];
  for (const [name, block] of Object.entries(systems)) {
    const creds = Object.entries(registry.get(connectorIdOf(block))!.credentials(block));
    const missing = creds.filter(([, v]) => !v).map(([k]) => k);
    if (missing.length < creds.length) any = true;
    if (missing.length > 0) partial.push([name, missing]);
  }
  return { any, partial: partial.filter(([, m]) => m.length > 0) };
}

/** Reads config.yaml and, beside it, integrations.yaml (each block checked by its connector in `registry`). */
export function loadConfig(configPath: string, env: NodeJS.ProcessEnv, registry: IntegrationRegistry): Config {
  const mainPath = resolve(configPath);
  const raw = validate(configSchema, readYaml(mainPath, env), mainPath);
  const integrationsPath = resolve(dirname(mainPath), 'integrations.yaml');
  const integrations = loadIntegrations(integrationsPath, env, registry);
  const clashes = channelClashes(integrations, registry);
  if (clashes.length > 0) throw new ConfigError(`${clashes.join('\n')}\n(in ${integrationsPath})`);
  const sourceProblems = checkStockSources(raw.sync.sources, integrations, registry);
  if (sourceProblems.length > 0) throw new ConfigError(`${sourceProblems.join('\n')}\n(in ${mainPath})`);
  // A config directory without its own notifications.yaml gets the shipped one (routing, templates, rules).
  const beside = resolve(dirname(mainPath), 'notifications.yaml');
  const notificationsPath = existsSync(beside) ? beside : join(PROJECT_ROOT, 'config', 'notifications.yaml');
  const notifications = validate(notificationsSchema, readYaml(notificationsPath, env), notificationsPath);
  const commerce = [...commerceProblems(raw), ...marketProblems(integrations, raw.markets, registry)];
  if (commerce.length > 0) throw new ConfigError(`${commerce.join('\n')}\n(in ${mainPath})`);
  const credentials = credentialState(integrations, registry);
  const sandbox = !credentials.any;
  const partial = credentials.partial;
  if (!sandbox && partial.length > 0) {
    const detail = partial.map(([k, m]) => `${k} (missing ${m.join(', ')})`).join('; ');
    throw new ConfigError(
      `${integrationsPath}: marketplace credentials are only partly configured: ${detail}. ` +
        'Configure all of them for production, or none for sandbox mode.',
    );
  }
  return {
    ...raw,
    integrations,
    notifications,
    configPath: mainPath,
    sandbox,
    dataDir: env.TSUNAGI_DATA_DIR ? resolve(env.TSUNAGI_DATA_DIR) : resolve(PROJECT_ROOT, raw.dataDir),
    logging: { ...raw.logging, dir: env.TSUNAGI_LOG_DIR ? resolve(env.TSUNAGI_LOG_DIR) : resolve(PROJECT_ROOT, raw.logging.dir) },
  };
}

export type { CatalogSection, ImageRule, MarketConfig, MediaSection, PricingSection, S3StoreConfig } from './commerce.js';
export type { NotificationsConfig } from './notifications.js';
