// The gateway bench's load: autocannon on N keep-alive connections in a process of its own, warm-up and measured
// window on the same connections. Opening 200 connections to a saturated gateway took up to 2.6 s (they waited in
// its accept queue), so a window that began with fresh connections measured that ramp in its p99 in some runs and
// not in others; the ramp is reported apart (each connection's first response), the window is the steady state.
// Forked by bench/gateway.bench.ts with LoadOptions as JSON in argv[2]; over IPC it says when the measured window
// opens and closes ({type: 'window', open}), then sends {type: 'result', result: LoadResult}.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The exact body every response must carry. */
  expectBody?: string;
  /** Requests per second over all connections (a probe); unset: as fast as answered. */
  rate?: number;
}

export interface LoadResult {
  /** Responses whose request was sent inside the measured window, per second of it. */
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** Errors, timeouts, non-2xx and wrong bodies over the whole run, warm-up included. */
  bad: number;
  /** Each connection's first response (connect included), ms: p99 and max over the connections. */
  rampP99: number;
  rampMax: number;
}

/** The p-th percentile of ascending latencies, in whole ms as autocannon prints them. */
const percentile = (sorted: number[], p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN);

/** After the window, requests sent inside it still have this long to be answered (and counted). */
const DRAIN_SECONDS = 3;

const send = (m: unknown) => process.send!(m);

function run(o: LoadOptions): Promise<LoadResult> {
  const start = performance.now();
  const windowFrom = start + o.warmupSeconds * 1000;
  const windowTo = windowFrom + o.seconds * 1000;
  setTimeout(() => send({ type: 'window', open: true }), windowFrom - start);
  setTimeout(() => send({ type: 'window', open: false }), windowTo - start);
  const latencies: number[] = [];
  const first: number[] = [];
  const seen = new WeakSet<object>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url, connections: o.connections, duration: o.warmupSeconds + o.seconds + DRAIN_SECONDS, overallRate: o.rate,
        method: o.method, headers: o.headers, body: o.body, expectBody: o.expectBody,
      },
      (err, r) => {
        if (err) return reject(err);
        const sorted = latencies.sort((a, b) => a - b);
        const ramp = first.sort((a, b) => a - b);
        resolve({
          rps: sorted.length / o.seconds, requests: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: Math.round(sorted.at(-1) ?? NaN),
          bad: r.errors + r.timeouts + r.non2xx + r.mismatches, rampP99: percentile(ramp, 99), rampMax: Math.round(ramp.at(-1) ?? NaN),
        });
      },
    );
    instance.on('response', (client, _status, _bytes, responseTime) => {
      const now = performance.now();
      if (!seen.has(client)) {
        seen.add(client);
        first.push(responseTime);
      }
      const sentAt = now - responseTime;
      if (sentAt >= windowFrom && sentAt < windowTo) latencies.push(responseTime);
    });
  });
}

send({ type: 'result', result: await run(JSON.parse(process.argv[2]!) as LoadOptions) });
process.disconnect();
