import type { Command } from 'commander';
import type { Received } from '../../connectors/notify/simulator.js';
import { runCommand } from '../context.js';
import { EXIT, parseNonNegativeInt, UsageError } from '../output.js';

const SEVERITIES = ['info', 'warning', 'critical'];

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('the operators\' alert channels (the notify block of integrations.yaml)');

  notify
    .command('test')
    .description('send a test alert on each configured channel (or those named) and report each one\'s outcome')
    .option('--channels <list>', 'comma-separated channels, e.g. email,slack,teams,sms (default: every configured channel)')
    .option('--severity <level>', 'info, warning or critical', 'info')
    .option('--message <text>', 'a line added to the test message')
    .addHelpText('after', '\nExamples:\n  tsunagi notify test\n  tsunagi notify test --channels email,sms --severity critical\n  tsunagi --json notify test | jq \'.deliveries\'')
    .action((opts: { channels?: string; severity: string; message?: string }, cmd: Command) =>
      runCommand(
        cmd,
        async (ctx, out) => {
          const channels = opts.channels ? list(opts.channels) : ctx.alerts.configured;
          if (channels.length === 0) throw new UsageError('no notification channel is configured (the notify block in config/integrations.yaml); name one with --channels to see why');
          const outcome = await ctx.alerts.sendAlert({
            type: 'test', severity: opts.severity as 'info', message: opts.message ?? '', channels, throttle: false,
          });
          out.result(outcome);
          out.line(`Test alert "${outcome.title}" (${outcome.severity}):`);
          for (const d of outcome.deliveries) {
            const mark = d.ok ? '[OK]  ' : d.skipped ? '[SKIP]' : '[FAIL]';
            const what = d.ok
              ? `delivered${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}${d.ids?.length ? ` (${d.ids.join(', ')})` : ''}`
              : `${d.error}${d.skipped ? '' : `${d.permanent ? ' (permanent: not retried)' : ` (after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'})`}`}`;
            out.line(`${mark} ${d.channel.padEnd(6)} ${what}`);
          }
          if (ctx.sandbox) out.notice('[SANDBOX] The simulators received it: tsunagi notify received');
          return outcome.deliveries.every((d) => d.ok) ? EXIT.ok : EXIT.failed;
        },
        () => {
          if (!SEVERITIES.includes(opts.severity)) throw new UsageError(`--severity: expected one of ${SEVERITIES.join(', ')}, got "${opts.severity}"`);
          if (opts.channels !== undefined && list(opts.channels).length === 0) throw new UsageError('--channels: name at least one channel');
        },
      ),
    );

  notify
    .command('received')
    .description('sandbox mode: what the bundled email, Slack, Teams and SMS simulators received, newest last')
    .option('--channel <name>', 'one channel only')
    .option('--limit <n>', 'messages per channel (1-50)', '5')
    .action((opts: { channel?: string; limit: string }, cmd: Command) =>
      runCommand(
        cmd,
        async (ctx, out) => {
          if (!ctx.sandbox) throw new UsageError('notify received works only in sandbox mode (the simulators stand in for the channels)');
          const { summarizeReceived } = await import('../../connectors/notify/simulator.js');
          const received = summarizeReceived(await ctx.sandbox.call<Received>('notify', 'received', parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: 50 })));
          const shown = received.filter((r) => !opts.channel || r.channel === opts.channel);
          if (opts.channel && shown.length === 0) throw new UsageError(`--channel: no channel "${opts.channel}" (known: ${received.map((r) => r.channel).join(', ')})`);
          out.result(shown);
          for (const r of shown) {
            out.line(`${r.channel} (${r.messages.length})`);
            for (const m of r.messages) out.line(`  ${out.time(new Date(m.at))}  ${m.summary}`);
            if (r.messages.length === 0) out.line('  (nothing yet)');
          }
        },
        () => void parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: 50 }),
      ),
    );
}
