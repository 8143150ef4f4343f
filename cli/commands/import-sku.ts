import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { operatorName } from './identity.js';

export function registerImportSku(program: Command): void {
  program
    .command('import-sku')
    .description('import the Excel SKU master (its columns as config skuMaster.columns names them); all or nothing')
    .requiredOption('-f, --file <master.xlsx>', 'the SKU master workbook (first worksheet is read)')
    .option('--replace', 'delete every existing mapping first, in the same transaction')
    .action((opts: { file: string; replace?: boolean }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const { SkuMasterInvalidError } = await import('../../subgraphs/catalog/service.js');
        let file: Buffer;
        try {
          file = await readFile(opts.file);
        } catch (err) {
          throw new SkuMasterInvalidError([{ row: 0, column: 'file', message: `cannot read ${opts.file}: ${(err as Error).message}` }]);
        }
        const actor = operatorName();
        const r = await ctx.catalog.importSkuMaster(file, { replace: Boolean(opts.replace), actor, fileName: basename(opts.file) });
        ctx.logger.info({ file: opts.file, actor, ...r }, `SKU master imported: ${r.imported} mappings from ${basename(opts.file)}`);
        const created = r.sandboxListingsCreated;
        out.result(r);
        out.line(`[SUCCESS] Imported ${r.imported} SKU mappings (${r.active} active, ${r.inactive} inactive)${opts.replace ? `; replaced ${r.replaced} existing` : ''}.`);
        if (created) {
          const total = Object.values(created).reduce((a, b) => a + b, 0);
          const each = Object.entries(created).map(([channel, n]) => `${channel} ${n}`).join(', ');
          out.line(`[SANDBOX] Created ${total} listing${total === 1 ? '' : 's'} the simulated malls lacked, at quantity 0 (${each}).`);
        }
      }, async (config) => {
        // A zip is never larger than what it inflates to: a file past the inflated limit is refused unread.
        const { SkuMasterInvalidError } = await import('../../subgraphs/catalog/service.js');
        const refuse = (message: string) => new SkuMasterInvalidError([{ row: 0, column: 'file', message }]);
        let size: number;
        try {
          size = (await stat(opts.file)).size;
        } catch (err) {
          throw refuse(`cannot read ${opts.file}: ${(err as Error).message}`);
        }
        const max = config.skuMaster.maxUncompressedBytes;
        if (size > max) throw refuse(`${opts.file} is ${size} bytes; at most ${max} are accepted (config skuMaster.maxUncompressedBytes)`);
      }),
    );
}
