// One logger: structured JSON lines to a size- and day-rotated file, readable lines on the console.
// Secrets and personal data are redacted by key name before anything is written.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any depth we know of. */
const SECRET_KEYS = [
  'password', 'secret', 'clientSecret', 'client_secret', 'refreshToken', 'refresh_token', 'accessToken',
  'access_token', 'token', 'authorization', 'Authorization', 'licenseKey', 'serviceSecret', 'apiKey',
  'x-amz-access-token', 'slackWebhookUrl', 'webhookUrl', 'email', 'phone', 'address', 'buyerName',
];
export const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.*.${k}`)]
  .map((p) => p.replace(/^([^*][^.]*-[^.]*)$/, '["$1"]').replace(/\*\.([^.]*-[^.]*)$/, '*["$1"]'));

export interface LogOptions {
  /** Directory for the rotated JSON log; undefined = console only. */
  dir?: string;
  /** File name inside dir, e.g. inventory_sync.log. */
  file?: string;
  /** Level of the file log (default info; -v makes it debug). */
  level?: string;
  /** Level of the console lines (default: the file's level); the CLI keeps its console to warnings. */
  consoleLevel?: string;
  verbose?: boolean;
  /** Console stream: 1 (stdout) or 2 (stderr; used with --json so stdout stays one JSON document). */
  consoleFd?: 1 | 2;
  maxSize?: string;
  keepFiles?: number;
  /** Console off (tests, or processes whose console belongs to someone else). */
  quiet?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.verbose ? 'debug' : (opts.level ?? 'info');
  const targets: pino.TransportTargetOptions[] = [];
  if (!opts.quiet) {
    targets.push({
      target: 'pino-pretty',
      level: opts.verbose ? 'debug' : (opts.consoleLevel ?? level),
      options: { destination: opts.consoleFd ?? 1, colorize: false, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
    });
  }
  if (opts.dir) {
    const dir = resolve(opts.dir);
    mkdirSync(dir, { recursive: true });
    targets.push({
      target: 'pino-roll',
      level,
      options: {
        file: join(dir, opts.file ?? 'tsunagi.log'),
        frequency: 'daily',
        size: opts.maxSize ?? '10m',
        mkdir: true,
        limit: { count: opts.keepFiles ?? 14 },
      },
    });
  }
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  if (targets.length === 0) return pino({ ...base, enabled: false });
  return pino(base, pino.transport({ targets }));
}

/** A logger that writes nothing: for tests and library defaults. */
export const silentLogger: Logger = pino({ enabled: false });
