// The fan-out bench's subscribers: N graphql-ws clients, one WebSocket each, in a process apart from the gateway
// so that the gateway's event loop carries only the gateway. Driven over IPC by bench/fanout.ts (fork):
//   start {url, tokens, query}      → connected {n} once every client is acknowledged, or failed {message}
//   expect {total}                  → reached {received} once that many events arrived in all
//   reset                           → drops the latencies gathered so far (warm-up)
//   report                          → report {latencies, errors, cpuUs (this process's CPU time since reset, µs)}
//   stop                            → closes every client and exits
// Latency = receipt time here − StockChange.at (the time the inventory service published the change).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

type Message =
  | { type: 'start'; url: string; tokens: string[]; query: string }
  | { type: 'expect'; total: number }
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'stop' };

/** Clients opened at once: keeps the connection ramp from measuring a thundering herd of handshakes. */
const RAMP_BATCH = 100;

const send = (m: unknown) => process.send!(m);
const clients: Client[] = [];
let latencies: number[] = [];
let cpuFrom = process.cpuUsage();
let received = 0;
let expected = Infinity;
const errors: string[] = [];

function onEvent(data: unknown): void {
  const at = (data as { stockChanged?: { at?: string } } | null)?.stockChanged?.at;
  if (!at) {
    errors.push(`event without stockChanged.at: ${JSON.stringify(data).slice(0, 200)}`);
    return;
  }
  latencies.push(Date.now() - Date.parse(at));
  received++;
  if (received >= expected) {
    expected = Infinity;
    send({ type: 'reached', received });
  }
}

async function start(url: string, tokens: string[], query: string): Promise<void> {
  for (let from = 0; from < tokens.length; from += RAMP_BATCH) {
    await Promise.all(
      tokens.slice(from, from + RAMP_BATCH).map(
        (token) =>
          new Promise<void>((resolve, reject) => {
            const client = createClient({
              url, webSocketImpl: WebSocket, retryAttempts: 0,
              connectionParams: { authorization: `Bearer ${token}` },
              on: { connected: () => resolve(), closed: (e) => reject(new Error(`closed before ack: ${(e as { code?: number }).code}`)) },
            });
            clients.push(client);
            client.subscribe<{ stockChanged: { at: string } }>({ query }, {
              next: (r) => (r.errors?.length ? errors.push(JSON.stringify(r.errors).slice(0, 300)) : onEvent(r.data)),
              error: (e) => errors.push(e instanceof Error ? e.message : JSON.stringify(e).slice(0, 300)),
              complete: () => {},
            });
          }),
      ),
    );
  }
}

process.on('message', (m: Message) => {
  switch (m.type) {
    case 'start':
      start(m.url, m.tokens, m.query).then(
        () => send({ type: 'connected', n: clients.length }),
        (err: Error) => send({ type: 'failed', message: err.message }),
      );
      break;
    case 'expect':
      expected = m.total;
      if (received >= expected) {
        expected = Infinity;
        send({ type: 'reached', received });
      }
      break;
    case 'reset':
      latencies = [];
      cpuFrom = process.cpuUsage();
      break;
    case 'report':
      const cpu = process.cpuUsage(cpuFrom);
      send({ type: 'report', latencies, errors: errors.slice(0, 20), errorCount: errors.length, cpuUs: cpu.user + cpu.system });
      break;
    case 'stop':
      void Promise.all(clients.map((c) => c.dispose())).finally(() => process.exit(0));
      break;
  }
});
