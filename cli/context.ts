// Opening and closing Tsunagi for one CLI command, with the banner on stderr, a log line and the exit code.
// Everything heavy (config schema, database, connectors) is imported here on demand, so that `--help`,
// `--version` and a command's argument errors cost only commander.
import type { Command } from 'commander';
import type { AppContext } from '../app/context.js';
import type { Config } from '../platform/config/index.js';
import type { Logger } from '../platform/log/index.js';
import { correlated } from '../platform/log/correlation.js';
import { operatorName } from './commands/identity.js';
import { createOutput, EXIT, exitCodeOf, isRefusal, type Output } from './output.js';

export interface GlobalOptions {
  verbose?: boolean;
  config?: string;
  json?: boolean;
}

export type CommandBody = (ctx: AppContext, out: Output) => Promise<number | void>;

/**
 * Runs one command body against a freshly opened context and sets the process exit code. `check` validates the
 * arguments (against the config where needed) before the database is opened, so bad input changes nothing.
 */
/** Runs a command as one unit of work: its log lines and external calls share one correlation id. */
export function runCommand(cmd: Command, body: CommandBody, check?: (config: Config) => void | Promise<void>): Promise<void> {
  return correlated(() => runCommandCorrelated(cmd, body, check));
}

async function runCommandCorrelated(cmd: Command, body: CommandBody, check?: (config: Config) => void | Promise<void>): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const out = createOutput(Boolean(opts.json));
  const command = commandPath(cmd);
  let logger: Logger | undefined;
  let ctx: AppContext | undefined;
  let code: number = EXIT.ok;
  try {
    const { loadConfig } = await import('../app/config.js');
    const config = loadConfig(opts.config);
    out.timezone = config.timezone;
    const { createLogger } = await import('../platform/log/index.js');
    logger = createLogger({
      dir: config.logging.dir,
      file: 'inventory_sync.log',
      level: config.logging.level,
      consoleLevel: 'warn',
      verbose: opts.verbose,
      consoleFd: 2,
      maxSize: config.logging.maxSize,
      keepFiles: config.logging.keepFiles,
      timezone: config.timezone,
    });
    // The command's first line: `tsunagi logs --run` shows it with the run the command went on to start.
    logger.info({ command }, `tsunagi ${command} started`);
    await check?.(config);
    (await import('../platform/heap.js')).keepHeapCompact();
    const { createContext } = await import('../app/context.js');
    ctx = await createContext({ config, logger });
    for (const line of banner(config, ctx)) out.notice(line);
    if (ctx.sandbox) {
      const { ensureDemoData } = await import('../app/sandbox-seed.js');
      if (await ensureDemoData(ctx)) out.notice('[SANDBOX] First start: seeded demo marketplaces and SKU master.');
    }
    code = (await body(ctx, out)) ?? EXIT.ok;
  } catch (err) {
    code = report(err as Error, out);
    logger?.warn({ command, err: (err as Error).message, kind: (err as Error).name }, `tsunagi ${command}: ${isRefusal(err as Error) ? 'refused' : 'failed'}`);
  } finally {
    logger?.info({ command, args: process.argv.slice(2), user: operatorName(), exitCode: code }, `tsunagi ${command} (exit ${code})`);
    await ctx?.close();
    if (logger) await (await import('../platform/log/index.js')).closeLogger(logger);
  }
  process.exitCode = code;
}

/** "sandbox seed" for the command `tsunagi sandbox seed`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Which data directory this command works on and whether it joined a running Tsunagi process. */
function banner(config: Config, ctx: AppContext): string[] {
  const lines: string[] = [];
  if (config.sandbox) {
    lines.push('[SANDBOX] No marketplace credentials are configured: Tsunagi is talking to its bundled simulators with demo data, not to Amazon, Yahoo!, Rakuten or Shopee.');
  }
  const owners = [ctx.db.ownerPid, ctx.sandbox?.ownerPid].filter((pid): pid is number => pid !== undefined);
  if (owners.length === 0) return lines;
  const joined = owners.find((pid) => pid !== process.pid);
  const where = joined
    ? `joined the running Tsunagi process ${joined} (npm start or another command)`
    : 'no Tsunagi process was running, so this command opened it (npm start keeps it open)';
  lines.push(`${config.sandbox ? '[SANDBOX]' : '[INFO]'} Data directory ${config.dataDir}: ${where}.`);
  return lines;
}

function report(e: Error, out: Output): number {
  const tag = isRefusal(e) ? '[REFUSED]' : '[ERROR]';
  // A SKU master's problems, listed row by row.
  if ('totalErrors' in e) {
    const { errors, totalErrors } = e as Error & { errors: { row: number; column: string; message: string }[]; totalErrors: number };
    out.result({ errors, totalErrors });
    const subject = 'subject' in e ? String(e.subject) : 'the SKU master';
    out.notice(`${tag} ${totalErrors} problem(s) in ${subject}; nothing was imported:`);
    for (const x of errors) out.notice(x.row === 0 ? `  ${x.message}` : `  row ${x.row}, ${x.column}: ${x.message}`);
    if (totalErrors > errors.length) out.notice(`  ... and ${totalErrors - errors.length} more (the first ${errors.length} are listed)`);
    return exitCodeOf(e);
  }
  out.result({ error: e.message, kind: e.name });
  out.notice(`${tag} ${e.message}`);
  return exitCodeOf(e);
}
