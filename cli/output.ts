// How the CLI talks. stdout carries only the command's result: readable lines, or exactly one JSON document with
// --json, so `TOKEN=$(tsunagi token)` and `tsunagi --json status | jq` work. Banners, progress, logs, errors and
// refusals go to stderr. Times are shown in the configured timezone in text, ISO 8601 UTC in JSON.
// This file loads nothing heavy: `--help` and `--version` import only it and commander.
import { formatTime } from '../platform/time.js';
import { parseWholeNumber } from '../subgraphs/inventory/quantity.js';
import { AppError, type ErrorCode } from '../platform/errors.js';

export class UsageError extends AppError {
  readonly code = 'USER_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * The CLI's one mapping from the codes of errors raised on purpose (platform/errors.ts) to exit codes: bad usage
 * or input 2; refusals 1, shown as [REFUSED]; anything else, coded or not, is a failure (1).
 */
const EXIT_CODES: Record<ErrorCode, { exit: number; refusal: boolean }> = {
  USER_INPUT: { exit: EXIT.usage, refusal: false },
  RULE_CHANGE_REFUSED: { exit: EXIT.usage, refusal: false },
  UNAUTHENTICATED: { exit: EXIT.failed, refusal: true },
  FORBIDDEN: { exit: EXIT.failed, refusal: true },
  CONFLICT: { exit: EXIT.failed, refusal: true },
  REFUSED: { exit: EXIT.failed, refusal: true },
  NOT_FOUND: { exit: EXIT.failed, refusal: false },
  UPSTREAM_FAILED: { exit: EXIT.failed, refusal: false },
};

export function exitCodeOf(err: unknown): number {
  return err instanceof AppError ? EXIT_CODES[err.code].exit : EXIT.failed;
}

export function isRefusal(err: unknown): boolean {
  return err instanceof AppError && EXIT_CODES[err.code].refusal;
}

export interface Output {
  json: boolean;
  /** Zone of the times in text output (config `timezone`). */
  timezone: string;
  /** A result line for people (stdout; suppressed with --json). */
  line(text?: string): void;
  /** The command's one JSON document (stdout; only with --json). */
  result(value: unknown): void;
  /** Banners, notices, errors and refusals: always stderr. */
  notice(text: string): void;
  /** A moment as text output shows it; '-' for none. */
  time(date: Date | null | undefined): string;
}

export function createOutput(json: boolean, timezone = 'UTC'): Output {
  return {
    json,
    timezone,
    line(text = '') {
      if (!json) process.stdout.write(`${text}\n`);
    },
    result(value) {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    notice: (text) => process.stderr.write(`${text}\n`),
    time(date) {
      return date ? formatTime(date, this.timezone) : '-';
    },
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
