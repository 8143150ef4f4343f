import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { TierInput } from '../../platform/config/tiers.js';
import { runCommand } from '../context.js';
import { parseNonNegativeInt, table, UsageError } from '../output.js';
import { cliActor, signedActor, tokenOption } from './identity.js';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('allocation tiers: show, propose (operator), approve or reject (manager)');

  rules
    .command('show')
    .description('the tiers in force and recent proposals')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const { formatShare } = await import('../../platform/config/tiers.js');
        const current = await ctx.inventory.rules.current();
        const history = await ctx.inventory.rules.list();
        out.result({ ruleSetId: current.ruleSetId, tiers: current.tiers.map((t) => ({ min: t.min, max: t.max ?? null, share: formatShare(t) })), history });
        out.line(`In force: ${current.ruleSetId ? `rule set #${current.ruleSetId}` : 'configured default (config.yaml)'}`);
        out.line(table(current.tiers.map((t) => [t.min, t.max ?? '∞', formatShare(t)]), ['MIN', 'MAX', 'SHARE']));
        if (history.length) {
          out.line('');
          out.line(table(history.map((h) => [h.id, h.status, h.proposedBy, h.decidedBy ?? '-', out.time(h.proposedAt)]), ['ID', 'STATUS', 'PROPOSED BY', 'DECIDED BY', 'PROPOSED']));
        }
      }),
    );

  rules
    .command('propose')
    .description('propose a tier table from a YAML/JSON file: [{min, max?, share: "1/4"}, ...]')
    .requiredOption('-f, --file <tiers.yaml>', 'the proposed tiers')
    .option('--reason <text>', 'why the change is needed')
    .action((opts: { file: string; reason?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        let tiers: TierInput[];
        const { parse } = await import('yaml');
        try {
          const data = parse(await readFile(opts.file, 'utf8')) as unknown;
          tiers = (Array.isArray(data) ? data : (data as { tiers?: TierInput[] })?.tiers) as TierInput[];
        } catch (err) {
          throw new UsageError(`${opts.file}: ${(err as Error).message}`);
        }
        if (!Array.isArray(tiers)) throw new UsageError(`${opts.file}: expected a list of tiers or {tiers: [...]}`);
        const proposal = await ctx.inventory.rules.propose(tiers, cliActor(), opts.reason);
        out.result(proposal);
        out.line(`[SUCCESS] Proposed rule set #${proposal.id}; it takes effect once a manager approves it (tsunagi rules approve ${proposal.id}).`);
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    tokenOption(rules.command(`${decision} <id>`))
      .description(`${decision} a proposed rule set (manager role; not your own proposal)`)
      .option('--reason <text>', 'note for the audit trail')
      .action((id: string, opts: { reason?: string; token?: string }, cmd: Command) =>
        runCommand(cmd, async (ctx, out) => {
          const ruleId = parseNonNegativeInt(id, 'id');
          const actor = await signedActor(ctx, out, opts.token);
          const r = decision === 'approve' ? await ctx.inventory.rules.approve(ruleId, actor) : await ctx.inventory.rules.reject(ruleId, actor, opts.reason);
          out.result(r);
          out.line(`[SUCCESS] Rule set #${r.id} is ${r.status} by ${actor.name}.`);
        }),
      );
  }
}
