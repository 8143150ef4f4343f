import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { printReport } from '../report.js';
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
        const r = await ctx.inventory.rollback
          .run({ runId: id, source, dryRun: Boolean(opts.dryRun), trigger: 'cli', actor: actor.name, onProgress: progress.update })
          .finally(progress.stop);
        await printReport(r, out);
        return r.status === 'SUCCESS' ? EXIT.ok : EXIT.failed;
      }, (config) => {
        id = runId === undefined ? undefined : parseNonNegativeInt(runId, 'runId');
        // A run id says which source; without one, --source or the first source.
        source = id !== undefined && opts.source === undefined ? undefined : sourceName(config, opts.source);
      });
    });
}
