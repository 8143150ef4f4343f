// A hub process a test can kill with SIGKILL: the composition root (createContext) on the test's database, joined
// to the simulators of test/support/sandbox-process.mjs through the sandbox registry in dataDir, running what the
// worker and the gateway run. Runs the built code (dist/: `npm run build` first).
// Usage: node test/support/hub-process.mjs <settings.json>, the settings being
//   {config, databaseUrl, dataDir, role: "stream" | "orders", lease?: {leaseMs, heartbeatMs}}
// (config: the test's, already with its test policy, as JSON). Prints JSON lines:
//   stream: {"ready": true}, then {"applied": {changes, seq}} per batch applied (seq: the batch's highest, null for
//           a catch-up over REST); answers {"report": true} on stdin with {"report": {lastSeq, active}}.
//   orders: {"ready": true, "webhooks": <the gateway's base URL>} once the gateway serves and the order pipeline runs.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createContext } from '../../dist/app/context.js';
import { openSandbox } from '../../dist/connectors/sandbox/index.js';
import { startGateway } from '../../dist/gateway/index.js';
import { startStreamConsumers } from '../../dist/jobs/stream-consumers.js';

const settingsFile = process.argv[2];
if (!settingsFile) throw new Error('usage: hub-process.mjs <settings.json>');
const { config, databaseUrl, dataDir, role, lease } = JSON.parse(readFileSync(settingsFile, 'utf8'));
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const sandbox = await openSandbox({ dataDir, rateLimits: false });
if (sandbox.owner) throw new Error(`no simulators run for ${dataDir}: start test/support/sandbox-process.mjs first`);
const ctx = await createContext({ config, databaseUrl, sandbox });

if (role === 'stream') {
  // As the worker starts them, with the test's short lease so that a successor takes over soon after a kill.
  const consumers = startStreamConsumers(ctx, {
    lease, standbyMs: 100,
    onApplied: (_source, changes) => {
      const seqs = changes.flatMap((c) => (c.seq === undefined ? [] : [c.seq]));
      say({ applied: { changes: changes.length, seq: seqs.length ? Math.max(...seqs) : null } });
    },
  });
  say({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line);
    if (!command.report) {
      say({ error: `unknown command: ${line}` });
      continue;
    }
    const report = await ctx.hub.connector('wms').streamReport();
    say({ report: { lastSeq: report?.lastSeq ?? null, active: consumers.active() } });
  }
  // stdin closed: the test that started this process is gone.
  process.exit(0);
} else if (role === 'orders') {
  // The webhooks ingress (the gateway tells the simulators its address) and the orders' inbox and outbox loops.
  const gateway = await startGateway(ctx, { port: 0, host: '127.0.0.1' });
  ctx.orders.pipeline.start();
  say({ ready: true, webhooks: new URL(gateway.url).origin });
  process.stdin.on('end', () => process.exit(0)).resume();
} else {
  throw new Error(`hub-process.mjs: role must be "stream" or "orders", got ${JSON.stringify(role)}`);
}
