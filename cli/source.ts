// The stock source a command works on (--source), checked against the config before anything is opened.
import type { Command } from 'commander';
import type { Config } from '../platform/config/index.js';
import { UsageError } from './output.js';

export function sourceOption(cmd: Command): Command {
  return cmd.option('--source <system>', 'the stock source (config sync.sources); default: the first listed there');
}

/** The stock source --source names, or the first configured one; bad usage (exit 2) naming --source when unknown. */
export function sourceName(config: Config, name: string | undefined): string {
  const names = Object.keys(config.sync.sources);
  if (name === undefined) return names[0]!;
  if (!names.includes(name)) throw new UsageError(`--source: unknown stock source "${name}"; sources: ${names.join(', ')}`);
  return name;
}
