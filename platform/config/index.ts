// One config loader for every process: YAML files with ${ENV} placeholders, validated with zod.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseTiers, type AllocationTier } from './tiers.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Replaces ${NAME} and ${NAME:-default} with environment values; an unset variable without default becomes ''. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

// An unset ${VAR:-} placeholder leaves an empty YAML value, which parses as null.
const optionalString = z
  .string()
  .nullish()
  .transform((v) => (v == null || v.trim() === '' ? undefined : v.trim()));

const rateLimit = z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() });

const amazonSchema = z.object({
  endpoint: z.string().url(),
  tokenUrl: z.string().url(),
  marketplaceId: z.string().min(1),
  clientId: optionalString,
  clientSecret: optionalString,
  refreshToken: optionalString,
  /** LWA client secrets rotate (180 days); the date lets `health` warn ahead of time. */
  clientSecretExpiresAt: optionalString,
  rateLimit: rateLimit.default({ perSecond: 2, burst: 2 }),
});

const yahooSchema = z.object({
  endpoint: z.string().url(),
  authorizeUrl: z.string().url(),
  tokenUrl: z.string().url(),
  sellerId: optionalString,
  clientId: optionalString,
  clientSecret: optionalString,
  redirectUri: z.string().url().default('http://127.0.0.1:8976/callback'),
  refreshToken: optionalString,
  rateLimit: rateLimit.default({ perSecond: 10, burst: 10 }),
});

const rakutenSchema = z.object({
  endpoint: z.string().url(),
  serviceSecret: optionalString,
  licenseKey: optionalString,
  /** variantId used when a SKU master code carries no ":variantId" part (UNCONFIRMED, see connectors/rakuten/README.md). */
  defaultVariantId: optionalString,
  upsertRateLimit: rateLimit.default({ perSecond: 1, burst: 1 }),
  getRateLimit: rateLimit.default({ perSecond: 5, burst: 5 }),
});

const integrationsSchema = z.object({
  amazon: amazonSchema,
  yahoo: yahooSchema,
  rakuten: rakutenSchema,
  http: z
    .object({
      timeoutMs: z.number().int().positive().default(15000),
      retries: z.number().int().min(0).max(10).default(4),
      backoffBaseMs: z.number().int().positive().default(500),
      backoffMaxMs: z.number().int().positive().default(30000),
    })
    .prefault({}),
});

const tierSchema = z.object({
  min: z.number().int().min(0),
  max: z.number().int().min(0).optional(),
  share: z.union([z.number(), z.string()]),
});

const secret = optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters');
const optionalUrl = optionalString.refine((v) => v === undefined || (/^https?:\/\//.test(v) && URL.canParse(v)), 'must be an http(s) URL');

const gatewaySchema = z.object({
  port: z.number().int().min(0).max(65535).default(4000),
  host: z.string().min(1).default('127.0.0.1'),
  introspection: z.boolean().default(false),
  jwt: z
    .object({
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
    .object({
      maxDepth: z.number().int().positive().default(12),
      maxCost: z.number().int().positive().default(20_000),
      maxAliases: z.number().int().positive().default(100),
      maxListLength: z.number().int().positive().default(1000),
      maxTokens: z.number().int().positive().default(2000),
      maxBodyBytes: z.number().int().positive().default(32 * 1024 * 1024),
      requestsPerMinute: z.number().int().positive().default(3000),
      costPerMinute: z.number().int().positive().default(600_000),
      socketsPerClient: z.number().int().positive().default(20),
      socketsPerAddress: z.number().int().positive().default(200),
    })
    .refine((l) => l.costPerMinute >= l.maxCost, { message: 'costPerMinute must be at least maxCost, or the costliest query allowed could never run', path: ['costPerMinute'] })
    .prefault({}),
  subgraphs: z
    .object({
      /** Distributed mode: each subgraph server's base URL, by subgraph name; none set = in-process. */
      urls: z.record(z.string(), optionalUrl).default({}),
      /** Shared secret subgraph servers require from the gateway. */
      secret,
    })
    .prefault({}),
});

const configSchema = z.object({
  timezone: z.string().default('Asia/Tokyo'),
  dataDir: z.string().default('./data'),
  database: z.object({ url: optionalString }).prefault({}),
  logging: z
    .object({
      dir: z.string().default('logs'),
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      maxSize: z.string().default('10m'),
      keepFiles: z.number().int().positive().default(14),
    })
    .prefault({}),
  sync: z
    .object({
      schedule: z.string().default('0 4 * * *'),
      /** The retention job, in `timezone`: at night, clear of the stock sync. */
      cleanupSchedule: z.string().default('30 2 * * *'),
      retentionDays: z.number().int().positive().default(90),
      rollbackWindowHours: z.number().positive().default(24),
      allocation: z.object({ tiers: z.array(tierSchema).min(1) }),
      channels: z.array(z.enum(['yahoo', 'rakuten'])).min(1).default(['yahoo', 'rakuten']),
    }),
  alerts: z.object({ slackWebhookUrl: optionalString }).prefault({}),
  secrets: z.object({ key: optionalString }).prefault({}),
  gateway: gatewaySchema.prefault({}),
});

export type IntegrationsConfig = z.infer<typeof integrationsSchema>;
type RawConfig = z.infer<typeof configSchema>;
export type Config = Omit<RawConfig, 'sync'> & {
  sync: Omit<RawConfig['sync'], 'allocation'> & { allocation: { tiers: AllocationTier[] } };
  integrations: IntegrationsConfig;
  /** Directory of the main config file; relative paths in config resolve against the working directory. */
  configPath: string;
  /** True when no marketplace credentials are configured: the bundled simulators stand in. */
  sandbox: boolean;
};

function readYaml(path: string, env: NodeJS.ProcessEnv): unknown {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  try {
    return parse(expandEnv(readFileSync(path, 'utf8'), env));
  } catch (err) {
    throw new ConfigError(`${path}: invalid YAML: ${(err as Error).message}`);
  }
}

function validate<T extends z.ZodType>(schema: T, data: unknown, path: string): z.infer<T> {
  const result = schema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`${path} is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Credentials each marketplace needs before it can leave sandbox mode. */
function missingCredentials(i: IntegrationsConfig): Record<string, string[]> {
  const need: Record<string, [string, string | undefined][]> = {
    amazon: [['clientId', i.amazon.clientId], ['clientSecret', i.amazon.clientSecret], ['refreshToken', i.amazon.refreshToken]],
    yahoo: [['sellerId', i.yahoo.sellerId], ['clientId', i.yahoo.clientId], ['clientSecret', i.yahoo.clientSecret]],
    rakuten: [['serviceSecret', i.rakuten.serviceSecret], ['licenseKey', i.rakuten.licenseKey]],
  };
  return Object.fromEntries(Object.entries(need).map(([k, v]) => [k, v.filter(([, val]) => !val).map(([n]) => n)]));
}

export function loadConfig(configPath = 'config/config.yaml', env: NodeJS.ProcessEnv = process.env): Config {
  const mainPath = resolve(configPath);
  const raw = validate(configSchema, readYaml(mainPath, env), mainPath);
  const integrationsPath = resolve(dirname(mainPath), 'integrations.yaml');
  const integrations = validate(integrationsSchema, readYaml(integrationsPath, env), integrationsPath);
  let tiers: AllocationTier[];
  try {
    tiers = parseTiers(raw.sync.allocation.tiers);
  } catch (err) {
    throw new ConfigError(`${mainPath}: sync.allocation.tiers: ${(err as Error).message}`);
  }
  const sandbox = !hasAnyCredential(integrations);
  const partial = Object.entries(missingCredentials(integrations)).filter(([, m]) => m.length > 0);
  if (!sandbox && partial.length > 0) {
    const detail = partial.map(([k, m]) => `${k} (missing ${m.join(', ')})`).join('; ');
    throw new ConfigError(
      `${integrationsPath}: marketplace credentials are only partly configured: ${detail}. ` +
        'Configure all of them for production, or none for sandbox mode.',
    );
  }
  return {
    ...raw,
    sync: { ...raw.sync, allocation: { tiers } },
    integrations,
    configPath: mainPath,
    sandbox,
    dataDir: resolve(env.TSUNAGI_DATA_DIR || raw.dataDir),
  };
}

function hasAnyCredential(i: IntegrationsConfig): boolean {
  return [
    i.amazon.clientId, i.amazon.clientSecret, i.amazon.refreshToken,
    i.yahoo.sellerId, i.yahoo.clientId, i.yahoo.clientSecret, i.yahoo.refreshToken,
    i.rakuten.serviceSecret, i.rakuten.licenseKey,
  ].some(Boolean);
}

export { parseTiers, type AllocationTier } from './tiers.js';
