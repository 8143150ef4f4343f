// What the stock runs did over a period, for reports (the daily report, alert rules): the runs, the changes
// applied per channel and hour, and the items whose latest change still failed. Part of the inventory module's
// public API; it reads only the module's own tables.
import type { Database } from '../../../platform/db/index.js';
import { SyncRun, type RunStatus } from '../entities/sync-run.js';

export interface RunSummary {
  id: number;
  kind: 'SYNC' | 'ROLLBACK' | 'REALTIME';
  dryRun: boolean;
  status: RunStatus;
  trigger: string;
  startedAt: Date;
  finishedAt: Date | null;
  updates: number;
  failed: number;
  channels: Record<string, { updates: number; failed: number }>;
  errorSummary: string | null;
}

export interface ChangesByHour {
  channel: string;
  /** Hour of the day in the zone asked for, 0–23. */
  hour: number;
  applied: number;
  failed: number;
}

export interface FailingItem {
  channel: string;
  sku: string;
  code: string;
  error: string | null;
  /** When its latest (failed) change was tried. */
  at: Date;
  runId: number;
}

/** How far back "still failing" looks: an item a later run retried has a newer entry inside it. */
const FAILING_LOOKBACK_DAYS = 7;

export class RunActivity {
  constructor(private readonly db: Database) {}

  /** Runs started in [from, to), oldest first: at most `limit`, of the given statuses and applied only when asked. */
  async runsBetween(from: Date, to: Date, opts: { limit?: number; statuses?: RunStatus[]; appliedOnly?: boolean } = {}): Promise<RunSummary[]> {
    const where = {
      startedAt: { $gte: from, $lt: to },
      ...(opts.statuses ? { status: { $in: opts.statuses } } : {}),
      ...(opts.appliedOnly ? { dryRun: false } : {}),
    };
    const rows = await this.db.em().find(SyncRun, where, { orderBy: { id: 'asc' }, limit: opts.limit ?? 1000 });
    return rows.map((r) => ({
      id: r.id, kind: r.kind, dryRun: r.dryRun, status: r.status, trigger: r.trigger, startedAt: r.startedAt, finishedAt: r.finishedAt ?? null,
      updates: r.updates, failed: r.failed, channels: r.channels, errorSummary: r.errorSummary ?? null,
    }));
  }

  /** How many runs started in [from, to), by status and whether they were dry runs. */
  async runCounts(from: Date, to: Date): Promise<{ status: RunStatus; dryRun: boolean; count: number }[]> {
    const rows = await this.db.em().execute<{ status: RunStatus; dry_run: boolean; count: string }[]>(
      'select status, dry_run, count(*) as count from sync_run where started_at >= ? and started_at < ? group by 1, 2 order by 1, 2',
      [from, to],
    );
    return rows.map((r) => ({ status: r.status, dryRun: r.dry_run, count: Number(r.count) }));
  }

  /** Every run recorded (retention keeps 90 days by default), by kind, status and whether it was a dry run. */
  async runTotals(): Promise<{ kind: string; status: RunStatus; dryRun: boolean; count: number }[]> {
    const rows = await this.db.em().execute<{ kind: string; status: RunStatus; dry_run: boolean; count: string }[]>(
      'select kind, status, dry_run, count(*) as count from sync_run group by 1, 2, 3 order by 1, 2, 3',
    );
    return rows.map((r) => ({ kind: r.kind, status: r.status, dryRun: r.dry_run, count: Number(r.count) }));
  }

  /**
   * Durations of the finished runs recorded, by kind and status, as cumulative counts at each bound (seconds) with
   * their count and sum: a histogram computed by the database, whatever process made the runs.
   */
  async runDurations(bounds: number[]): Promise<{ kind: string; status: RunStatus; count: number; sum: number; cumulative: number[] }[]> {
    const rows = await this.db.em().execute<{ kind: string; status: RunStatus; n: string; s: number; b: number[] }[]>(
      `select kind, status, count(*) as n, coalesce(sum(d), 0)::float8 as s, array[${bounds.map(() => 'count(*) filter (where d <= ?)::int').join(', ') || '0'}] as b
         from (select kind, status, extract(epoch from finished_at - started_at)::float8 as d from sync_run where finished_at is not null) r
        group by 1, 2 order by 1, 2`,
      bounds,
    );
    return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n), sum: Number(r.s), cumulative: r.b.map(Number) }));
  }

  /** Items each channel had changed by applied runs (within retention), and how many of those changes failed. */
  async changesPerChannel(): Promise<{ channel: string; updates: number; failed: number }[]> {
    const rows = await this.db.em().execute<{ channel: string; updates: string; failed: string }[]>(
      `select c.key as channel, sum((c.value->>'updates')::int) as updates, sum((c.value->>'failed')::int) as failed
         from sync_run r, jsonb_each(r.channels) c where not r.dry_run group by 1 order by 1`,
    );
    return rows.map((r) => ({ channel: r.channel, updates: Number(r.updates), failed: Number(r.failed) }));
  }

  /** Changes sent by applied runs in [from, to), by channel and hour of the day in `timezone`. */
  async changesByHour(from: Date, to: Date, timezone: string): Promise<ChangesByHour[]> {
    const rows = await this.db.em().execute<{ channel: string; hour: number; applied: string; failed: string }[]>(
      `select l.channel, extract(hour from l.at at time zone ?)::int as hour,
              count(*) filter (where l.result = 'APPLIED') as applied, count(*) filter (where l.result = 'FAILED') as failed
         from sync_ledger l join sync_run r on r.id = l.run_id and not r.dry_run
        where l.at >= ? and l.at < ?
        group by 1, 2 order by 1, 2`,
      [timezone, from, to],
    );
    return rows.map((r) => ({ channel: r.channel, hour: Number(r.hour), applied: Number(r.applied), failed: Number(r.failed) }));
  }

  /**
   * Items whose latest change (of applied runs, up to `before`) failed: what a later run has not yet fixed. The
   * first `limit`, newest first, and how many there are.
   */
  async stillFailing(before: Date, limit = 20): Promise<{ total: number; items: FailingItem[] }> {
    const since = new Date(before.getTime() - FAILING_LOOKBACK_DAYS * 86_400_000);
    const rows = await this.db.em().execute<{ channel: string; sku: string; code: string; error: string | null; at: Date; run_id: number; total: string }[]>(
      `with latest as (
         select distinct on (l.channel, l.sku) l.channel, l.sku, l.code, l.result, l.error, l.at, l.run_id
           from sync_ledger l join sync_run r on r.id = l.run_id and not r.dry_run
          where l.at >= ? and l.at < ? and l.result <> 'PENDING'
          order by l.channel, l.sku, l.id desc)
       select channel, sku, code, error, at, run_id, count(*) over () as total
         from latest where result = 'FAILED' order by at desc, channel, sku limit ?`,
      [since, before, limit],
    );
    return {
      total: rows.length ? Number(rows[0]!.total) : 0,
      items: rows.map((r) => ({ channel: r.channel, sku: r.sku, code: r.code, error: r.error, at: new Date(r.at), runId: Number(r.run_id) })),
    };
  }
}
