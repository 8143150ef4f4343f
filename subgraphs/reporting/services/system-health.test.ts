// The hub's own health from the real job store, a real hub answering on loopback and the real file systems: what
// health and /metrics say with no worker, with one, when a scheduled job fails, and when no worker takes jobs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobWithId } from 'agenda';
import { announceHub } from '../../../app/hub-presence.js';
import { ALERT_RULES_JOB } from '../../../jobs/reports.js';
import { operationJobName } from '../../../jobs/schedules.js';
import { startWorker, type Worker } from '../../../jobs/worker.js';
import { createTestApp, type TestApp } from '../../../test/support/app.js';
import { SystemHealth } from './system-health.js';

let app: TestApp;
let worker: Worker | undefined;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await worker?.stop();
  await app?.close();
});

/** One sample's value from the exposition text; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(wanted.length ? `${name}{` : `${name} `)) continue;
    const inner = wanted.length ? line.slice(name.length + 1, line.indexOf('}')) : '';
    if (wanted.every((w) => inner.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
const metrics = async () => (await app.ctx.hubMetrics()).registry.metrics();
const sync = operationJobName('amazon', 'stock_sync');

it('the scheduler: no worker, then one taking jobs, a scheduled job failing, and no worker taking due jobs', async () => {
  let health = await app.ctx.systemHealth.check();
  expect(health.scheduler).toMatchObject({ ok: false, detail: expect.stringContaining('no worker has scheduled the jobs') });
  expect(health.scheduler.status!.jobs.map((j) => j.name)).toEqual(expect.arrayContaining([sync, ALERT_RULES_JOB]));
  expect(sample(await metrics(), 'tsunagi_worker_alive')).toBe(0);

  // Polling every 200 ms: the repeating job runs as soon as its time is made to come.
  worker = await startWorker(app.ctx, { processEvery: 200 });
  const w = worker;
  const runScheduled = async (name: string) => {
    const done = new Promise<JobWithId>((resolve) => w.agenda.once(`complete:${name}`, resolve));
    await app.t.db.em().execute("update agenda_jobs set next_run_at = now() where name = ? and type = 'single'", [name]);
    return done;
  };
  await runScheduled(ALERT_RULES_JOB);
  health = await app.ctx.systemHealth.check();
  expect(health.scheduler).toMatchObject({ ok: true, status: { workerAlive: true } });
  const rules = health.scheduler.status!.jobs.find((j) => j.name === ALERT_RULES_JOB)!;
  expect(rules).toMatchObject({ stored: true, lastRunAt: expect.any(Date), nextRunAt: expect.any(Date) });
  let text = await metrics();
  expect(sample(text, 'tsunagi_worker_alive')).toBe(1);
  expect(sample(text, 'tsunagi_job_failed', { job: ALERT_RULES_JOB })).toBe(0);
  expect(sample(text, 'tsunagi_job_last_run_timestamp_seconds', { job: ALERT_RULES_JOB })).toBe(rules.lastRunAt!.getTime() / 1000);
  expect(sample(text, 'tsunagi_job_next_run_timestamp_seconds', { job: sync })).toBeGreaterThan(Date.now() / 1000);

  app.sims.amazon.faults.add({ path: 'summaries', response: { status: 403, body: { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] } } });
  try {
    expect((await runScheduled(sync)).attrs.failReason).toContain('FAILED');
  } finally {
    app.sims.amazon.faults.clear();
  }
  health = await app.ctx.systemHealth.check();
  expect(health.scheduler).toMatchObject({ ok: false, detail: expect.stringContaining(`${sync} failed: `) });
  expect(sample(await metrics(), 'tsunagi_job_failed', { job: sync })).toBe(1);
  await runScheduled(sync);
  expect((await app.ctx.systemHealth.check()).scheduler.ok).toBe(true);
  expect(sample(await metrics(), 'tsunagi_job_failed', { job: sync })).toBe(0);

  // The worker stops and the alert rules' job falls overdue past the grace period: no worker takes jobs.
  await worker.stop();
  worker = undefined;
  await app.t.db.em().execute("update agenda_jobs set next_run_at = now() - interval '20 minutes' where name = ? and type = 'single'", [ALERT_RULES_JOB]);
  health = await app.ctx.systemHealth.check();
  expect(health.scheduler).toMatchObject({ ok: false, detail: expect.stringMatching(/alerts\.evaluate is 20 min overdue: no worker is taking due jobs/) });
  expect(sample(await metrics(), 'tsunagi_worker_alive')).toBe(0);
});

it('the hub: running while it answers, not when it stops answering or withdraws', async () => {
  const dataDir = app.ctx.config.dataDir;
  expect((await app.ctx.systemHealth.check()).hub).toEqual({ name: 'hub', ok: false, detail: `no hub is running for ${dataDir} (start one with npm start)` });
  const server: Server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const withdraw = announceHub(dataDir, url);
  try {
    expect((await app.ctx.systemHealth.check()).hub).toMatchObject({ ok: true, detail: expect.stringContaining(`running (process ${process.pid}) at ${url}`) });
    await new Promise<void>((r) => server.close(() => r()));
    expect((await app.ctx.systemHealth.check()).hub).toMatchObject({ ok: false, detail: expect.stringContaining('does not answer at http://127.0.0.1:') });
  } finally {
    withdraw();
  }
  expect((await app.ctx.systemHealth.check()).hub.ok).toBe(false);
});

it('disk space of the data and log directories, against the disk_space rule\'s limits', async () => {
  const dirs = [{ dir: 'data', path: app.ctx.config.dataDir }, { dir: 'logs', path: app.ctx.config.logging.dir }];
  const check = (min_free_mb: number) =>
    new SystemHealth({ scheduler: () => app.ctx.scheduler(), hub: async () => ({ ok: true, detail: '' }), dirs, disk: { ...app.ctx.config.notifications.rules.disk_space, min_free_mb, min_free_percent: 0 } }).check();
  const roomy = await check(1);
  expect(roomy.disks).toEqual([
    { name: 'disk:data', ok: true, detail: expect.stringMatching(/^.+: \d+ MB free \(\d+(\.\d)?%\)$/) },
    { name: 'disk:logs', ok: true, detail: expect.stringMatching(/ MB free /) },
  ]);
  // No file system has a petabyte free.
  const tight = await check(1024 ** 3);
  expect(tight.disks.map((d) => d.ok)).toEqual([false, false]);
  expect(tight.disks[0]!.detail).toMatch(/, below the limit \(1073741824 MB and 0%\)$/);
});
