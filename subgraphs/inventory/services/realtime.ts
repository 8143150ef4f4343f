// Real-time stock: a source's changes as they happen (its stream) to its channels, by the source's policy in force.
// A batch is coalesced per SKU (the latest figure wins), planned like a run, compared with what each channel was
// last known to hold (its snapshot; read from the channel where none), and only the listings whose quantity
// changes get a write. Every write is ledgered in the source's REALTIME run of the hour (one row per hour, never
// rolled back: the next change supersedes it) and published as stockChanged, through the same sender as a run.
// While a run of the source holds its lease, changes wait: what they set goes out after the run, so a batch run
// never overwrites a newer figure.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import { attachRun, correlated } from '../../../platform/log/correlation.js';
import type { CatalogService } from '../../catalog/service.js';
import { SyncRun } from '../entities/sync-run.js';
import type { SourceChange } from '../ports.js';
import type { AllocationRules } from '../rules.js';
import { RunLease, type HeldLease, type LeaseSettings } from '../run-lock.js';
import type { StockSources, StockSourceSetup } from '../sources.js';
import { compareChannel, planFromSource } from './planning.js';
import type { ItemFailure } from './report.js';
import type { Sender } from './sending.js';

/** How often a batch waiting for a run of its source looks again. */
const RUN_WAIT_MS = 250;
const HOUR_MS = 3_600_000;

export interface RealtimeDeps {
  db: Database;
  catalog: CatalogService;
  rules: AllocationRules;
  sources: StockSources;
  sender: Sender;
  lease: LeaseSettings;
  logger: Logger;
}

/** What one batch did. */
export interface RealtimeOutcome {
  /** The REALTIME run it was ledgered in; null when nothing needed a write. */
  runId: number | null;
  /** SKUs after coalescing. */
  skus: number;
  updates: number;
  failures: ItemFailure[];
  /** How long it waited for a run of its source to finish. */
  waitedMs: number;
}

interface HourRun {
  source: string;
  id: number;
  hour: number;
  channels: Record<string, { updates: number; failed: number }>;
}

export class RealtimeSync {
  private readonly runLeases = new Map<string, RunLease>();
  private hourRuns = new Map<string, HourRun>();

  constructor(private readonly deps: RealtimeDeps) {}

  /**
   * Applies a batch of a source's changes, in order, to its channels. `lease` is the caller's (the stream
   * consumer's): no write goes out unless the database has just confirmed it is still held.
   */
  /** Each batch is its own unit of work in the log, tagged with the hour's run. */
  apply(sourceName: string, changes: readonly SourceChange[], lease: HeldLease): Promise<RealtimeOutcome> {
    return correlated(() => this.applyBatch(sourceName, changes, lease), randomUUID());
  }

  private async applyBatch(sourceName: string, changes: readonly SourceChange[], lease: HeldLease): Promise<RealtimeOutcome> {
    const setup = this.deps.sources.resolve(sourceName);
    const latest = new Map<string, number>();
    for (const c of changes) latest.set(c.sku, c.quantity);
    const waitedMs = await this.waitForRuns(setup, lease);
    const outcome: RealtimeOutcome = { runId: null, skus: latest.size, updates: 0, failures: [], waitedMs };

    const [mappings, { policy }] = await Promise.all([this.deps.catalog.getMappings([...latest.keys()]), this.deps.rules.current(setup.name)]);
    const plan = planFromSource(latest, mappings, policy, setup.channels, setup.links.map((l) => l.target.listsBySku === true));
    const { sender } = this.deps;
    // The source's own figures, which runs reading only changes build on.
    await sender.saveSnapshots(setup.name, plan.mapped.map((m) => ({ sku: m.sku, code: m.sku, quantity: m.quantity })));
    const known = await this.lastKnown(setup.channels, [...latest.keys()]);
    const planned = await Promise.all(
      setup.links.map(async (link, i) => {
        const wanted = plan.wanted[i]!;
        const current = new Map<string, number | null>();
        const unknown: string[] = [];
        for (const w of wanted) {
          const last = known.get(`${link.channel}\u0000${w.sku}`);
          if (last && last.code === w.code) current.set(w.code, last.quantity);
          else unknown.push(w.code);
        }
        if (unknown.length > 0) {
          const read = await sender.readChannel(link.target, unknown);
          for (const [code, qty] of read) current.set(code, qty);
        }
        const { changes: writes, seen } = compareChannel(link.channel, wanted, current);
        const fresh = new Set(unknown);
        await sender.saveSnapshots(link.channel, seen.filter((s) => fresh.has(s.code)));
        return { link, writes };
      }),
    );
    const total = planned.reduce((n, p) => n + p.writes.length, 0);
    if (total === 0) return outcome;

    const run = await this.hourRun(setup, lease.holder);
    attachRun(run.id);
    outcome.runId = run.id;
    outcome.updates = total;
    try {
      outcome.failures = await sender.sendTogether(run.id, planned.filter((p) => p.writes.length > 0).map((p) => ({ link: p.link, changes: p.writes })), lease);
    } finally {
      // Counted as planned; a batch stopped by a lost lease is settled (and recounted) by the next consumer's recover().
      for (const { link, writes } of planned) {
        if (writes.length === 0) continue;
        const counts = (run.channels[link.channel] ??= { updates: 0, failed: 0 });
        counts.updates += writes.length;
        counts.failed += outcome.failures.filter((f) => f.channel === link.channel).length;
      }
      await this.record(run, latest.size, plan.mapped.length, total, outcome.failures);
    }
    return outcome;
  }

  /**
   * Settles what a consumer that stopped mid-batch left PENDING in the source's REALTIME runs, by reading the
   * channels back (as a run's recovery does). Called by a consumer that has just taken over the stream.
   */
  async recover(sourceName: string): Promise<number> {
    const setup = this.deps.sources.resolve(sourceName);
    const rows = await this.deps.db.em().getConnection().execute<{ id: number }[]>(
      `select distinct r.id from sync_run r join sync_ledger l on l.run_id = r.id
       where r.kind = 'REALTIME' and r.source_system = ? and l.result = 'PENDING'`,
      [setup.name],
    );
    for (const { id } of rows) {
      await this.deps.sender.settlePending(id, setup.links);
      const counts = await this.deps.sender.ledgerCounts(id);
      await this.deps.db.em().getConnection().execute(
        `update sync_run set failed = ?, status = case when ? = 0 then 'SUCCESS' when ? >= updates then 'FAILED' else 'PARTIAL' end where id = ?`,
        [counts.failed, counts.failed, counts.failed, id],
      );
    }
    this.hourRuns = new Map();
    return rows.length;
  }

  /** Waits while a run of the source holds its lease (checking that the caller still holds its own). */
  private async waitForRuns(setup: StockSourceSetup, lease: HeldLease): Promise<number> {
    let runLease = this.runLeases.get(setup.name);
    if (!runLease) this.runLeases.set(setup.name, (runLease = new RunLease(this.deps.db, setup.name, this.deps.lease)));
    const started = Date.now();
    while (await runLease.holder()) {
      if (lease.lost) break;
      await new Promise((r) => setTimeout(r, RUN_WAIT_MS));
    }
    return Date.now() - started;
  }

  /** What each channel was last known to hold for these SKUs (its snapshot), by channel and SKU. */
  private async lastKnown(channels: readonly string[], skus: string[]): Promise<Map<string, { code: string; quantity: number }>> {
    const rows = await this.deps.db.em().getConnection().execute<{ channel: string; sku: string; code: string; quantity: number }[]>(
      `select channel, sku, code, quantity from stock_snapshot
       where channel in (select json_array_elements_text(?::json)) and sku in (select json_array_elements_text(?::json))`,
      [JSON.stringify(channels), JSON.stringify(skus)],
    );
    return new Map(rows.map((r) => [`${r.channel}\u0000${r.sku}`, { code: r.code, quantity: r.quantity }]));
  }

  /** The source's REALTIME run of this hour, created on its first write. */
  private async hourRun(setup: StockSourceSetup, owner: string): Promise<HourRun> {
    const now = new Date();
    const hour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const cached = this.hourRuns.get(setup.name);
    if (cached && cached.hour === hour) return cached;
    const em = this.deps.db.em();
    let row = await em.findOne(SyncRun, { kind: 'REALTIME', sourceSystem: setup.name, startedAt: { $gte: new Date(hour) } }, { orderBy: { id: 'desc' } });
    if (!row) {
      row = em.create(SyncRun, {
        kind: 'REALTIME', dryRun: false, status: 'SUCCESS', trigger: 'stream', source: `${setup.name} stream`, sourceSystem: setup.name,
        startedAt: now, finishedAt: now, heartbeatAt: now, owner, actor: null, channels: {},
      });
      await em.flush();
      this.deps.logger.info({ runId: row.id, source: setup.name }, 'real-time run of the hour started');
    }
    const run: HourRun = { source: setup.name, id: row.id, hour, channels: { ...row.channels } };
    this.hourRuns.set(setup.name, run);
    return run;
  }

  /** The hour's counts so far: SUCCESS while nothing failed, FAILED when everything did, PARTIAL otherwise. */
  private async record(run: HourRun, sourceItems: number, mapped: number, updates: number, failures: readonly ItemFailure[]): Promise<void> {
    const summary = failures.length ? `${failures.length} change(s) refused in the last batch, e.g. ${failures[0]!.channel} ${failures[0]!.sku}: ${failures[0]!.error}` : null;
    await this.deps.db.em().getConnection().execute(
      `update sync_run set source_items = source_items + ?, mapped_skus = mapped_skus + ?, updates = updates + ?, failed = failed + ?,
         channels = ?::jsonb, finished_at = clock_timestamp(), heartbeat_at = clock_timestamp(), error_summary = coalesce(?, error_summary),
         status = case when failed + ? = 0 then 'SUCCESS' when failed + ? >= updates + ? then 'FAILED' else 'PARTIAL' end
       where id = ?`,
      [sourceItems, mapped, updates, failures.length, JSON.stringify(run.channels), summary, failures.length, failures.length, updates, run.id],
    );
  }
}
