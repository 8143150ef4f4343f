// Seeds the stock-sync benchmark's simulators and SKU master in a process of its own, so the hub process's peak
// RSS is the sync's, not the seeding's. Usage: node dist/bench/seed.js <dataDir> <databaseUrl> <skus>
import { seedSandbox } from '../app/sandbox-seed.js';
import { openBenchContext } from './sync-context.js';

const [dataDir, databaseUrl, skus] = process.argv.slice(2);
if (!dataDir || !databaseUrl || !skus) throw new Error('usage: seed.js <dataDir> <databaseUrl> <skus>');
const { ctx, sandbox } = await openBenchContext({ dataDir, databaseUrl });
try {
  const seeded = await seedSandbox(ctx, Number(skus));
  process.stdout.write(`${JSON.stringify(seeded)}\n`);
} finally {
  await ctx.close();
  await sandbox.close();
}
