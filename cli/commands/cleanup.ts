import type { Command } from 'commander';
import { runCleanup } from '../../jobs/cleanup.js';
import { runCommand } from '../context.js';
import { parseNonNegativeInt } from '../output.js';

export function registerCleanup(program: Command): void {
  program
    .command('cleanup')
    .description('delete runs, their ledgers, the integration log and past events beyond the retention (config sync.retentionDays)')
    .option('--older-than <days>', 'retention in days (default: from config)')
    .action((opts: { olderThan?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const days = opts.olderThan === undefined ? ctx.config.sync.retentionDays : parseNonNegativeInt(opts.olderThan, '--older-than');
        const r = await runCleanup(ctx, days);
        out.result({ olderThanDays: days, cutoff: r.cutoff.toISOString(), runs: r.runs, ledgerEntries: r.ledgerEntries, integrationLog: r.integrationLog, events: r.events });
        out.line(`Deleted ${r.runs} runs, ${r.ledgerEntries} ledger entries, ${r.integrationLog} integration-log rows and ${r.events} events older than ${days} days.`);
      }),
    );
}
