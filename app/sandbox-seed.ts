// Demo data for sandbox mode: Amazon FBA SKUs, their SKU-master rows, and listings on Yahoo! and Rakuten — and
// on every other simulated system whose descriptor lists demo SKUs itself (seedDemo: the Shopee shops).
import { demoListPrice } from '../connectors/pricing-engine/simulator.js';
import type { MarketConfig } from '../platform/config/index.js';
import { connectorIdOf } from '../platform/integrations/index.js';
import { decimalToMinor, minorToDecimal } from '../platform/money.js';
import { IntegrationStateStore } from '../platform/integrations/state.js';
import { prepareSandbox, type AppContext } from './context.js';

export const DEMO_SKUS = 30;

/** Code scheme of seeded listings: AMZ-000001 ↔ YH-000001 (Yahoo!) ↔ rkt-000001 (Rakuten). */
const yahooCode = (n: string) => `YH-${n}`;
const rakutenCode = (n: string) => `rkt-${n}`;

/**
 * Replaces the simulated catalogue (and the SKU master) with `count` SKUs. Every 10th SKU is inactive and every
 * 25th is left out of the master, so a sync shows its skip counts; listings start at stock 0 so the first sync has
 * work to do.
 */
export async function seedSandbox(ctx: AppContext, count: number): Promise<{ skus: number; mapped: number }> {
  if (!ctx.sandbox) throw new Error('sandbox seed works only in sandbox mode (no marketplace credentials configured)');
  if (!Number.isInteger(count) || count < 1) throw new Error(`--skus must be a whole number >= 1, got ${count}`);
  for (const system of ['amazon', 'yahoo', 'rakuten'] as const) await ctx.sandbox.call(system, 'clear');
  await ctx.sandbox.call('amazon', 'seed', count);
  const skus = (await ctx.sandbox.call<string[]>('amazon', 'skus')).slice(0, count);
  const rows = skus
    .map((sku, i) => ({ sku, n: sku.replace(/^AMZ-/, ''), index: i + 1 }))
    .filter((r) => r.index % 25 !== 0)
    .map((r) => ({ sku: r.sku, listings: { yahoo: yahooCode(r.n), rakuten: rakutenCode(r.n) }, isActive: r.index % 10 !== 0 }));
  await ctx.sandbox.call('yahoo', 'seed', rows.map((r) => r.listings.yahoo), 0);
  await ctx.sandbox.call('rakuten', 'seed', rows.map((r) => r.listings.rakuten), 0);
  for (const block of Object.values(ctx.integrations)) {
    const id = connectorIdOf(block);
    const seedDemo = ctx.registry.get(id)?.simulator?.seedDemo;
    if (seedDemo && ctx.sandbox.urls[id]) {
      await seedDemo((method, ...args) => ctx.sandbox!.call(id, method, ...args), block, skus, (sku, channel) => listPrice(ctx.config.markets[channel], sku));
    }
  }
  await ctx.catalog.upsertMappings(rows, { replace: true });
  return { skus: skus.length, mapped: rows.length };
}

/** A demo SKU's list price in a market, in its currency rounded to its precision; null where there is none to give. */
function listPrice(market: MarketConfig | undefined, sku: string): string | null {
  const demo = market && demoListPrice(sku, market.country);
  if (!demo || demo.currency !== market.currency) return null;
  const amount = decimalToMinor(demo.price, market.currency, { decimals: market.priceDecimals, rounding: 'half_up' });
  return minorToDecimal(amount, market.currency, market.priceDecimals);
}

/** On the first sandbox start the marketplace is empty: give the new user something to sync. */
export async function ensureDemoData(ctx: AppContext): Promise<boolean> {
  if (!ctx.sandbox) return false;
  if ((await ctx.sandbox.call<number>('amazon', 'count')) > 0) return false;
  await seedSandbox(ctx, DEMO_SKUS);
  return true;
}

/** Tables that survive a reset: the migrations' record and the job store (its schedules come from config). */
const KEPT_TABLES = new Set(['mikro_orm_migrations', 'agenda_jobs', 'agenda_logs']);

/**
 * Returns the sandbox to its first-start state: empty simulators with fresh credentials, every Tsunagi table
 * emptied (runs, ledgers, SKU master, rules, audit, credentials), then the first start's demo data again.
 */
export async function resetSandbox(ctx: AppContext): Promise<{ tables: string[]; skus: number }> {
  if (!ctx.sandbox) throw new Error('sandbox reset works only in sandbox mode (no marketplace credentials configured)');
  for (const system of ['amazon', 'yahoo', 'rakuten'] as const) await ctx.sandbox.call(system, system === 'amazon' ? 'clear' : 'reset');
  for (const block of Object.values(ctx.integrations)) {
    const id = connectorIdOf(block);
    const simulator = ctx.registry.get(id)?.simulator;
    // Those with demo listings, and those that only hold what happened (the OMS's orders), start over.
    if ((simulator?.seedDemo || simulator?.controlMethods.includes('reset')) && ctx.sandbox.urls[id]) await ctx.sandbox.call(id, 'reset');
  }
  // What the notification simulators received goes too.
  if (ctx.sandbox.urls.notify) await ctx.sandbox.call('notify', 'clear');
  const tables = [...new Set([...ctx.db.orm.getMetadata().getAll().values()].filter((m) => !m.embeddable && m.tableName).map((m) => m.tableName))]
    .filter((t) => !KEPT_TABLES.has(t))
    .sort();
  await ctx.db.em().getConnection().execute(`truncate ${tables.map((t) => `"${t}"`).join(', ')} restart identity cascade`, [], 'run');
  await prepareSandbox(ctx.sandbox, ctx.integrations, ctx.registry, {
    credentials: ctx.credentials, tokens: ctx.tokens, logger: ctx.logger, onOutcome: ctx.reporting.recordCall, mappings: ctx.mappings,
    state: new IntegrationStateStore(ctx.db), dataDir: ctx.config.dataDir, markets: ctx.config.markets,
  });
  await seedSandbox(ctx, DEMO_SKUS);
  return { tables, skus: DEMO_SKUS };
}
