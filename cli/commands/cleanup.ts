import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { parseNonNegativeInt } from '../output.js';
import { signedActor, tokenOption, WRITE_ROLES } from './identity.js';

export function registerCleanup(program: Command): void {
  tokenOption(program.command('cleanup'))
    .description('delete runs, their ledgers, the integration log and past events beyond the retention (config sync.retentionDays); the audit trail is kept')
    .option('--older-than <days>', 'retention in days (default: from config)')
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .option('--force', 'also delete runs that finished inside the rollback window (they can then no longer be rolled back)')
    .action((opts: { olderThan?: string; dryRun?: boolean; force?: boolean; token?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const { runCleanup } = await import('../../jobs/cleanup.js');
        const days = opts.olderThan === undefined ? ctx.config.sync.retentionDays : parseNonNegativeInt(opts.olderThan, '--older-than');
        await signedActor(ctx, out, opts.token, WRITE_ROLES);
        const r = await runCleanup(ctx, days, { dryRun: Boolean(opts.dryRun), force: Boolean(opts.force) });
        out.result({
          olderThanDays: days, cutoff: r.cutoff.toISOString(), dryRun: r.dryRun, runs: r.runs, ledgerEntries: r.ledgerEntries,
          integrationLog: r.integrationLog, events: r.events, insideRollbackWindow: r.insideRollbackWindow,
          orderMessages: r.orderMessages, orderBuyers: r.orderBuyers,
        });
        const what = `${r.runs} runs, ${r.ledgerEntries} ledger entries, ${r.integrationLog} integration-log rows, ${r.events} events and ` +
          `${r.orderMessages} processed order messages from before ${out.time(r.cutoff)} (older than ${days} days), and the buyer data of ` +
          `${r.orderBuyers} orders complete for more than ${ctx.config.orders.buyerRetentionDays} days`;
        if (!r.dryRun) return out.line(`Deleted ${what}.`);
        out.line(`[DRY-RUN] Would delete ${what}.`);
        if (r.insideRollbackWindow > 0) out.line(`[DRY-RUN] ${r.insideRollbackWindow} of those runs finished inside the rollback window: deleting them needs --force.`);
        out.line('[DRY-RUN] Nothing was deleted.');
      }),
    );
}
