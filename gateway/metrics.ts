// Prometheus metrics of one gateway: its own registry, so several gateways in one process do not collide.
import { constants, PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConnectorMetrics } from '../platform/integrations/index.js';

export interface GatewayMetrics {
  registry: Registry;
  /** Where connectors add their gauges (IntegrationHub.registerMetrics). */
  connectors: ConnectorMetrics;
  subscriptions: Gauge;
  plugin: ApolloServerPlugin;
  /** Stops the event-loop sampler and the GC observer. */
  stop(): void;
}

const DELAY_SAMPLE_MS = 10;
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/**
 * Event-loop delay and GC pauses as histograms, what a long synchronous stretch shows up in. prom-client's defaults
 * give the loop's delay only as gauges reset at each scrape, and observe only the first GC entry of each batch its
 * PerformanceObserver receives: 3 of 66 pauses when they come during one synchronous stretch (measured on Node 22),
 * which are the pauses that matter.
 */
function runtimeMetrics(registry: Registry): () => void {
  const delay = new Histogram({
    name: 'tsunagi_eventloop_delay_seconds', help: `How late the event loop ran a timer due every ${DELAY_SAMPLE_MS} ms`,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const gc = new Histogram({
    name: 'tsunagi_gc_pause_seconds', help: 'Garbage collection pauses by kind (minor, major, incremental, weakcb)',
    labelNames: ['kind'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5], registers: [registry],
  });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.observe({ kind: GC_KINDS[(entry as PerformanceEntry & { detail: { kind: number } }).detail.kind] ?? 'other' }, entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let due = performance.now() + DELAY_SAMPLE_MS;
  const sampler = setInterval(() => {
    const now = performance.now();
    delay.observe(Math.max(0, now - due) / 1000);
    due = now + DELAY_SAMPLE_MS;
  }, DELAY_SAMPLE_MS);
  sampler.unref();
  return () => {
    clearInterval(sampler);
    observer.disconnect();
  };
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const stop = runtimeMetrics(registry);
  const requests = new Counter({
    name: 'tsunagi_graphql_requests_total', help: 'GraphQL operations by name, type and outcome',
    labelNames: ['operation', 'type', 'outcome'], registers: [registry],
  });
  const duration = new Histogram({
    name: 'tsunagi_graphql_request_duration_seconds', help: 'GraphQL operation latency by name',
    labelNames: ['operation', 'type'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });
  const subscriptions = new Gauge({ name: 'tsunagi_graphql_subscriptions_active', help: 'Open GraphQL subscriptions', registers: [registry] });
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const start = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          const labels = { operation: operationName ?? '(anonymous)', type: operation?.operation ?? 'unknown' };
          requests.inc({ ...labels, outcome: errors?.length ? 'error' : 'ok' });
          duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
        },
      };
    },
  };
  return { registry, connectors: connectorMetrics(registry), subscriptions, plugin, stop };
}

/** Counts `source` in `gauge` while it is open, however it ends (drained, returned by a leaving client, thrown). */
export function countOpen<T>(gauge: { inc(): void; dec(): void }, source: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  gauge.inc();
  let open = true;
  const end = () => {
    if (open) gauge.dec();
    open = false;
  };
  return {
    async next() {
      try {
        const r = await source.next();
        if (r.done) end();
        return r;
      } catch (err) {
        end();
        throw err;
      }
    },
    async return() {
      end();
      return (await source.return?.()) ?? { value: undefined, done: true };
    },
    async throw(err) {
      end();
      return source.throw ? source.throw(err) : Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Connectors' gauges on `registry`, labelled by system, read at each scrape. */
function connectorMetrics(registry: Registry): ConnectorMetrics {
  return {
    gauge(name, help, collect) {
      new Gauge({
        name, help, labelNames: ['system'], registers: [registry],
        async collect() {
          this.reset();
          for (const [system, value] of Object.entries(await collect())) if (value !== null) this.set({ system }, value);
        },
      });
    },
  };
}
