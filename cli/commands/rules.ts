import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { TierInput } from '../../subgraphs/inventory/allocation.js';
import { runCommand } from '../context.js';
import { parseNonNegativeInt, table, UsageError } from '../output.js';
import { sourceName, sourceOption } from '../source.js';
import { cliActor, signedActor, tokenOption } from './identity.js';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description("a stock source's policy (allocation tiers, split, shared): show, propose (operator), approve or reject (manager)");

  sourceOption(rules.command('show'))
    .description("the source's policy in force and its recent proposals")
    .action((opts: { source?: string }, cmd: Command) => {
      let source = '';
      return runCommand(cmd, async (ctx, out) => {
        const { formatShare } = await import('../../subgraphs/inventory/allocation.js');
        const current = await ctx.inventory.rules.current(source);
        const history = await ctx.inventory.rules.list({ source });
        const tiers = current.tiers.map((t) => ({ min: t.min, max: t.max ?? null, share: formatShare(t) }));
        const policy = current.policy.kind === 'tiers' ? { kind: 'tiers', tiers } : current.policy;
        out.result({ source, ruleSetId: current.ruleSetId, policy, tiers, history });
        out.line(`${source}: ${current.ruleSetId ? `rule set #${current.ruleSetId}` : 'configured default (config.yaml)'} in force`);
        if (current.policy.kind === 'tiers') out.line(table(current.tiers.map((t) => [t.min, t.max ?? '∞', formatShare(t)]), ['MIN', 'MAX', 'SHARE']));
        else if (current.policy.kind === 'split') out.line(table(Object.entries(current.policy.weights), ['CHANNEL', 'WEIGHT']));
        else out.line(`shared: every channel sees the source less ${current.policy.buffer}`);
        if (history.length) {
          out.line('');
          out.line(table(history.map((h) => [h.id, h.policy.kind, h.status, h.proposedBy, h.decidedBy ?? '-', out.time(h.proposedAt)]), ['ID', 'KIND', 'STATUS', 'PROPOSED BY', 'DECIDED BY', 'PROPOSED']));
        }
      }, (config) => {
        source = sourceName(config, opts.source);
      });
    });

  sourceOption(rules.command('propose'))
    .description('propose a tier table [{min, max?, share: "1/4"}, ...] or a policy {kind: split|shared|tiers, ...} from a YAML/JSON file')
    .requiredOption('-f, --file <tiers.yaml>', 'the proposed tiers or policy')
    .option('--reason <text>', 'why the change is needed')
    .action((opts: { file: string; reason?: string; source?: string }, cmd: Command) => {
      let source = '';
      return runCommand(cmd, async (ctx, out) => {
        let data: unknown;
        const { parse } = await import('yaml');
        try {
          data = parse(await readFile(opts.file, 'utf8')) as unknown;
        } catch (err) {
          throw new UsageError(`${opts.file}: ${(err as Error).message}`);
        }
        // A policy of any kind ({kind: split, weights: ...}), or a bare tier table as before.
        const isPolicy = typeof data === 'object' && data !== null && 'kind' in data;
        const tiers = (Array.isArray(data) ? data : (data as { tiers?: TierInput[] } | null)?.tiers) as TierInput[];
        if (!isPolicy && !Array.isArray(tiers)) throw new UsageError(`${opts.file}: expected a list of tiers, {tiers: [...]} or a policy {kind: ...}`);
        const proposal = isPolicy
          ? await ctx.inventory.rules.proposePolicyInput(source, data, cliActor(), opts.reason)
          : await ctx.inventory.rules.propose(source, tiers, cliActor(), opts.reason);
        out.result(proposal);
        out.line(`[SUCCESS] Proposed rule set #${proposal.id} for ${source}; it takes effect once a manager approves it (tsunagi rules approve ${proposal.id}).`);
      }, (config) => {
        source = sourceName(config, opts.source);
      });
    });

  for (const decision of ['approve', 'reject'] as const) {
    sourceOption(tokenOption(rules.command(`${decision} <id>`)))
      .description(`${decision} a proposed rule set (manager role; not your own proposal); with --source, only if it is for that source`)
      .option('--reason <text>', 'note for the audit trail')
      .action((id: string, opts: { reason?: string; token?: string; source?: string }, cmd: Command) => {
        let ruleId = 0;
        return runCommand(cmd, async (ctx, out) => {
          const actor = await signedActor(ctx, out, opts.token);
          const r = decision === 'approve'
            ? await ctx.inventory.rules.approve(ruleId, actor, opts.source)
            : await ctx.inventory.rules.reject(ruleId, actor, opts.reason, opts.source);
          out.result(r);
          out.line(`[SUCCESS] Rule set #${r.id} (${r.source}) is ${r.status} by ${actor.name}.`);
        }, (config) => {
          ruleId = parseNonNegativeInt(id, 'id');
          if (opts.source !== undefined) sourceName(config, opts.source);
        });
      });
  }
}
