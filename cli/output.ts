// How the CLI talks: readable lines for people, or exactly one JSON document on stdout with --json.
import { parseWholeNumber } from '../subgraphs/inventory/quantity.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Output {
  json: boolean;
  /** A line for people (suppressed with --json). */
  line(text?: string): void;
  /** The command's one JSON document (only with --json). */
  result(value: unknown): void;
  /** Banners and warnings: stdout for people, stderr with --json. */
  notice(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    line: (text = '') => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    result: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    notice: (text) => (json ? process.stderr : process.stdout).write(`${text}\n`),
  };
}

/** Fixed-width table for status and history listings. */
export function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** A whole number in plain digits, by default 0 .. PostgreSQL's int maximum; exit 2 naming `what` otherwise. */
export function parseNonNegativeInt(value: string, what: string, range: { min?: number; max?: number } = {}): number {
  return parseWholeNumber(value.trim(), what, { min: range.min, max: range.max ?? 2_147_483_647 });
}
