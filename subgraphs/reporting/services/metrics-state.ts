// The metrics read from the database when scraped, so every process's /metrics tells the same truth whichever
// process did the work: run durations (a histogram the database computes), items changed per channel, the
// orders' inbox and outbox (depth, oldest waiting, retries, dead letters), and the scheduler (each job's last and
// next run, whether its latest run failed, whether a worker takes due jobs). Labels are kinds, statuses,
// channels, queues and job names: bounded sets.
import { Gauge, type Registry } from 'prom-client';
import type { RunActivity } from '../../inventory/services/activity.js';
import type { QueueStats } from '../../orders/services/messages.js';
import type { SchedulerStatus } from '../ports.js';
import { latestRunFailed } from './alert-conditions.js';

/** Seconds: a realtime run takes well under one, a full sync of thousands of items minutes. */
export const RUN_DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

export interface StateMetricsDeps {
  activity: Pick<RunActivity, 'runDurations' | 'changesPerChannel'>;
  queues: () => Promise<{ inbox: QueueStats; outbox: QueueStats }>;
  scheduler: () => Promise<SchedulerStatus>;
}

/** One read per scrape: the gauges collected together share the read in flight. */
function perScrape<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let inFlight: Promise<T | undefined> | undefined;
  return () =>
    (inFlight ??= read().catch(() => undefined).finally(() => {
      inFlight = undefined;
    }));
}

export function registerStateMetrics(registry: Registry, deps: StateMetricsDeps): void {
  const registers = [registry];
  registry.registerMetric(runDurations(deps.activity) as never);
  new Gauge({
    name: 'tsunagi_items_changed', help: 'Stock changes sent to each channel by applied runs (within retention), by result (applied, failed)',
    labelNames: ['channel', 'result'], registers,
    async collect() {
      this.reset();
      for (const c of await deps.activity.changesPerChannel()) {
        this.set({ channel: c.channel, result: 'applied' }, c.updates - c.failed);
        this.set({ channel: c.channel, result: 'failed' }, c.failed);
      }
    },
  });
  const queues = perScrape(deps.queues);
  const perQueue = (name: string, help: string, labelNames: string[], each: (g: Gauge, queue: string, s: QueueStats) => void) =>
    new Gauge({
      name, help, labelNames: ['queue', ...labelNames], registers,
      async collect() {
        this.reset();
        const q = await queues();
        if (q) for (const [queue, s] of Object.entries(q)) each(this, queue, s);
      },
    });
  perQueue('tsunagi_messages', 'Messages of the webhook inbox and the outbox waiting (pending) or given up (dead letters)', ['state'], (g, queue, s) => {
    g.set({ queue, state: 'pending' }, s.pending);
    g.set({ queue, state: 'dead' }, s.dead);
  });
  perQueue('tsunagi_messages_oldest_pending_seconds', 'Age of the oldest message waiting in each queue (0 when none waits)', [], (g, queue, s) => g.set({ queue }, s.oldestPendingSeconds ?? 0));
  perQueue('tsunagi_messages_retries', 'Attempts after the first, summed over the messages each queue keeps', [], (g, queue, s) => g.set({ queue }, s.retries));

  const scheduler = perScrape(deps.scheduler);
  const perJob = (name: string, help: string, value: (j: SchedulerStatus['jobs'][number]) => number | null) =>
    new Gauge({
      name, help, labelNames: ['job'], registers,
      async collect() {
        this.reset();
        for (const j of (await scheduler())?.jobs ?? []) {
          const v = value(j);
          if (v !== null) this.set({ job: j.name }, v);
        }
      },
    });
  const seconds = (d: Date | null | undefined) => (d ? d.getTime() / 1000 : null);
  perJob('tsunagi_job_last_run_timestamp_seconds', 'When each scheduled job last started (Unix time)', (j) => seconds(j.lastRunAt));
  perJob('tsunagi_job_next_run_timestamp_seconds', 'When each scheduled job runs next (Unix time)', (j) => seconds(j.nextRunAt));
  perJob('tsunagi_job_failed', 'Whether each scheduled job\'s latest run failed (1) or not (0)', (j) => (j.lastRunAt ? Number(latestRunFailed(j)) : null));
  new Gauge({
    name: 'tsunagi_worker_alive', help: 'Whether a job worker is taking due jobs (1) or not (0); absent when the job store cannot be read', registers,
    async collect() {
      this.reset();
      const s = await scheduler();
      if (s) this.set(Number(s.workerAlive));
    },
  });
}

/**
 * A histogram whose buckets the database counts (prom-client's Histogram can only observe values one by one):
 * the shape prom-client's registry serialises, read at each scrape.
 */
function runDurations(activity: StateMetricsDeps['activity']) {
  const name = 'tsunagi_run_duration_seconds';
  return {
    name, help: 'Durations of the finished stock runs recorded (within retention), by kind and status', type: 'histogram', aggregator: 'sum',
    reset() {},
    async get() {
      const rows = await activity.runDurations(RUN_DURATION_BUCKETS).catch(() => []);
      const values = rows.flatMap((r) => {
        const labels = { kind: r.kind, status: r.status };
        return [
          ...RUN_DURATION_BUCKETS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: r.cumulative[i]! })),
          { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: r.count },
          { metricName: `${name}_sum`, labels, value: r.sum },
          { metricName: `${name}_count`, labels, value: r.count },
        ];
      });
      return { name, help: this.help, type: this.type, values, aggregator: this.aggregator };
    },
  };
}
