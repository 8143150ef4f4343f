// The stock source a command works on (--source), checked against the config before anything is opened.
import type { Command } from 'commander';
import type { Config } from '../platform/config/index.js';
import { UsageError } from './output.js';

export function sourceOption(cmd: Command): Command {
  return cmd.option('--source <system>', 'the stock source (config sync.sources); default: the only one, when there is one');
}

/** The stock source --source names, or the only configured one; bad usage (exit 2) naming --source otherwise. */
export function sourceName(config: Config, name: string | undefined): string {
  const names = Object.keys(config.sync.sources);
  if (name === undefined) {
    if (names.length === 1) return names[0]!;
    throw new UsageError(`--source: name the stock source (one of ${names.join(', ')})`);
  }
  if (!names.includes(name)) throw new UsageError(`--source: unknown stock source "${name}"; sources: ${names.join(', ')}`);
  return name;
}
