import type { Command } from 'commander';
import type { SourceItem } from '../../subgraphs/inventory/ports.js';
import type { RunReport } from '../../subgraphs/inventory/service.js';
import { runCommand } from '../context.js';
import { EXIT } from '../output.js';
import { printReport } from '../report.js';
import { sourceName, sourceOption } from '../source.js';
import { operatorName } from './identity.js';

export function registerSync(program: Command): void {
  sourceOption(program.command('sync'))
    .description('sync stock: a stock source (Amazon FBA) → its policy (allocation tiers) → its channels (Yahoo! Shopping, Rakuten); only changes are sent')
    .option('--dry-run', 'compute and report the changes, send nothing')
    .option('--file <inventory file>', 'read the FBA inventory report (TSV/CSV) instead of the SP-API')
    .action((opts: { dryRun?: boolean; file?: string; source?: string }, cmd: Command) => {
      // The report is read and validated before the database is opened: a bad file writes no run.
      let items: SourceItem[] | undefined;
      let source = '';
      return runCommand(cmd, async (ctx, out) => {
        out.notice(opts.dryRun ? '[INFO] Starting Dry Run...' : '[INFO] Starting Sync...');
        const from = items && opts.file ? new (await import('../../subgraphs/inventory/inventory-file.js')).InventoryItemsSource(items, opts.file) : undefined;
        const { sourceLabel } = await import('../../subgraphs/inventory/sources.js');
        const progress = (await import('../progress.js')).progressDisplay(out, sourceLabel(source));
        let report: RunReport;
        try {
          report = await ctx.inventory.sync.run({ source, dryRun: Boolean(opts.dryRun), trigger: 'cli', actor: operatorName(), from, onProgress: progress.update });
        } finally {
          progress.stop();
        }
        await printReport(report, out);
        return report.status === 'SUCCESS' ? EXIT.ok : EXIT.failed;
      }, async (config) => {
        source = sourceName(config, opts.source);
        if (opts.file) items = await (await import('../../subgraphs/inventory/inventory-file.js')).readInventoryFile(opts.file);
      });
    });
}
