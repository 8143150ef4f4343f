import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { createOutput, EXIT, exitCodeOf, parseNonNegativeInt, UsageError } from '../output.js';

const LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('the log, readable: one line per entry in the configured timezone, filtered by run, system and level')
    .option('-f, --follow', 'keep printing entries as they are written (Ctrl-C to stop)')
    .option('--run <id>', 'entries of one run')
    .option('--system <name>', 'entries of one external system (its calls, its connector)')
    .option('--level <level>', `the least severe level shown: ${LEVEL_NAMES.join(', ')}`, 'info')
    .option('-n, --lines <n>', 'the last n entries (1-10000)', '50')
    .addHelpText('after', '\nExamples:\n  tsunagi logs --level warn\n  tsunagi logs --run 12\n  tsunagi logs --follow --system yahoo')
    .action(async (opts: { follow?: boolean; run?: string; system?: string; level: string; lines: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const out = createOutput(Boolean(global.json));
      try {
        if (!LEVEL_NAMES.includes(opts.level)) throw new UsageError(`--level: expected one of ${LEVEL_NAMES.join(', ')}, got "${opts.level}"`);
        if (opts.follow && global.json) throw new UsageError('--follow prints entries as they come and --json prints one document: use one of them (the log file itself is JSON lines)');
        const limit = parseNonNegativeInt(opts.lines, '--lines', { min: 1, max: 10_000 });
        const runId = opts.run === undefined ? undefined : parseNonNegativeInt(opts.run, '--run', { min: 1 });
        // Reading the log needs the config (its directory and timezone), not the database.
        const { loadConfig } = await import('../../app/config.js');
        const config = loadConfig(global.config);
        out.timezone = config.timezone;
        const { follow, formatEntry, LEVELS, liveLogFiles, readLast } = await import('../../platform/log/read.js');
        const filter = { runId, system: opts.system, minLevel: LEVELS[opts.level as keyof typeof LEVELS] };
        const files = liveLogFiles(config.logging.dir);
        if (files.length === 0 && !opts.follow) out.notice(`[INFO] no log file in ${config.logging.dir} yet`);
        const entries = await readLast(files, filter, limit);
        out.result(entries.map((e) => ({ time: e.time.toISOString(), level: e.level, msg: e.msg, ...e.fields })));
        for (const e of entries) out.line(formatEntry(e, config.timezone));
        if (opts.follow) {
          const stop = new AbortController();
          process.once('SIGINT', () => stop.abort());
          process.once('SIGTERM', () => stop.abort());
          await follow(config.logging.dir, filter, (e) => out.line(formatEntry(e, config.timezone)), stop.signal);
        }
        process.exitCode = EXIT.ok;
      } catch (err) {
        out.result({ error: (err as Error).message, kind: (err as Error).name });
        out.notice(`[ERROR] ${(err as Error).message}`);
        process.exitCode = exitCodeOf(err);
      }
    });
}
