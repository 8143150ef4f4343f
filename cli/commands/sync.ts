import type { Command } from 'commander';
import type { SourceItem } from '../../subgraphs/inventory/ports.js';
import type { SyncReport } from '../../subgraphs/inventory/service.js';
import { runCommand } from '../context.js';
import { EXIT, type Output } from '../output.js';
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
        let report: SyncReport;
        try {
          report = await ctx.inventory.runSync({ source, dryRun: Boolean(opts.dryRun), trigger: 'cli', actor: operatorName(), from, onProgress: progress.update });
        } finally {
          progress.stop();
        }
        printReport(report, out, sourceLabel(report.sourceSystem));
        return report.status === 'SUCCESS' ? EXIT.ok : EXIT.failed;
      }, async (config) => {
        source = sourceName(config, opts.source);
        if (opts.file) items = await (await import('../../subgraphs/inventory/inventory-file.js')).readInventoryFile(opts.file);
      });
    });
}

function printReport(r: SyncReport, out: Output, label: string): void {
  out.result({
    runId: r.runId,
    dryRun: r.dryRun,
    status: r.status,
    source: r.sourceSystem,
    sourceItems: r.sourceItems,
    mappedSkus: r.mappedSkus,
    updates: r.updates,
    failed: r.failed,
    skipped: r.skipped,
    channels: r.channels,
    failures: r.failures.slice(0, 100),
    errorSummary: r.errorSummary,
  });
  if (out.json) return;
  out.line(`${label} Inventory: ${r.sourceItems} items found`);
  out.line(`Mapped SKUs: ${r.mappedSkus} items`);
  out.line(`${r.dryRun ? 'Updates to be sent' : 'Updates sent'}: ${r.updates} items`);
  if (r.dryRun) out.line('[DRY-RUN] No changes made to API.');
  for (const [channel, c] of Object.entries(r.channels)) {
    out.line(`  ${channel.padEnd(8)} updates ${c!.updates}, unchanged ${c!.unchanged}, not listed ${c!.notListed}${r.dryRun ? '' : `, failed ${c!.failed}`}`);
  }
  const s = r.skipped;
  if (s.inactive + s.unmapped + s.notInSource > 0) {
    out.line(`Skipped: ${s.inactive} inactive in the SKU master, ${s.unmapped} not in the SKU master, ${s.notInSource} mapped but not reported by ${label}`);
  }
  for (const f of r.failures.slice(0, 20)) out.line(`  [FAILED] ${f.channel} ${f.code} (${f.sku}) ${f.before ?? '-'} → ${f.after}: ${f.error}`);
  if (r.failures.length > 20) out.line(`  ... and ${r.failures.length - 20} more failures (tsunagi status / the run ledger)`);
  out.line(`[${r.status}] Run #${r.runId}${r.errorSummary ? `: ${r.errorSummary}` : ''}`);
}
