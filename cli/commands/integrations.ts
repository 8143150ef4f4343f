import type { Command } from 'commander';
import { runCommand } from '../context.js';
import { resolve } from 'node:path';
import { EXIT, parseNonNegativeInt, table, UsageError } from '../output.js';
import { operatorName } from './identity.js';

export function registerIntegrations(program: Command): void {
  const integrations = program
    .command('integrations')
    .description('the external systems of config/integrations.yaml: list, run one operation, the integration log');

  integrations
    .command('list')
    .description('systems with their operations, schedules, auth type, credential expiry and last outcome')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const systems = await ctx.hub.list();
        out.result(systems);
        const expiry = (h: { expiresAt?: Date | null; expiresInDays: number | null }) =>
          h.expiresInDays === null ? (h.expiresAt ? out.time(h.expiresAt) : '-') : `${h.expiresInDays} days${h.expiresAt ? ` (${out.time(h.expiresAt)})` : ''}`;
        out.line(
          table(
            systems.flatMap((s) => [
              [
                s.name,
                s.type,
                s.authType,
                s.health.ok ? 'ok' : 'FAIL',
                expiry(s.health),
                s.lastRun ? `${s.lastRun.ok ? 'ok' : 'FAILED'} ${s.lastRun.operation}${s.lastRun.dryRun ? ' (dry run)' : ''} ${out.time(s.lastRun.at)}` : '-',
              ],
              // A system with several channels (a marketplace's shops): one row each, with its days left.
              ...(s.health.parts ?? []).map((p) => [`  ${p.name}`, '', '', p.ok ? 'ok' : 'FAIL', expiry(p), '']),
            ]),
            ['SYSTEM', 'TYPE', 'AUTH', 'HEALTH', 'CREDENTIAL EXPIRES', 'LAST RUN'],
          ),
        );
        out.line('');
        out.line(
          table(
            systems.flatMap((s) => s.operations.map((o) => [s.name, o.name, o.schedule ?? '-', o.changes ? 'yes' : 'no', o.description])),
            ['SYSTEM', 'OPERATION', 'SCHEDULE', 'CHANGES', 'DESCRIPTION'],
          ),
        );
        for (const s of systems.filter((x) => !x.health.ok)) out.notice(`[WARN] ${s.name}: ${s.health.detail}`);
      }),
    );

  integrations
    .command('run <system> <operation>')
    .description('run one operation now (stock changes are ledgered; recorded in the integration log either way)')
    .option('--dry-run', 'what it would do; nothing outside changes')
    .option('--input <file.json>', 'the operation input (JSON object)')
    .option('-f, --file <path>', 'a file the operation reads (its input.file), e.g. a product export')
    .option('--sku <sku>', 'one SKU only (its input.sku)')
    .option('--from <date>', 'the first day of a window (its input.from, YYYY-MM-DD), e.g. a sales export')
    .option('--to <date>', 'the last day of that window (its input.to, YYYY-MM-DD)')
    .addHelpText(
      'after',
      '\nExamples:\n  tsunagi integrations run amazon stock_sync --dry-run\n  tsunagi integrations run yahoo get_stock --input codes.json' +
        '\n  tsunagi integrations run pim products-csv -f products.csv\n  tsunagi integrations run dam images-sync --sku AMZ-000001' +
        '\n  tsunagi integrations run bi sales-export --from 2026-11-01 --to 2026-11-30',
    )
    .action((system: string, operation: string, opts: { dryRun?: boolean; input?: string; file?: string; sku?: string; from?: string; to?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        let input: Record<string, unknown> = {};
        if (opts.input) {
          const { readJsonFile } = await import('../../platform/transform/index.js');
          const read = readJsonFile(opts.input, 'input file');
          if (read === null || typeof read !== 'object' || Array.isArray(read)) throw new UsageError(`--input ${opts.input}: the input must be a JSON object`);
          input = read as Record<string, unknown>;
        }
        // Paths are taken from where the operator stands.
        if (opts.file !== undefined) input = { ...input, file: resolve(opts.file) };
        if (opts.sku !== undefined) input = { ...input, sku: opts.sku };
        if (opts.from !== undefined) input = { ...input, from: opts.from };
        if (opts.to !== undefined) input = { ...input, to: opts.to };
        const result = await ctx.hub.run({ system, operation, input, dryRun: Boolean(opts.dryRun), trigger: 'cli', actor: operatorName() });
        out.result(result);
        out.line(`[SUCCESS] ${system} ${operation}${result.dryRun ? ' (dry run)' : ''} in ${result.durationMs} ms`);
        out.line(JSON.stringify(result.output, null, 2));
        return EXIT.ok;
      }),
    );

  integrations
    .command('log')
    .description('the integration log, newest first: operation runs and every external call')
    .option('--system <name>', 'one system only')
    .option('--limit <n>', 'rows (1-1000)', '50')
    .action((opts: { system?: string; limit: string }, cmd: Command) =>
      runCommand(
        cmd,
        async (ctx, out) => {
          const rows = await ctx.reporting.integrationLog({ system: opts.system, limit: parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: 1000 }) });
          out.result(rows);
          out.line(
            table(
              rows.map((r) => [r.id, out.time(r.at), r.system, r.operation, r.method, r.ok ? 'ok' : 'FAILED', r.status ?? '-', r.durationMs, r.error ?? '']),
              ['ID', 'AT', 'SYSTEM', 'OPERATION', 'METHOD', 'OUTCOME', 'HTTP', 'MS', 'ERROR'],
            ),
          );
        },
        () => void parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: 1000 }),
      ),
    );
}
