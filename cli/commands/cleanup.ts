import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { parseNonNegativeInt } from '../output.js';

export function registerCleanup(program: Command): void {
  program
    .command('cleanup')
    .description('delete runs, their ledgers and the integration log past the retention (config sync.retentionDays)')
    .option('--older-than <days>', 'retention in days (default: from config)')
    .action((opts: { olderThan?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const days = opts.olderThan === undefined ? ctx.config.sync.retentionDays : parseNonNegativeInt(opts.olderThan, '--older-than');
        const cutoff = new Date(Date.now() - days * 86_400_000);
        const runs = await ctx.inventory.deleteRunsOlderThan(cutoff);
        const integrationLog = await ctx.reporting.deleteCallsOlderThan(cutoff);
        out.result({ olderThanDays: days, cutoff: cutoff.toISOString(), ...runs, integrationLog });
        out.line(`Deleted ${runs.runs} runs, ${runs.ledgerEntries} ledger entries and ${integrationLog} integration-log rows older than ${days} days.`);
      }),
    );
}
