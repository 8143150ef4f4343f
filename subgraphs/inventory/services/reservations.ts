// The oversell guard: an order takes its quantity at once on every other channel its channel's source feeds. The
// order's units are held (a reservation) against the source; those channels are planned again from the source's
// last figure less what is held, and only the ones that now hold too much are written (a ledgered run, streamed as
// stockChanged), without waiting for the next read of the source. When a later read shows the source's figure
// dropped, the drop releases what was held (oldest first), so nothing is counted twice; a cancelled order gives
// its units back at once (the channels that hold too little are raised).
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import type { CatalogService } from '../../catalog/service.js';
import { allocateByPolicy } from '../policies.js';
import type { AllocationRules } from '../rules.js';
import type { StockSources, StockSourceSetup } from '../sources.js';
import { addChanges, addFailures, FailureTally, newReport, outcome, type RunReport, type StockChange } from './report.js';
import type { Runs } from './runs.js';
import type { Sender } from './sending.js';

export interface ReservationDeps {
  db: Database;
  catalog: CatalogService;
  sources: StockSources;
  rules: AllocationRules;
  runs: Runs;
  sender: Sender;
  logger: Logger;
}

export interface ReservationOutcome {
  /** The source the channel's stock comes from; null when no source feeds the channel (nothing to guard). */
  source: string | null;
  /** Units newly held (reserve) or given back (release). */
  quantity: number;
  /** The run that wrote the other channels, when one was needed. */
  runId: number | null;
  changes: number;
}

type Row = Record<string, unknown>;

export class ReservationService {
  constructor(private readonly deps: ReservationDeps) {}

  /**
   * Holds an order's lines (SKU and quantity) against the source of `channel` and lowers its other channels. A
   * second call for the same order holds nothing more. Refused (SyncRefusedError) while another run of that source
   * holds its lease: the units are held already, and the caller retries the writing.
   */
  async reserve(req: { ref: string; channel: string; lines: { sku: string; quantity: number }[] }): Promise<ReservationOutcome> {
    const fed = this.deps.sources.ofChannel(req.channel);
    if (!fed) return { source: null, quantity: 0, runId: null, changes: 0 };
    const perSku = new Map<string, number>();
    for (const l of req.lines) perSku.set(l.sku, (perSku.get(l.sku) ?? 0) + l.quantity);
    const mapped = await this.deps.catalog.getMappings([...perSku.keys()]);
    const skus = [...perSku.keys()].filter((s) => mapped.get(s)?.isActive);
    let added = 0;
    if (skus.length) {
      const rows = await this.deps.db.em().execute<Row[]>(
        `insert into stock_reservation (source_system, sku, channel, quantity, ref, created_at)
         values ${skus.map(() => '(?, ?, ?, ?, ?, now())').join(', ')} on conflict (ref, sku) do nothing returning quantity`,
        skus.flatMap((s) => [fed.setup.name, s, req.channel, perSku.get(s)!, req.ref]),
      );
      added = rows.reduce((n, r) => n + Number(r.quantity), 0);
    }
    // Written again even when nothing new was held: an earlier attempt may have held the units but not written.
    const run = await this.rebalance(fed.setup, skus, req.channel, 'down', `order:${req.ref}`);
    this.deps.logger.info({ ref: req.ref, channel: req.channel, source: fed.setup.name, held: added, runId: run?.runId ?? null }, `order ${req.ref} holds its stock on ${fed.setup.name}'s channels`);
    return { source: fed.setup.name, quantity: added, runId: run?.runId ?? null, changes: run?.updates ?? 0 };
  }

  /** Gives an order's held units back (it was cancelled) and raises the source's channels that hold too little. */
  async release(req: { ref: string; reason: string }): Promise<ReservationOutcome> {
    const rows = await this.deps.db.em().execute<Row[]>(
      `update stock_reservation set released_at = now(), release_reason = ? where ref = ? and released_at is null returning source_system, sku, channel, quantity`,
      [req.reason, req.ref],
    );
    const first = rows[0];
    if (!first) return { source: null, quantity: 0, runId: null, changes: 0 };
    const setup = this.deps.sources.resolve(String(first.source_system));
    const run = await this.rebalance(setup, rows.map((r) => String(r.sku)), null, 'up', `order:${req.ref}:${req.reason}`);
    return { source: setup.name, quantity: rows.reduce((n, r) => n + Number(r.quantity), 0), runId: run?.runId ?? null, changes: run?.updates ?? 0 };
  }

  /**
   * A read of the source: where a SKU's figure dropped since the last read, the drop releases what orders held of
   * it (oldest first: the source now shows those units gone). Answers what stays held per SKU, to plan with. A dry
   * run answers the same and releases nothing.
   */
  async settleAgainstSource(sourceSystem: string, figures: ReadonlyMap<string, number>, dryRun: boolean): Promise<Map<string, number>> {
    const em = this.deps.db.em();
    const held = await em.execute<Row[]>(
      `select r.id, r.sku, r.quantity, s.quantity as last from stock_reservation r
       left join stock_snapshot s on s.channel = r.source_system and s.sku = r.sku
       where r.source_system = ? and r.released_at is null order by r.id`,
      [sourceSystem],
    );
    const drop = new Map<string, number>();
    const open = new Map<string, number>();
    for (const r of held) {
      const sku = String(r.sku);
      const now = figures.get(sku);
      if (!drop.has(sku)) drop.set(sku, now !== undefined && r.last !== null ? Math.max(0, Number(r.last) - now) : 0);
      let left = Number(r.quantity);
      const take = Math.min(left, drop.get(sku)!);
      if (take > 0) {
        drop.set(sku, drop.get(sku)! - take);
        left -= take;
        if (!dryRun) await em.execute(
          `update stock_reservation set quantity = ?, released_at = case when ? = 0 then now() else null end, release_reason = case when ? = 0 then 'source' else null end where id = ?`,
          [left, left, left, r.id],
        );
      }
      if (left > 0) open.set(sku, (open.get(sku) ?? 0) + left);
    }
    return open;
  }

  /** What orders hold of these SKUs at a source. */
  async held(sourceSystem: string, skus: string[]): Promise<Map<string, number>> {
    if (skus.length === 0) return new Map();
    const rows = await this.deps.db.em().execute<Row[]>(
      `select sku, sum(quantity) as n from stock_reservation where source_system = ? and released_at is null and sku in (${skus.map(() => '?').join(', ')}) group by sku`,
      [sourceSystem, ...skus],
    );
    return new Map(rows.map((r) => [String(r.sku), Number(r.n)]));
  }

  /**
   * Plans the SKUs on the source's channels (but `except`) from the source's last figure less what is held, and
   * writes the channels whose quantity must move `direction` (down when holding, up when giving back): a run of
   * the source, under its lease. No run when nothing moves.
   */
  private async rebalance(setup: StockSourceSetup, skus: string[], except: string | null, direction: 'down' | 'up', label: string): Promise<RunReport | null> {
    if (skus.length === 0) return null;
    const { runs, sender, catalog, rules } = this.deps;
    const em = this.deps.db.em();
    const last = new Map(
      (await em.execute<Row[]>(`select sku, quantity from stock_snapshot where channel = ? and sku in (${skus.map(() => '?').join(', ')})`, [setup.name, ...skus]))
        .map((r) => [String(r.sku), Number(r.quantity)]),
    );
    const held = await this.held(setup.name, skus);
    const mappings = await catalog.getMappings(skus);
    const { policy } = await rules.current(setup.name);
    const links = setup.links.filter((l) => l.channel !== except);
    const wanted = links.map(() => [] as { sku: string; code: string; after: number }[]);
    for (const sku of skus) {
      const figure = last.get(sku);
      const m = mappings.get(sku);
      // A SKU the source was never read for has no figure to plan from: the next sync plans it.
      if (figure === undefined || !m) continue;
      const allocated = allocateByPolicy(policy, Math.max(0, figure - (held.get(sku) ?? 0)), setup.channels);
      links.forEach((link, i) => {
        const code = m.listings[link.channel];
        if (code) wanted[i]!.push({ sku, code, after: allocated.get(link.channel)! });
      });
    }
    if (wanted.every((w) => w.length === 0)) return null;
    return runs.withLease(setup, async (lease) => {
      const planned = await Promise.all(links.map(async (link, i) => {
        const current = await sender.readChannel(link.target, wanted[i]!.map((w) => w.code));
        const changes: StockChange[] = wanted[i]!.flatMap((w) => {
          const before = current.get(w.code);
          if (before === null || before === undefined) return [];
          return (direction === 'down' ? w.after < before : w.after > before) ? [{ channel: link.channel, sku: w.sku, code: w.code, before, after: w.after }] : [];
        });
        return { link, changes };
      }));
      if (planned.every((p) => p.changes.length === 0)) return null;
      const runId = await runs.start(lease, { kind: 'SYNC', dryRun: false, trigger: 'reservation', source: label, sourceSystem: setup.name });
      const report = newReport({ runId, kind: 'SYNC', dryRun: false, trigger: 'reservation', sourceSystem: setup.name, source: label });
      report.mappedSkus = skus.length;
      const tally = new FailureTally();
      try {
        for (const { link, changes } of planned) {
          addChanges(report, changes);
          let failed = 0;
          await sender.send(runId, link, changes, lease, async (_sent, failures) => {
            failed += failures.length;
            addFailures(report, failures);
            tally.add(failures);
          });
          report.channels[link.channel] = { updates: changes.length, failed, unchanged: 0, notListed: 0 };
        }
        report.status = outcome(report.failed, report.updates);
        report.errorSummary = tally.summary();
      } catch (err) {
        await runs.stopped(report, err, lease);
      }
      await runs.finish(report, links);
      return report;
    });
  }
}
