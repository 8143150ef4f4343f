import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { parseNonNegativeInt, table } from '../output.js';

const MAX_STATUS_LIMIT = 1000;

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('recent sync and rollback runs with their outcome')
    .option('--limit <N>', 'how many runs', '10')
    .action((opts: { limit: string }, cmd: Command) => {
      let limit = 0;
      return runCommand(cmd, async (ctx, out) => {
        const runs = await ctx.inventory.listRuns(limit);
        out.result(runs);
        if (runs.length === 0) return out.line('No runs yet. Try: tsunagi sync --dry-run');
        const time = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-');
        out.line(
          table(
            runs.map((r) => [
              r.id, r.kind === 'ROLLBACK' ? `rollback of #${r.rollbackOf}` : 'sync', r.dryRun ? 'dry run' : 'applied', r.status,
              time(r.startedAt), time(r.finishedAt), r.sourceItems, r.mappedSkus, r.updates, r.failed, r.errorSummary ?? '',
            ]),
            ['RUN', 'KIND', 'MODE', 'STATUS', 'STARTED (UTC)', 'FINISHED (UTC)', 'SOURCE', 'MAPPED', 'UPDATES', 'FAILED', 'ERRORS'],
          ),
        );
      }, () => {
        limit = parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: MAX_STATUS_LIMIT });
      });
    });
}
