import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { EXIT, UsageError } from '../output.js';

export function registerReport(program: Command): void {
  const report = program.command('report').description('reports for people: the daily report');

  report
    .command('daily')
    .description('the daily report of one day (default: yesterday in the configured timezone): printed as text, written as HTML, or sent')
    .option('--date <YYYY-MM-DD>', 'the day to report, in the configured timezone (default: yesterday)')
    .option('--out <file.html>', 'write the report as one HTML file (charts inlined) instead of printing it')
    .option('--send', 'send it the way routing says (config/notifications.yaml: daily_report → email)')
    .addHelpText('after', '\nExamples:\n  tsunagi report daily\n  tsunagi report daily --date 2026-11-26 --out report.html\n  tsunagi report daily --send')
    .action((opts: { date?: string; out?: string; send?: boolean }, cmd: Command) =>
      runCommand(
        cmd,
        async (ctx, out) => {
          const { writeFileSync } = await import('node:fs');
          const { resolve } = await import('node:path');
          const date = opts.date ?? ctx.dailyReport.yesterday();
          const built = await ctx.dailyReport.build(date);
          const rendered = await ctx.dailyReport.render(built, opts.out ? 'inline' : 'cid');
          let file: string | undefined;
          if (opts.out) {
            file = resolve(opts.out);
            writeFileSync(file, rendered.html);
            out.line(`Wrote ${file}: "${rendered.subject}" (${Math.ceil(Buffer.byteLength(rendered.html) / 1024)} KB, ${rendered.charts.length} charts inlined)`);
          }
          const sent = opts.send ? await ctx.dailyReport.send(date) : undefined;
          out.result({ report: built, subject: rendered.subject, file, deliveries: sent?.outcome.deliveries });
          if (!opts.out && !opts.send) out.line(rendered.text);
          for (const d of sent?.outcome.deliveries ?? []) {
            out.line(`${d.ok ? '[OK]  ' : d.skipped ? '[SKIP]' : '[FAIL]'} ${d.channel.padEnd(6)} ${d.ok ? 'sent' : d.error}`);
          }
          if (sent && sent.outcome.deliveries.length === 0) out.notice('[WARN] routing sends the daily report nowhere (config/notifications.yaml routing.types.daily_report)');
          return sent && (sent.outcome.deliveries.some((d) => !d.ok && !d.skipped) || !sent.outcome.deliveries.some((d) => d.ok)) ? EXIT.failed : EXIT.ok;
        },
        () => {
          if (opts.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new UsageError(`--date: expected YYYY-MM-DD, got "${opts.date}"`);
          if (opts.out !== undefined && !opts.out.trim()) throw new UsageError('--out: name a file');
        },
      ),
    );
}
