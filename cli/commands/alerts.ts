import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { table } from '../output.js';

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('the alert rules (config/notifications.yaml): what is firing, or check them now');

  alerts
    .command('list', { isDefault: true })
    .description('alerts firing now, oldest first')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const firing = await ctx.alertRules.firing();
        out.result(firing);
        if (firing.length === 0) return out.line('No alert is firing.');
        out.line(table(firing.map((f) => [f.rule, f.subject, out.time(f.since), String(f.fireCount), f.title]), ['RULE', 'SUBJECT', 'SINCE', 'SENT', 'ALERT']));
      }),
    );

  alerts
    .command('evaluate')
    .description('check the rules now and send what changed (the jobs rule is the worker\'s: it reads the job store)')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const transitions = await ctx.alertRules.evaluate();
        out.result(transitions);
        if (transitions.length === 0) return out.line('Nothing changed.');
        for (const t of transitions) out.line(`[${t.kind.toUpperCase()}] ${t.rule} ${t.subject}: ${t.title}`);
      }),
    );
}
