// The one report of a run — sync, dry run, rollback or a manual stock set — and the one way it is written as text:
// the CLI prints these lines, the scheduled job logs them, the API's `text` field carries them.
import type { RunStatus } from '../entities/sync-run.js';
import { sourceLabel } from '../sources.js';
import type { ChannelSummary, StockChange } from './planning.js';

export type { ChannelSummary, StockChange } from './planning.js';

export interface ItemFailure extends StockChange {
  error: string;
}

export type RunKind = 'SYNC' | 'ROLLBACK';

export interface RunReport {
  runId: number;
  kind: RunKind;
  dryRun: boolean;
  status: RunStatus;
  /** What started it: cli, schedule, graphql:<caller>, manual (a stock set). */
  trigger: string;
  /** The stock source system whose channels the run changed. */
  sourceSystem: string;
  /** Where the figures came from: the source system, a file, `manual:<user>`, `run:<id>` (rollback). */
  source: string;
  /** The run a rollback undoes. */
  rollbackOf: number | null;
  sourceItems: number;
  mappedSkus: number;
  /** Changes planned (dry run) or sent. */
  updates: number;
  failed: number;
  skipped: { inactive: number; unmapped: number; notInSource: number };
  channels: Partial<Record<string, ChannelSummary>>;
  /** The changes planned (dry run) or sent, at most REPORT_ITEMS of them; every one is in the run's ledger. */
  changes: StockChange[];
  /** The failed changes, at most REPORT_ITEMS of them; every one is in the run's ledger. */
  failures: ItemFailure[];
  errorSummary: string | null;
}

/** Changes and failures a report lists; the counts cover all of them. */
export const REPORT_ITEMS = 1000;
/** Lines of each kind the text shows; the rest are in the run's ledger (tsunagi status <run>). */
const TEXT_ITEMS = 20;

export function newReport(r: Pick<RunReport, 'runId' | 'kind' | 'dryRun' | 'trigger' | 'sourceSystem' | 'source'> & { rollbackOf?: number }): RunReport {
  return {
    ...r, rollbackOf: r.rollbackOf ?? null, status: 'RUNNING', sourceItems: 0, mappedSkus: 0, updates: 0, failed: 0,
    skipped: { inactive: 0, unmapped: 0, notInSource: 0 }, channels: {}, changes: [], failures: [], errorSummary: null,
  };
}

/** Records changes in the report: counted, and listed up to REPORT_ITEMS. */
export function addChanges(report: RunReport, changes: readonly StockChange[]): void {
  report.updates += changes.length;
  const room = REPORT_ITEMS - report.changes.length;
  if (room > 0) report.changes.push(...changes.slice(0, room));
}

export function addFailures(report: RunReport, failures: readonly ItemFailure[]): void {
  report.failed += failures.length;
  const room = REPORT_ITEMS - report.failures.length;
  if (room > 0) report.failures.push(...failures.slice(0, room));
}

/** SUCCESS when nothing failed, FAILED when everything did, PARTIAL in between. */
export const outcome = (failed: number, updates: number): RunStatus => (failed === 0 ? 'SUCCESS' : failed < updates ? 'PARTIAL' : 'FAILED');

/** Failures by channel and error, most frequent kinds first: "200 × yahoo: maintenance; ...". */
export class FailureTally {
  private readonly byError = new Map<string, number>();

  add(failures: readonly ItemFailure[]): void {
    for (const f of failures) {
      const key = `${f.channel}: ${f.error}`;
      // Bounded: past a few hundred kinds the rest are counted under one.
      const slot = this.byError.has(key) || this.byError.size < 200 ? key : 'other errors';
      this.byError.set(slot, (this.byError.get(slot) ?? 0) + 1);
    }
  }

  summary(): string | null {
    if (this.byError.size === 0) return null;
    const kinds = [...this.byError].sort((a, b) => b[1] - a[1]);
    return kinds.slice(0, 5).map(([e, n]) => `${n} × ${e}`).join('; ') + (kinds.length > 5 ? `; and ${kinds.length - 5} more kinds` : '');
  }
}

export const formatFailure = (f: ItemFailure) => `${f.channel} ${f.code} (${f.sku}) ${f.before ?? '-'} → ${f.after}: ${f.error}`;

/** The report as lines of text: what `tsunagi sync` / `rollback` / `stock set` print and the scheduled job logs. */
export function formatReport(r: RunReport): string[] {
  const lines = r.kind === 'ROLLBACK' ? rollbackLines(r) : r.trigger === 'manual' ? manualLines(r) : syncLines(r);
  for (const f of r.failures.slice(0, TEXT_ITEMS)) lines.push(`  [FAILED] ${formatFailure(f)}`);
  if (r.failed > TEXT_ITEMS) lines.push(`  ... and ${r.failed - TEXT_ITEMS} more failures (tsunagi status ${r.runId}: the run's ledger)`);
  if (r.dryRun) lines.push('[DRY-RUN] No changes made to API.');
  lines.push(`[${r.status}] ${r.kind === 'ROLLBACK' ? 'Rollback run' : 'Run'} #${r.runId}${r.errorSummary ? `: ${r.errorSummary}` : ''}`);
  return lines;
}

function syncLines(r: RunReport): string[] {
  const label = sourceLabel(r.sourceSystem);
  const lines = [
    `${label} Inventory: ${r.sourceItems} items found`,
    `Mapped SKUs: ${r.mappedSkus} items`,
    `${r.dryRun ? 'Updates to be sent' : 'Updates sent'}: ${r.updates} items`,
  ];
  for (const [channel, c] of Object.entries(r.channels)) {
    lines.push(`  ${channel.padEnd(8)} updates ${c!.updates}, unchanged ${c!.unchanged}, not listed ${c!.notListed}${r.dryRun ? '' : `, failed ${c!.failed}`}`);
  }
  const s = r.skipped;
  if (s.inactive + s.unmapped + s.notInSource > 0) {
    lines.push(`Skipped: ${s.inactive} inactive in the SKU master, ${s.unmapped} not in the SKU master, ${s.notInSource} mapped but not reported by ${label}`);
  }
  return lines;
}

function rollbackLines(r: RunReport): string[] {
  const lines = [`${r.dryRun ? '[DRY-RUN] Rollback' : 'Rollback'} of run #${r.rollbackOf}: ${r.updates} change(s)`];
  for (const c of r.changes.slice(0, TEXT_ITEMS)) lines.push(`  ${c.channel.padEnd(8)} ${c.code} (${c.sku}): ${c.before ?? '-'} → ${c.after}`);
  if (r.updates > TEXT_ITEMS) lines.push(`  ... and ${r.updates - TEXT_ITEMS} more`);
  return lines;
}

function manualLines(r: RunReport): string[] {
  const c = r.changes[0];
  const [channel] = Object.keys(r.channels);
  return [c ? `${c.channel} ${c.code} (${c.sku}): ${c.before ?? '-'} → ${c.after}` : `${channel ?? 'the channel'}: already at that quantity, nothing sent`];
}
