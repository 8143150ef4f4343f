// The worker on the embedded database, as `npm start` runs it without DATABASE_URL: PGlite served on loopback,
// Agenda on its own pool there, its notifications in memory (PGlite's NOTIFY stays on one connection).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobWithId } from 'agenda';
import pg from 'pg';
import { createContext, type AppContext } from '../app/context.js';
import { DEMO_SKUS, ensureDemoData, seedSandbox } from '../app/sandbox-seed.js';
import type { SlackWebhookSimulator } from '../connectors/notify/slack/simulator.js';
import { openSandbox, type Sandbox } from '../connectors/sandbox/index.js';
import { loadConfig } from '../app/config.js';
import { withTestPolicy } from '../test/support/app.js';
import { operationJobName } from './schedules.js';

const STOCK_SYNC_JOB = operationJobName('amazon', 'stock_sync');
import { JOB_LOG_TABLE, JOB_STORE_TABLE, startWorker, type Worker } from './worker.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-worker-embedded-'));
let sandbox: Sandbox;
let ctx: AppContext;
let hook: SlackWebhookSimulator;
let worker: Worker;

beforeAll(async () => {
  const base = loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: '', TSUNAGI_DATA_DIR: dataDir });
  sandbox = await openSandbox({ rateLimits: false });
  ctx = await createContext({ config: withTestPolicy(base), sandbox });
  await ensureDemoData(ctx);
  hook = sandbox.simulators!.notify.slack;
  // Polling once a minute: a job that starts at once was announced through the in-memory channel.
  worker = await startWorker(ctx, { processEvery: '1 minute' });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

async function runNow(name: string): Promise<JobWithId> {
  const done = new Promise<JobWithId>((resolve) => worker.agenda.once(`complete:${name}`, resolve));
  await worker.agenda.now(name);
  return done;
}

it('uses the embedded database, with Agenda tables beside the system of record', async () => {
  expect(ctx.db.embedded).toBe(true);
  const client = new pg.Client({ connectionString: ctx.db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_name like 'agenda%' order by 1",
    );
    expect(rows.map((r) => r.table_name)).toEqual([JOB_STORE_TABLE, JOB_LOG_TABLE].sort());
  } finally {
    await client.end();
  }
  const stored = (await worker.agenda.queryJobs({ name: STOCK_SYNC_JOB })).jobs.find((j) => j.type === 'single');
  expect(stored).toEqual(expect.objectContaining({ repeatInterval: '0 4 * * *', repeatTimezone: 'Asia/Tokyo' }));
  expect(stored!.nextRunAt!.getUTCHours()).toBe(19);
});

it('runs the stock sync through Agenda at once, and alerts on PARTIAL', async () => {
  const started = Date.now();
  const job = await runNow(STOCK_SYNC_JOB);
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(job.attrs.failReason).toBeUndefined();
  const [first] = await ctx.inventory.history.listRuns(1, { sourceSystem: 'amazon' });
  expect(first).toEqual(expect.objectContaining({ trigger: 'schedule', status: 'SUCCESS' }));
  expect(first!.updates).toBeGreaterThan(0);
  expect(hook.messages).toHaveLength(0);

  // Back to the demo's empty listings, with Yahoo! refusing every write.
  await seedSandbox(ctx, DEMO_SKUS);
  sandbox.simulators!.yahoo.faults.add({ path: 'setStock', response: { status: 400, body: '<Error><Message>maintenance</Message><Code>ed-1</Code></Error>' } });
  await runNow(STOCK_SYNC_JOB);
  const [second] = await ctx.inventory.history.listRuns(1, { sourceSystem: 'amazon' });
  expect(second!.status).toBe('PARTIAL');
  const [message] = await hook.waitFor(1);
  expect(message.text).toContain(`在庫同期 #${second!.id} 一部失敗 (PARTIAL)`);
}, 60_000);
