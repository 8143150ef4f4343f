import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { EXIT, parseNonNegativeInt } from '../output.js';
import { sourceName, sourceOption } from '../source.js';
import { signedActor, tokenOption, WRITE_ROLES } from './identity.js';

export function registerRollback(program: Command): void {
  sourceOption(tokenOption(program.command('rollback [runId]')))
    .description("put a source's channels back to what they held before its most recent applied run (within 24 h, once); a run id picks its source")
    .option('--dry-run', 'list the changes a rollback would make, send nothing')
    .action((runId: string | undefined, opts: { dryRun?: boolean; token?: string; source?: string }, cmd: Command) => {
      let id: number | undefined;
      let source: string | undefined;
      return runCommand(cmd, async (ctx, out) => {
        const actor = await signedActor(ctx, out, opts.token, WRITE_ROLES);
        const progress = (await import('../progress.js')).progressDisplay(out, 'source');
        const r = await ctx.inventory
          .rollback({
            runId: id,
            source,
            dryRun: Boolean(opts.dryRun),
            trigger: 'cli',
            actor: actor.name,
            onProgress: progress.update,
          })
          .finally(progress.stop);
        out.result({ runId: r.rollbackOf, rollbackRunId: r.runId, dryRun: r.dryRun, status: r.status, changes: r.changes, failures: r.failures });
        out.line(`${r.dryRun ? '[DRY-RUN] Rollback' : 'Rollback'} of run #${r.rollbackOf}: ${r.changes.length} change(s)`);
        for (const c of r.changes.slice(0, 50)) out.line(`  ${c.channel.padEnd(8)} ${c.code} (${c.sku}): ${c.from ?? '-'} → ${c.to}`);
        if (r.changes.length > 50) out.line(`  ... and ${r.changes.length - 50} more`);
        for (const f of r.failures.slice(0, 20)) out.line(`  [FAILED] ${f.channel} ${f.code}: ${f.error}`);
        out.line(r.dryRun ? '[DRY-RUN] No changes made to API.' : `[${r.status}] Rollback run #${r.runId}`);
        return r.status === 'SUCCESS' ? EXIT.ok : EXIT.failed;
      }, (config) => {
        id = runId === undefined ? undefined : parseNonNegativeInt(runId, 'runId');
        // A run id says which source; without one, --source or the only source.
        source = id !== undefined && opts.source === undefined ? undefined : sourceName(config, opts.source);
      });
    });
}
