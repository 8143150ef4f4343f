import type { Command } from 'commander';
import { MappingError, MappingSet, mappingsPathFor, readJsonFile } from '../../platform/transform/index.js';
import type { GlobalOptions } from '../context.js';
import { createOutput, EXIT, table, type Output } from '../output.js';

/** Mapping commands need no database: they load the mapping file, validate it and exit. */
function runMappingCommand(cmd: Command, body: (out: Output, opts: GlobalOptions) => void): void {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const out = createOutput(Boolean(opts.json));
  try {
    body(out, opts);
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
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
      runMappingCommand(cmd, (out, globals) => {
        const set = MappingSet.load(opts.mappings ?? mappingsPathFor(globals.config));
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
      runMappingCommand(cmd, (out, globals) => {
        const set = MappingSet.load(opts.mappings ?? mappingsPathFor(globals.config));
        const mapped = set.apply(name, readJsonFile(opts.file, 'input file'));
        out.result(mapped);
        out.line(JSON.stringify(mapped, null, 2));
      }),
    );
}
