// The config loader: ${ENV} placeholders are filled into parsed values (a secret is one verbatim string, whatever
// it contains, and is never echoed in an error), and bad schedules, time zones and misspelt keys fail at load.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './index.js';
import { loadConfig } from '../../app/config.js';
import { cliEnv, runCli } from '../../test/support/cli.js';
import { PRODUCTION_CREDENTIALS } from '../../test/support/credentials.js';

const base = { PATH: process.env.PATH };
const load = (env: Record<string, string>, path = 'config/config.yaml') => loadConfig(path, { ...base, ...env });
const failure = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('environment placeholders are filled into values, not into the YAML text', () => {
  const hostile = {
    colon: 'k'.repeat(20) + ': ' + 'v'.repeat(20),
    alias: '*' + 'a'.repeat(40),
    comment: 'first-half-of-the-secret #second-half-of-it',
    newline: 's'.repeat(32) + '\nsecrets:\n  key: injected-' + 'x'.repeat(32),
    quotes: `"'{[&!%@\`|>` + 'q'.repeat(32),
  };

  test.each(Object.entries(hostile))('a secret with %s characters comes through verbatim and changes no structure', (_kind, secret) => {
    const config = load({ TSUNAGI_JWT_SECRET: secret });
    expect(config.gateway.jwt.secret).toBe(secret);
    expect(config.secrets.key).toBeUndefined();
    expect(config.gateway.subgraphs.secret).toBeUndefined();
  });

  test.each(Object.entries(hostile))('an invalid secret with %s characters is refused naming the key, never the value', (_kind, secret) => {
    // The same hostile text, cut to 31 characters: too short for a JWT key.
    const short = secret.slice(0, 31);
    const err = failure(() => load({ TSUNAGI_JWT_SECRET: short, TSUNAGI_SUBGRAPH_SECRET: short }));
    expect(err.message).toMatch(/config: gateway\.jwt\.secret: must be at least 32 characters/);
    expect(err.message).toMatch(/config: gateway\.subgraphs\.secret: must be at least 32 characters/);
    for (const piece of short.split(/[\s:#*]+/).filter((p) => p.length >= 6)) expect(err.message).not.toContain(piece);
  });

  test('numbers and booleans written as placeholders keep their types; defaults apply when unset', () => {
    expect(load({ PORT: '8080', TSUNAGI_GRAPHQL_INTROSPECTION: 'true' }).gateway).toMatchObject({ port: 8080, introspection: true });
    // Unset: null, which the gateway reads as "on in sandbox mode, off in production".
    expect(load({}).gateway).toMatchObject({ port: 4000, introspection: null, graphiql: null });
    expect(load({ TSUNAGI_GRAPHQL_INTROSPECTION: 'false', TSUNAGI_GRAPHIQL: 'true' }).gateway).toMatchObject({ introspection: false, graphiql: true });
    const err = failure(() => load({ PORT: '80: 80' }));
    expect(err.message).toMatch(/config: gateway\.port: /);
    expect(err.message).not.toContain('80: 80');
  });

  test('integrations.yaml goes through the same loader: a credential is a verbatim value', () => {
    const odd = 'sec: ret #with *odd\nchars';
    const config = load({
      ...PRODUCTION_CREDENTIALS, AMAZON_LWA_CLIENT_SECRET: odd,
    });
    expect((config.integrations.amazon!.auth as { client_secret?: string }).client_secret).toBe(odd);
    expect(config.sandbox).toBe(false);
  });
});

describe('bad settings are refused at load, naming the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const original = readFileSync('config/config.yaml', 'utf8');
  /** A copy of the shipped config with one edit, beside a copy of integrations.yaml. */
  const variant = (name: string, edit: (text: string) => string): string => {
    const d = mkdtempSync(join(dir, `${name}-`));
    copyFileSync('config/integrations.yaml', join(d, 'integrations.yaml'));
    const edited = edit(original);
    expect(edited).not.toBe(original);
    writeFileSync(join(d, 'config.yaml'), edited);
    return join(d, 'config.yaml');
  };
  /** The shipped config beside a copy of integrations.yaml with one edit. */
  const integrationsVariant = (name: string, edit: (text: string) => string): string => {
    const d = mkdtempSync(join(dir, `${name}-`));
    copyFileSync('config/config.yaml', join(d, 'config.yaml'));
    const text = readFileSync('config/integrations.yaml', 'utf8');
    const edited = edit(text);
    expect(edited).not.toBe(text);
    writeFileSync(join(d, 'integrations.yaml'), edited);
    return join(d, 'config.yaml');
  };

  test('a bad cron expression', () => {
    const path = integrationsVariant('cron', (t) => t.replace('stock_sync: "0 4 * * *"', 'stock_sync: "0 25 * * *"'));
    expect(failure(() => load({}, path)).message).toMatch(/^config: amazon\.sync_schedule\.stock_sync: not a valid cron expression/m);
    const cleanup = variant('cleanup', (t) => t.replace('cleanupSchedule: "30 2 * * *"', 'cleanupSchedule: "every night"'));
    expect(failure(() => load({}, cleanup)).message).toMatch(/^config: sync\.cleanupSchedule: not a valid cron expression/m);
  });

  test('a bad time zone', () => {
    const path = variant('tz', (t) => t.replace('timezone: Asia/Tokyo', 'timezone: Asia/Tokio'));
    expect(failure(() => load({}, path)).message).toMatch(/^config: timezone: not an IANA time zone/m);
  });

  test('the SKU master columns are named by config: none is assumed', () => {
    const path = variant('columns', (t) => t.replace(/  columns:\n    sku: amazon_sku\n/, '  columns:\n'));
    expect(failure(() => load({}, path)).message).toMatch(/^config: skuMaster\.columns\.sku: /m);
  });

  test('a misspelt key, at any depth, in either file', () => {
    const top = variant('top', (t) => t.replace('timezone: Asia/Tokyo', 'timezon: Asia/Tokyo'));
    expect(failure(() => load({}, top)).message).toMatch(/^config: timezon: unknown setting/m);
    const deep = variant('deep', (t) => t.replace('retentionDays: 90', 'retentionDay: 90'));
    expect(failure(() => load({}, deep)).message).toMatch(/^config: sync\.retentionDay: unknown setting/m);
    const url = variant('url', (t) => t.replace('inventory: ${TSUNAGI_INVENTORY_URL:-}', 'inventroy: ${TSUNAGI_INVENTORY_URL:-}'));
    expect(failure(() => load({}, url)).message).toMatch(/^config: gateway\.subgraphs\.urls\.inventroy: unknown setting/m);
    const integrations = integrationsVariant('integrations', (t) => t.replace('marketplace_id:', 'marketplaceId:'));
    expect(failure(() => load({}, integrations)).message).toMatch(/^config: amazon\.settings\.marketplaceId: unknown setting/m);
  });

  describe('stock sources', () => {
    /** The shipped config.yaml and integrations.yaml, each with its own edit. */
    const both = (name: string, editConfig: (text: string) => string, editIntegrations: (text: string) => string): string => {
      const d = mkdtempSync(join(dir, `${name}-`));
      writeFileSync(join(d, 'config.yaml'), editConfig(original));
      writeFileSync(join(d, 'integrations.yaml'), editIntegrations(readFileSync('config/integrations.yaml', 'utf8')));
      return join(d, 'config.yaml');
    };
    /** A system's block in the shipped integrations.yaml, renamed, served by the same connector. */
    const copyOf = (t: string, system: string, name: string) => {
      const block = t.slice(t.indexOf(`  - name: ${system}\n`)).split('\n\n')[0]!;
      return `\n${block.replace(`name: ${system}`, `name: ${name}\n    connector: ${system}`)}\n`;
    };
    /** A second stock source with a channel of its own. */
    const secondSource = (t: string) => `${t}${copyOf(t, 'amazon', 'depot')}${copyOf(t, 'rakuten', 'outlet')}`;
    const WMS = '    # The warehouse feeds the seven Shopee shops, equal shares rounded down: together never more than it holds.\n    wms:\n      channels: [shopee:SG, shopee:MY, shopee:TH, shopee:TW, shopee:PH, shopee:VN, shopee:BR]\n      policy:\n        kind: split\n        weights: { shopee:SG: 1, shopee:MY: 1, shopee:TH: 1, shopee:TW: 1, shopee:PH: 1, shopee:VN: 1, shopee:BR: 1 }\n';
    const AMAZON = '  sources:\n    amazon:\n      channels: [yahoo, rakuten]\n';
    const SOURCES = `${AMAZON}${WMS}`;

    test('the shipped config: amazon feeds yahoo and rakuten by the tiers, the WMS the seven Shopee shops by an equal split', () => {
      const shops = ['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c) => `shopee:${c}`);
      expect(load({}).sync.sources).toEqual({
        amazon: { channels: ['yahoo', 'rakuten'] },
        wms: { channels: shops, policy: { kind: 'split', weights: Object.fromEntries(shops.map((s) => [s, 1])) } },
      });
    });

    test('the settings they replaced are refused, naming where they went', () => {
      const old = variant('old', (t) => t.replace(SOURCES, '  channels: [yahoo, rakuten]\n  policy: { kind: shared, buffer: 2 }\n'));
      const message = failure(() => load({}, old)).message;
      expect(message).toMatch(/^config: sync\.channels: moved: each source lists its channels under sync\.sources\.<source system>\.channels$/m);
      expect(message).toMatch(/^config: sync\.policy: moved: each source has its own policy, sync\.sources\.<source system>\.policy$/m);
      expect(message).toMatch(/^config: sync\.sources: /m);
    });

    test('a source that is not a stock source, and a channel no system serves', () => {
      const path = variant('unknown', (t) => t.replace(SOURCES, '  sources:\n    yahoo:\n      channels: [rakuten, ebay]\n'));
      const message = failure(() => load({}, path)).message;
      expect(message).toMatch(/^config: sync\.sources\.yahoo: no system "yahoo" in integrations\.yaml is a stock source \(stock sources: amazon, wms\)$/m);
      expect(message).toMatch(/^config: sync\.sources\.yahoo\.channels\.1: "ebay" is not a channel: no system in integrations\.yaml serves it \(channels: yahoo, rakuten, shopee:SG, shopee:MY, shopee:TH, shopee:TW, shopee:PH, shopee:VN, shopee:BR\)$/m);
    });

    test('a channel fed by two sources, or listed twice', () => {
      const path = both('two', (t) => t.replace(SOURCES, `${SOURCES}    depot:\n      channels: [outlet, rakuten, outlet]\n`), secondSource);
      const message = failure(() => load({}, path)).message;
      expect(message).toMatch(/^config: sync\.sources\.depot\.channels\.1: "rakuten" is already fed by amazon; a channel has one source$/m);
      expect(message).toMatch(/^config: sync\.sources\.depot\.channels\.2: "outlet" is listed twice$/m);
      const fine = both('fine', (t) => t.replace(SOURCES, `${SOURCES}    depot:\n      channels: [outlet]\n      policy: { kind: shared, buffer: 1 }\n`), secondSource);
      expect(load({}, fine).sync.sources.depot).toEqual({ channels: ['outlet'], policy: { kind: 'shared', buffer: 1 } });
    });

    test("a policy with a split weight for a channel the source does not feed, or a bad value, or a bad tier table", () => {
      const stranger = variant('weights', (t) => t.replace(AMAZON, `${AMAZON}      policy: { kind: split, weights: { yahoo: 2, outlet: 1 } }\n`));
      expect(failure(() => load({}, stranger)).message).toMatch(/^config: sync\.sources\.amazon\.policy\.weights\.outlet: not a channel of this source \(its channels: yahoo, rakuten\)$/m);
      const fraction = variant('fraction', (t) => t.replace(AMAZON, `${AMAZON}      policy: { kind: shared, buffer: 1.5 }\n`));
      expect(failure(() => load({}, fraction)).message).toMatch(/^config: sync\.sources\.amazon\.policy\.buffer: must be a whole number$/m);
      const gap = variant('gap', (t) => t.replace('- { min: 1, max: 5, share: "1/2" }', '- { min: 2, max: 5, share: "1/2" }'));
      expect(failure(() => load({}, gap)).message).toMatch(/^config: sync\.allocation\.tiers: gap: quantities 1\.\.1 have no tier$/m);
    });
  });

  test('invalid YAML names the line without quoting the file', () => {
    const path = variant('yaml', (t) => t.replace('retentionDays: 90', 'retentionDays: 90\n  secretish: [unclosed-secret-value'));
    const err = failure(() => load({}, path));
    expect(err.message).toMatch(/invalid YAML: .*line \d+/);
    expect(err.message).not.toContain('unclosed-secret-value');
  });

  test('the CLI exits 2 with the message; npm start (dist/main.js) exits 2 with no stack trace', async () => {
    const path = variant('cli', (t) => t.replace('cleanupSchedule: "30 2 * * *"', 'cleanupSchedule: "61 * * * *"'));
    const env = cliEnv({ DATABASE_URL: undefined, TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs') });
    const cli = await runCli(['--config', path, 'status'], env);
    expect(cli.code).toBe(2);
    expect(cli.stdout + cli.stderr).toMatch(/config: sync\.cleanupSchedule: not a valid cron expression/);
    const hub = spawnSync(process.execPath, ['dist/main.js'], { env: { ...env, TSUNAGI_CONFIG: path, PORT: '0' }, encoding: 'utf8', timeout: 30_000 });
    expect(hub.status).toBe(2);
    expect(hub.stderr).toMatch(/config: sync\.cleanupSchedule: not a valid cron expression/);
    expect(hub.stderr).not.toMatch(/\n\s+at /);
  });
});
