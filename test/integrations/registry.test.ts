// A new system is one folder and one config block: a throwaway connector that lives only in this test folder
// (parcel-hub/: descriptor + simulator) is validated at load, started in the sandbox, listed, run on request
// (dry and real, recorded in the integration log) and run by the job worker from its sync_schedule entry —
// with no other file of the project knowing it.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobWithId } from 'agenda';
import { loadConfig } from '../../app/config.js';
import { createContext, type AppContext } from '../../app/context.js';
import { connectorRegistry } from '../../connectors/index.js';
import { openSandbox, type Sandbox } from '../../connectors/sandbox/index.js';
import { startWorker, type Worker } from '../../jobs/worker.js';
import { ConfigError } from '../../platform/config/index.js';
import { InvalidInputError } from '../../platform/errors.js';
import { withTestPolicy } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { parcelHubConnector } from './parcel-hub/index.js';
import type { ParcelHubSimulator } from './parcel-hub/simulator.js';

const BLOCK = `
  - name: parcel-hub
    type: logistics
    auth:
      type: api_key
      key: \${PARCEL_HUB_API_KEY:-}
    endpoints:
      api: https://parcels.example.com/v1
    sync_schedule:
      push: "*/5 * * * *"
    retry_config: { max_retries: 1, backoff_factor: 0.01, timeout: 5 }
`;

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-registry-'));
const env = { PATH: process.env.PATH };
let t: TestDatabase;
let sandbox: Sandbox;
let ctx: AppContext;
let worker: Worker | undefined;

/** The shipped config with the throwaway system's block appended to integrations.yaml. */
function configWith(block: string): string {
  const d = mkdtempSync(join(dir, 'config-'));
  for (const f of ['config.yaml', 'data-mappings.json']) copyFileSync(join('config', f), join(d, f));
  writeFileSync(join(d, 'integrations.yaml'), readFileSync('config/integrations.yaml', 'utf8') + block);
  return join(d, 'config.yaml');
}

const sim = () => sandbox.simulators!['parcel-hub'] as unknown as ParcelHubSimulator;

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig(configWith(BLOCK), { ...env, TSUNAGI_DATA_DIR: join(dir, 'data') }, [parcelHubConnector]);
  sandbox = await openSandbox({ rateLimits: false, connectors: connectorRegistry([parcelHubConnector]).descriptors });
  ctx = await createContext({ config: withTestPolicy(config), databaseUrl: t.url, sandbox, connectors: [parcelHubConnector] });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
  await sandbox?.close();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('its config block', () => {
  test('is refused, naming the system, when no connector is registered for it', () => {
    expect(() => loadConfig(configWith(BLOCK), env)).toThrow(ConfigError);
    expect(() => loadConfig(configWith(BLOCK), env)).toThrow(/^config: parcel-hub\.connector: no connector "parcel-hub" is registered \(known: amazon, yahoo, rakuten, notify, shopee, wms, pim, pricing-engine, oms, dam, bi\)/);
  });

  test('is checked by the schema in its folder: every error names the system and the key', () => {
    const bad = BLOCK.replace('type: api_key', 'type: oauth2').replace('push: "*/5 * * * *"', 'push: "every five minutes"').replace('endpoints:', 'endpoint:');
    let message = '';
    try {
      loadConfig(configWith(bad), env, [parcelHubConnector]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^config: parcel-hub\.auth\.type: /m);
    expect(message).toMatch(/^config: parcel-hub\.sync_schedule\.push: not a valid cron expression/m);
    expect(message).toMatch(/^config: parcel-hub\.endpoint: unknown setting/m);
  });

  test('its credential counts for sandbox detection: set alone, the marketplaces are only partly configured', () => {
    expect(() => loadConfig(configWith(BLOCK), { ...env, PARCEL_HUB_API_KEY: 'k' }, [parcelHubConnector])).toThrow(
      /credentials are only partly configured: amazon \(missing auth\.client_id, auth\.client_secret, auth\.refresh_token\)/,
    );
  });
});

describe('the hub', () => {
  test('lists it with its operation, schedule, auth type and health, beside the shipped systems', async () => {
    const systems = await ctx.hub.list();
    expect(systems.map((s) => s.name)).toEqual(['amazon', 'yahoo', 'rakuten', 'shopee', 'notify', 'wms', 'pim', 'pricing-engine', 'oms', 'dam', 'bi', 'parcel-hub']);
    const hub = systems.find((s) => s.name === 'parcel-hub')!;
    expect(hub).toEqual(expect.objectContaining({ connector: 'parcel-hub', type: 'logistics', authType: 'api_key', lastRun: null }));
    expect(hub.operations).toEqual([{ name: 'push', description: 'send one parcel', changes: true, schedule: '*/5 * * * *' }]);
    // The sandbox pointed it at its simulator with the key the simulator accepts.
    expect(hub.health).toEqual(expect.objectContaining({ ok: true, detail: 'reachable' }));
  });

  test('runs it: a dry run sends nothing, a real run reaches the system; both are in the integration log', async () => {
    const before = sim().count();
    const dry = await ctx.hub.run({ system: 'parcel-hub', operation: 'push', input: { ref: 'P-1', weightGrams: 500 }, dryRun: true, trigger: 'cli', actor: 'tester' });
    expect(dry).toEqual(expect.objectContaining({ ok: true, dryRun: true, output: { wouldSend: { ref: 'P-1', weightGrams: 500 } } }));
    expect(sim().count()).toBe(before);
    const real = await ctx.hub.run({ system: 'parcel-hub', operation: 'push', input: { ref: 'P-1', weightGrams: 500 }, dryRun: false, trigger: 'cli', actor: 'tester' });
    expect(real.ok).toBe(true);
    expect(sim().parcels.at(-1)).toEqual({ ref: 'P-1', weightGrams: 500 });

    const log = await ctx.reporting.integrationLog({ system: 'parcel-hub', operationsOnly: true });
    expect(log.map((r) => [r.method, r.operation, r.ok, r.url])).toEqual([['RUN', 'push', true, 'cli by tester'], ['DRY-RUN', 'push', true, 'cli by tester']]);
    const last = (await ctx.hub.list()).find((s) => s.name === 'parcel-hub')!.lastRun;
    expect(last).toEqual(expect.objectContaining({ operation: 'push', ok: true, dryRun: false }));
  });

  test('refuses bad input naming what is wrong, and runs nothing', async () => {
    const before = sim().count();
    const logged = (await ctx.reporting.integrationLog({ system: 'parcel-hub' })).length;
    const run = (input: unknown, operation = 'push', system = 'parcel-hub') => ctx.hub.run({ system, operation, input, dryRun: false, trigger: 'cli' });
    await expect(run({ ref: 'P-2', weightGrams: -1 })).rejects.toThrow(/^parcel-hub push: input\.weightGrams: /);
    await expect(run({ ref: 'P-2', colour: 'red' })).rejects.toThrow(InvalidInputError);
    await expect(run({}, 'pull')).rejects.toThrow('operation: parcel-hub has no operation "pull" (known: push)');
    await expect(run({}, 'push', 'parcel-hut')).rejects.toThrow(/^system: no system "parcel-hut" is configured/);
    expect(sim().count()).toBe(before);
    expect((await ctx.reporting.integrationLog({ system: 'parcel-hub' })).length).toBe(logged);
  });

  test('fails a run whose answer breaks the operation\'s output schema, and logs it as failed', async () => {
    sim().breakContract = true;
    try {
      const run = ctx.hub.run({ system: 'parcel-hub', operation: 'push', input: { ref: 'P-3' }, dryRun: false, trigger: 'cli' });
      await expect(run).rejects.toThrow(/^parcel-hub push answered outside its output schema: output/);
    } finally {
      sim().breakContract = false;
    }
    const [last] = await ctx.reporting.integrationLog({ system: 'parcel-hub', operationsOnly: true });
    expect(last).toEqual(expect.objectContaining({ operation: 'push', ok: false, error: expect.stringMatching(/output schema/) }));
  });
});

describe('the job worker', () => {
  test('schedules its sync_schedule entry as its own job and runs it through the hub', async () => {
    worker = await startWorker(ctx, { processEvery: '1 minute' });
    const { jobs } = await worker.agenda.queryJobs({ name: 'parcel-hub.push' });
    expect(jobs.find((j) => j.type === 'single')).toEqual(expect.objectContaining({ repeatInterval: '*/5 * * * *', repeatTimezone: 'Asia/Tokyo' }));

    const before = sim().count();
    const done = new Promise<JobWithId>((resolve) => worker!.agenda.once('complete:parcel-hub.push', resolve));
    await worker.agenda.now('parcel-hub.push');
    const job = await done;
    expect(job.attrs.failReason).toBeUndefined();
    expect(sim().count()).toBe(before + 1);
    expect(sim().parcels.at(-1)).toEqual({ ref: 'scheduled', weightGrams: 1 });
    const [last] = await ctx.reporting.integrationLog({ system: 'parcel-hub', operationsOnly: true, limit: 1 });
    expect(last).toEqual(expect.objectContaining({ method: 'RUN', operation: 'push', ok: true, url: 'schedule' }));
  }, 60_000);
});
