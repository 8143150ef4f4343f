// Opening and closing Tsunagi for one CLI command, with the sandbox banner and exit codes.
import type { Command } from 'commander';
import { createContext, type AppContext } from '../app/context.js';
import { ensureDemoData } from '../app/sandbox-seed.js';
import { ConfigError, loadConfig } from '../platform/config/index.js';
import { createLogger } from '../platform/log/index.js';
import { MappingError } from '../platform/transform/index.js';
import { SkuMasterInvalidError } from '../subgraphs/catalog/service.js';
import { InventoryFileError } from '../subgraphs/inventory/inventory-file.js';
import { RuleChangeError, SyncRefusedError } from '../subgraphs/inventory/errors.js';
import { createOutput, EXIT, UsageError, type Output } from './output.js';

export interface GlobalOptions {
  verbose?: boolean;
  config: string;
  json?: boolean;
}

export type CommandBody = (ctx: AppContext, out: Output) => Promise<number | void>;

const SANDBOX_BANNER =
  '[SANDBOX] No marketplace credentials are configured: Tsunagi is talking to its bundled simulators with demo data, not to Amazon, Yahoo! or Rakuten.';

/** Runs one command body against a freshly opened context and sets the process exit code. */
export async function runCommand(cmd: Command, body: CommandBody): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const out = createOutput(Boolean(opts.json));
  let ctx: AppContext | undefined;
  let code: number = EXIT.ok;
  try {
    const config = loadConfig(opts.config);
    const logger = createLogger({
      dir: config.logging.dir,
      file: 'inventory_sync.log',
      level: config.logging.level,
      consoleLevel: 'warn',
      verbose: opts.verbose,
      consoleFd: opts.json ? 2 : 1,
      maxSize: config.logging.maxSize,
      keepFiles: config.logging.keepFiles,
    });
    if (config.sandbox) out.notice(SANDBOX_BANNER);
    ctx = await createContext({ config, logger });
    if (await ensureDemoData(ctx)) out.notice('[SANDBOX] First start: seeded demo marketplaces and SKU master.');
    code = (await body(ctx, out)) ?? EXIT.ok;
  } catch (err) {
    code = report(err, out);
  } finally {
    await ctx?.close();
  }
  process.exitCode = code;
}

function report(err: unknown, out: Output): number {
  const e = err as Error;
  if (e instanceof SkuMasterInvalidError) {
    out.result({ errors: e.errors });
    if (!out.json) {
      out.line(`[ERROR] ${e.errors.length} problem(s) in the SKU master; nothing was imported:`);
      for (const x of e.errors) out.line(`  row ${x.row}, ${x.column}: ${x.message}`);
    }
    return EXIT.usage;
  }
  const usage = e instanceof UsageError || e instanceof ConfigError || e instanceof MappingError || e instanceof InventoryFileError || e instanceof RuleChangeError;
  const refused = e instanceof SyncRefusedError;
  out.result({ error: e.message, kind: e.name });
  if (!out.json) out.line(`[${refused ? 'REFUSED' : 'ERROR'}] ${e.message}`);
  else process.stderr.write(`[${refused ? 'REFUSED' : 'ERROR'}] ${e.message}\n`);
  return usage ? EXIT.usage : EXIT.failed;
}
