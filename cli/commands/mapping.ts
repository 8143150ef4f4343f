import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { createOutput, EXIT, table, type Output } from '../output.js';

type Transform = typeof import('../../platform/transform/index.js');

/** Mapping commands need no database: they load the mapping file, validate it and exit. */
async function runMappingCommand(cmd: Command, body: (out: Output, transform: Transform, configPath: string) => void): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const out = createOutput(Boolean(opts.json));
  const transform = await import('../../platform/transform/index.js');
  const { defaultConfigPath } = await import('../../platform/config/index.js');
  try {
    body(out, transform, opts.config ?? defaultConfigPath());
  } catch (err) {
    if (!(err instanceof transform.MappingError)) throw err;
    process.stderr.write(`[ERROR] ${err.message}\n`);
    process.exitCode = EXIT.usage;
  }
}

export function registerMapping(program: Command): void {
  const mapping = program.command('mapping').description('the data mappings connectors use (config/data-mappings.json)');
  mapping
    .command('list')
    .description('every mapping with its fields and transforms')
    .option('--mappings <file>', 'a mappings file other than the configured one')
    .action((opts: { mappings?: string }, cmd: Command) =>
      runMappingCommand(cmd, (out, { MappingSet, mappingsPathFor }, configPath) => {
        const set = MappingSet.load(opts.mappings ?? mappingsPathFor(configPath));
        const all = set.names().map((name) => ({ name, fields: set.get(name).rules }));
        out.result(all);
        out.line(`${set.source}`);
        for (const m of all) {
          out.line(`\n${m.name}`);
          out.line(table(m.fields.map((f) => [f.from, f.to, f.transforms.map((t) => t.name).join(' → ') || '-']), ['FROM', 'TO', 'TRANSFORMS']));
        }
      }),
    );
  mapping
    .command('apply <name>')
    .description('map a JSON object, or an array of objects, and print the result')
    .requiredOption('-f, --file <input.json>', 'the record(s) to map')
    .option('--mappings <file>', 'try a mappings file other than the configured one (validated the same way)')
    .addHelpText('after', '\nExample:\n  tsunagi mapping apply wms_to_shopee -f stock.json --json')
    .action((name: string, opts: { file: string; mappings?: string }, cmd: Command) =>
      runMappingCommand(cmd, (out, { MappingSet, mappingsPathFor, readJsonFile }, configPath) => {
        const set = MappingSet.load(opts.mappings ?? mappingsPathFor(configPath));
        const mapped = set.apply(name, readJsonFile(opts.file, 'input file'));
        out.result(mapped);
        out.line(JSON.stringify(mapped, null, 2));
      }),
    );
}
