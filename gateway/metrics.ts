// Prometheus metrics of one gateway: its own registry, so several gateways in one process do not collide.
import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  subscriptions: Gauge;
  plugin: ApolloServerPlugin;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
  return { registry, subscriptions, plugin };
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
