// Subscription fan-out: N graphql-ws subscribers (bench/fanout-subscribers.ts, their own process) on one
// gateway, stockChanged; each round changes Amazon quantities in the sandbox and runs a real stock sync, whose
// applied changes the inventory service publishes on the event bus. Latency per delivery = receipt time −
// StockChange.at (set when the service publishes). One warm-up round is not counted.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../app/context.js';
import { issueToken } from '../platform/auth/tokens.js';

export interface FanoutOptions {
  ctx: AppContext;
  /** The gateway's http://…/graphql; its /metrics tells when every subscription is open upstream. */
  url: string;
  wsUrl: string;
  jwtSecret: Uint8Array;
  subscribers: number;
  rounds: number;
  /** SKUs whose source quantity changes per round; each makes one event per channel (yahoo, rakuten). */
  skusPerRound: number;
  /** Also select product { sku listings { channel } }: a federated catalog query per delivery. */
  withProduct: boolean;
}

export interface FanoutResult {
  deliveries: number;
  eventsPerRound: number;
  p50: number;
  p99: number;
  max: number;
  /** This process's (the gateway's) resident set with every subscriber connected, after the rounds. */
  rssMb: number;
  /**
   * This process's CPU time (user + system) per delivery over the counted rounds, µs: the fan-out's cost, which
   * other work on the machine does not inflate as it does latencies. Includes the rounds' syncs (the sandbox's
   * simulators run in this process too), a fixed cost per round.
   */
  cpuUsPerDelivery: number;
  /** The subscribers' process's CPU time per delivery over the same rounds, µs: whether the receiving side keeps up. */
  subscriberCpuUsPerDelivery: number;
}

const CONNECT_TIMEOUT_MS = 60_000;
const ROUND_TIMEOUT_MS = 20_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Waits for the first IPC message of `type` from the child, failing on `failed`, exit or timeout. */
function reply<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no ${type} from the subscribers within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === type) finish(undefined, m as T);
      else if (m.type === 'failed') finish(new Error(`subscribers failed: ${m.message}`));
    };
    const onExit = (code: number | null) => finish(new Error(`subscriber process exited with ${code}`));
    function finish(err?: Error, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function openSubscriptions(url: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'), { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('tsunagi_graphql_subscriptions_active '));
  return line ? Number(line.split(' ')[1]) : 0;
}

export async function runFanout(o: FanoutOptions): Promise<FanoutResult> {
  const { ctx } = o;
  if (!ctx.sandbox) throw new Error('the fan-out bench drives the sandbox marketplace; it needs sandbox mode');
  const page = await ctx.catalog.listMappings({ first: 1000 });
  const skus = page.rows.filter((m) => m.isActive && m.listings.yahoo && m.listings.rakuten).map((m) => m.sku).slice(0, o.skusPerRound);
  if (skus.length < o.skusPerRound) throw new Error(`only ${skus.length} active SKUs listed on both malls; ${o.skusPerRound} asked per round`);
  const eventsPerRound = skus.length * 2;

  // Partners, each with their own token, as partner frontends would subscribe.
  const tokens = await Promise.all(Array.from({ length: o.subscribers }, (_, i) => issueToken(o.jwtSecret, { name: `fanout-${i}`, role: 'partner' })));
  const query = `subscription { stockChanged { sku channel before after runId at${o.withProduct ? ' product { sku listings { channel } }' : ''} } }`;
  const child = fork(fileURLToPath(new URL('./fanout-subscribers.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const connected = reply<{ n: number }>(child, 'connected', CONNECT_TIMEOUT_MS);
    child.send({ type: 'start', url: o.wsUrl, tokens, query });
    await connected;
    // Acknowledged connections are not yet open subscriptions: wait until the gateway counts them all.
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    while ((await openSubscriptions(o.url)) < o.subscribers) {
      if (Date.now() > deadline) throw new Error(`the gateway did not report ${o.subscribers} open subscriptions within ${CONNECT_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }

    let expected = 0;
    let cpuFrom = process.cpuUsage();
    for (let round = 0; round <= o.rounds; round++) {
      // A new quantity every round: >= 20 allocates 1/5, so 1000 + 10·round gives each mall a new figure.
      for (const sku of skus) await ctx.sandbox.call('amazon', 'setQuantity', sku, 1000 + 10 * round);
      expected += eventsPerRound * o.subscribers;
      const report = await ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'bench' });
      if (report.status !== 'SUCCESS' || report.updates !== eventsPerRound) {
        throw new Error(`round ${round}: the sync ended ${report.status} with ${report.updates} updates; ${eventsPerRound} expected (${report.errorSummary ?? ''})`);
      }
      const reached = reply(child, 'reached', ROUND_TIMEOUT_MS);
      child.send({ type: 'expect', total: expected });
      await reached;
      if (round === 0) {
        child.send({ type: 'reset' });
        cpuFrom = process.cpuUsage();
      }
    }
    const cpu = process.cpuUsage(cpuFrom);
    const rssAfter = process.memoryUsage().rss;
    const result = reply<{ latencies: number[]; errors: string[]; errorCount: number; cpuUs: number }>(child, 'report', 10_000);
    child.send({ type: 'report' });
    const { latencies, errors, errorCount, cpuUs } = await result;
    if (errorCount > 0) throw new Error(`${errorCount} subscriber errors, e.g. ${errors.join(' | ')}`);
    if (latencies.length !== o.rounds * eventsPerRound * o.subscribers) {
      throw new Error(`${latencies.length} deliveries measured; ${o.rounds * eventsPerRound * o.subscribers} expected`);
    }
    const sorted = latencies.sort((a, b) => a - b);
    return {
      deliveries: sorted.length, eventsPerRound, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)!,
      rssMb: Math.round(rssAfter / 2 ** 20), cpuUsPerDelivery: (cpu.user + cpu.system) / sorted.length, subscriberCpuUsPerDelivery: cpuUs / sorted.length,
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
}
