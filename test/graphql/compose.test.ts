// docker-compose.yml cannot be run here (no Docker): this checks what can be checked without it. The file parses,
// has the distributed mode's services, every command names an entry point the build emits with a role app/serve.ts
// knows, and the environment it gives the gateway configures the distributed mode through config.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SUBGRAPH_NAMES } from '../../gateway/supergraph.js';
import { loadConfig } from '../../app/config.js';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const APP_SERVICES = ['gateway', ...SUBGRAPH_NAMES, 'worker'];
/** What the build compiles (tsconfig.build.json), hence what exists in dist/ after `npm run build`. */
const built = (JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[] }).include;

/** Compose's interpolation of ${NAME:?message} and ${NAME:-default}, with `env` as the shell's environment. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_m, name: string, kind?: string, rest?: string) => {
    if (env[name]) return env[name];
    if (kind === '?') throw new Error(`compose would refuse to start: ${rest}`);
    return kind === '-' ? (rest ?? '') : '';
  });
}

test('postgres, mongo, the gateway, one service per subgraph and the worker', () => {
  expect(Object.keys(services).sort()).toEqual(['postgres', 'mongo', ...APP_SERVICES].sort());
  expect(services.postgres!.image).toMatch(/^postgres:/);
  expect(services.mongo!.image).toMatch(/^mongo:/);
});

test('every command is an entry point the build emits, with its role', () => {
  for (const name of APP_SERVICES) {
    const [node, entry, ...args] = services[name]!.command!;
    expect(node).toBe('node');
    const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(source)).toBe(true);
    // One entry point launches every process role, outside any one role's folder.
    expect(source).toBe('app/serve.ts');
    expect(built.some((dir) => source === dir || source.startsWith(`${dir}/`))).toBe(true);
    if (name === 'gateway' || name === 'worker') expect(args).toEqual([name]);
    else expect(args).toEqual(['subgraph', name]);
  }
});

test('each subgraph is checked on the port serve.js gives it, the one the gateway calls', () => {
  const gatewayEnv = services.gateway!.environment!;
  SUBGRAPH_NAMES.forEach((name, i) => {
    const port = 4001 + i;
    expect(services[name]!.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(gatewayEnv[`TSUNAGI_${name.toUpperCase()}_URL`]).toBe(`http://${name}:${port}`);
    expect(Object.keys(services[name]!.depends_on!)).toContain('postgres');
  });
  expect(services.gateway!.ports).toEqual(['127.0.0.1:4000:4000']);
  expect(services.worker!.environment!.MONGODB_URL).toBe('mongodb://mongo:27017/tsunagi');
});

test("the gateway's environment configures the distributed mode through config.yaml", () => {
  const shell = {
    POSTGRES_PASSWORD: 'pg-password', TSUNAGI_JWT_SECRET: 'j'.repeat(40), TSUNAGI_SUBGRAPH_SECRET: 's'.repeat(40), TSUNAGI_SECRET_KEY: 'k'.repeat(40),
  };
  const env = Object.fromEntries(Object.entries(services.gateway!.environment!).map(([k, v]) => [k, interpolate(String(v), shell)]));
  const config = loadConfig('config/config.yaml', env);
  expect(config.database.url).toBe('postgres://tsunagi:pg-password@postgres:5432/tsunagi');
  expect(config.secrets.key).toBe(shell.TSUNAGI_SECRET_KEY);
  expect(config.gateway).toMatchObject({
    port: 4000, host: '0.0.0.0',
    jwt: { secret: shell.TSUNAGI_JWT_SECRET },
    subgraphs: { secret: shell.TSUNAGI_SUBGRAPH_SECRET, urls: Object.fromEntries(SUBGRAPH_NAMES.map((n, i) => [n, `http://${n}:${4001 + i}`])) },
  });
  expect(() => interpolate(String(services.gateway!.environment!.TSUNAGI_JWT_SECRET), {})).toThrow(/set TSUNAGI_JWT_SECRET/);
});
