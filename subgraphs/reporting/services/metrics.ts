// The hub's Prometheus metrics, served by the gateway's /metrics beside its own: every external call by system,
// operation and outcome with its latency (observed as the calls happen, in this process), and, read when scraped,
// the runs by kind and status, the alerts firing by rule, and each system's credential expiry in days; with the
// state metrics-state.ts reads (run durations, items changed, queues, the scheduler). Labels
// are systems, operations, kinds, statuses and rules: bounded sets, never a SKU or an order id.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallOutcome } from '../../../platform/http/index.js';
import type { ConnectorHealth } from '../../../platform/integrations/index.js';
import type { RunActivity } from '../../inventory/services/activity.js';
import type { AlertRules } from './alert-rules.js';
import { registerStateMetrics, type StateMetricsDeps } from './metrics-state.js';

/** Health is probed over the network: scrapes reuse a result this young. */
const HEALTH_TTL_MS = 5 * 60_000;

export interface HubMetricsDeps extends Omit<StateMetricsDeps, 'activity'> {
  activity: Pick<RunActivity, 'runTotals'> & StateMetricsDeps['activity'];
  rules: Pick<AlertRules, 'firing'>;
  health: () => Promise<ConnectorHealth[]>;
}

export class HubMetrics {
  readonly registry = new Registry();
  private readonly calls: Counter<'system' | 'operation' | 'outcome'>;
  private readonly latency: Histogram<'system' | 'operation'>;
  private readonly jobs: Counter<'job' | 'outcome'>;
  private health: { at: number; value: Promise<ConnectorHealth[]> } | undefined;

  constructor(private readonly deps: HubMetricsDeps) {
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'tsunagi_external_calls_total', help: 'Calls to external systems (retries included in one call) by system, operation and outcome (ok, failed)',
      labelNames: ['system', 'operation', 'outcome'], registers,
    });
    this.latency = new Histogram({
      name: 'tsunagi_external_call_duration_seconds', help: 'Latency of external calls, retries and their waits included, by system and operation',
      labelNames: ['system', 'operation'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
    });
    this.jobs = new Counter({
      name: 'tsunagi_jobs_total', help: 'Agenda job occurrences this process ran, by job and outcome (success, failed)',
      labelNames: ['job', 'outcome'], registers,
    });
    new Gauge({
      name: 'tsunagi_runs', help: 'Stock runs recorded (within retention) by kind, status and dry run',
      labelNames: ['kind', 'status', 'dry_run'], registers,
      collect: async function (this: Gauge<'kind' | 'status' | 'dry_run'>) {
        this.reset();
        for (const r of await deps.activity.runTotals()) this.set({ kind: r.kind, status: r.status, dry_run: String(r.dryRun) }, r.count);
      },
    });
    new Gauge({
      name: 'tsunagi_alerts_firing', help: 'Alert rule conditions firing now, by rule', labelNames: ['rule'], registers,
      collect: async function (this: Gauge<'rule'>) {
        this.reset();
        for (const f of await deps.rules.firing()) this.inc({ rule: f.rule });
      },
    });
    registerStateMetrics(this.registry, deps);
    const metrics = this;
    new Gauge({
      name: 'tsunagi_credential_expiry_days', help: 'Whole days until each system\'s first-expiring credential runs out (absent when it does not expire)',
      labelNames: ['system'], registers,
      collect: async function (this: Gauge<'system'>) {
        this.reset();
        for (const h of await metrics.cachedHealth()) if (h.expiresInDays !== null) this.set({ system: h.name }, h.expiresInDays);
      },
    });
  }

  /** The HTTP client's (and SMTP's) outcome hook. */
  observeCall = (o: CallOutcome): void => {
    this.calls.inc({ system: o.system, operation: o.operation, outcome: o.ok ? 'ok' : 'failed' });
    this.latency.observe({ system: o.system, operation: o.operation }, o.durationMs / 1000);
  };

  /** The worker's hook: an Agenda job it ran finished. */
  observeJob = (job: string, outcome: 'success' | 'failed'): void => {
    this.jobs.inc({ job, outcome });
  };

  private cachedHealth(): Promise<ConnectorHealth[]> {
    if (!this.health || Date.now() - this.health.at > HEALTH_TTL_MS) {
      const value = this.deps.health().catch(() => []);
      this.health = { at: Date.now(), value };
    }
    return this.health.value;
  }
}
