// The orders' inbox and outbox loops in a process of their own, as a worker of the distributed deployment runs
// them beside a gateway that only acknowledges (bench:webhooks -- --worker process). Usage: node
// dist/bench/webhooks-worker.js <dataDir> <databaseUrl>; prints "ready" once the loops run, stops on SIGTERM.
import { openBenchContext } from './sync-context.js';

const [dataDir, databaseUrl] = process.argv.slice(2);
if (!dataDir || !databaseUrl) throw new Error('usage: webhooks-worker.js <dataDir> <databaseUrl>');
const { ctx, sandbox } = await openBenchContext({ dataDir, databaseUrl });
ctx.orders.pipeline.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () =>
  void (async () => {
    await ctx.orders.pipeline.stop();
    await ctx.close();
    await sandbox.close();
    process.exit(0);
  })());
