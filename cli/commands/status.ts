import type { Command } from 'commander';
import type { RunView } from '../../subgraphs/inventory/service.js';
import { runCommand } from '../context.js';
import { EXIT, parseNonNegativeInt, table, type Output } from '../output.js';

const MAX_STATUS_LIMIT = 1000;

export function registerStatus(program: Command): void {
  program
    .command('status [runId]')
    .description('recent sync and rollback runs with their outcome and who ran them; with a run id: that run and its ledger')
    .option('--limit <N>', 'how many runs', '10')
    .option('--first <N>', 'with a run id: ledger entries per page', '50')
    .option('--after <entryId>', 'with a run id: the ledger page after this entry (the cursor the previous page printed)')
    .action((runId: string | undefined, opts: { limit: string; first: string; after?: string }, cmd: Command) => {
      let limit = 0;
      return runCommand(cmd, async (ctx, out) => {
        if (runId !== undefined) {
          const id = parseNonNegativeInt(runId, 'runId');
          const run = await ctx.inventory.history.getRun(id);
          if (!run) {
            out.result({ error: `there is no run ${id}`, kind: 'NotFound' });
            out.notice(`[ERROR] there is no run ${id}; tsunagi status lists the recent ones`);
            return EXIT.failed;
          }
          const page = await ctx.inventory.history.ledger(id, {
            first: parseNonNegativeInt(opts.first, '--first'),
            after: opts.after === undefined ? undefined : parseNonNegativeInt(opts.after, '--after'),
          });
          const next = page.hasNextPage ? page.entries.at(-1)!.id : null;
          out.result({ run, ledger: { entries: page.entries, hasNextPage: page.hasNextPage, after: next } });
          printRun(run, page.entries, next, out);
          return;
        }
        const runs = await ctx.inventory.history.listRuns(limit);
        out.result(runs);
        if (runs.length === 0) return out.line('No runs yet. Try: tsunagi sync --dry-run');
        out.line(
          table(
            runs.map((r) => [
              r.id, kind(r), r.dryRun ? 'dry run' : 'applied', r.status, who(r), out.time(r.startedAt), out.time(r.finishedAt),
              r.sourceItems, r.mappedSkus, r.updates, r.failed, r.errorSummary ?? '',
            ]),
            ['RUN', 'KIND', 'MODE', 'STATUS', 'USER', 'STARTED', 'FINISHED', 'SOURCE', 'MAPPED', 'UPDATES', 'FAILED', 'ERRORS'],
          ),
        );
      }, () => {
        limit = parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: MAX_STATUS_LIMIT });
      });
    });
}

const kind = (r: RunView) => (r.kind === 'ROLLBACK' ? `rollback of #${r.rollbackOf}` : r.trigger === 'manual' ? 'stock set' : 'sync');
/** The person, or what started it when no person did (the scheduler). */
const who = (r: RunView) => r.actor ?? r.trigger;

function printRun(
  r: RunView,
  entries: { id: number; channel: string; sku: string; code: string; before?: number | null; after: number; result: string; error?: string | null; at: Date }[],
  next: number | null,
  out: Output,
): void {
  out.line(`Run #${r.id}: ${kind(r)}, ${r.dryRun ? 'dry run' : 'applied'}, ${r.status}`);
  out.line(`  started   ${out.time(r.startedAt)} by ${who(r)} (${r.trigger}, process ${r.owner})`);
  out.line(`  finished  ${out.time(r.finishedAt)}`);
  out.line(`  source    ${r.source}: ${r.sourceItems} items, ${r.mappedSkus} mapped (${r.skippedInactive} inactive, ${r.skippedUnmapped} not in the SKU master skipped)`);
  out.line(`  changes   ${r.updates} (${r.failed} failed)${Object.entries(r.channels).map(([c, v]) => `; ${c} ${v.updates}/${v.failed} failed`).join('')}`);
  if (r.rollbackOf) out.line(`  undoes    run #${r.rollbackOf}`);
  if (r.rolledBackBy) out.line(`  undone by run #${r.rolledBackBy}`);
  if (r.errorSummary) out.line(`  errors    ${r.errorSummary}`);
  out.line('');
  if (entries.length === 0) {
    out.line(r.dryRun ? 'Ledger: none (a dry run sends nothing).' : 'Ledger: no entries on this page.');
    return;
  }
  out.line(
    table(
      entries.map((e) => [e.id, e.channel, e.code, e.sku, `${e.before ?? '-'} → ${e.after}`, e.result, out.time(e.at), e.error ?? '']),
      ['ENTRY', 'CHANNEL', 'CODE', 'SKU', 'CHANGE', 'RESULT', 'AT', 'ERROR'],
    ),
  );
  if (next !== null) out.line(`More: tsunagi status ${r.id} --after ${next}`);
}
