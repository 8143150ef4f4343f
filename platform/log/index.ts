// One logger: structured JSON lines to a size- and day-rotated file, readable lines on the console.
// Secrets and personal data are redacted by key name before anything is written.
// The live file keeps its name (logs/inventory_sync.log, as the operations manual says to `tail -f`); rotated
// files get the day and a number (inventory_sync.2026-11-27.1.log). Both streams run on the main thread: a
// CLI command then starts no worker thread, and its lines are on disk when it exits.
import { mkdirSync } from 'node:fs';
import { extname, basename, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { createStream } from 'rotating-file-stream';
import { dayInZone, formatTime, isoInZone } from '../time.js';
import { correlationFields } from './correlation.js';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any depth we know of. */
const SECRET_KEYS = [
  'password', 'secret', 'clientSecret', 'client_secret', 'refreshToken', 'refresh_token', 'accessToken',
  'access_token', 'token', 'authorization', 'Authorization', 'licenseKey', 'serviceSecret', 'apiKey',
  'x-amz-access-token', 'slackWebhookUrl', 'webhookUrl', 'email', 'phone', 'address', 'buyerName',
  // Order buyers: their personal data as the orders module and the marketplaces name it.
  'buyer', 'shipping', 'recipient_address', 'webhookSecret', 'webhook_secret', 'partner_key', 'partnerKey',
  'secretAccessKey',
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
  /** Console stream: 1 (stdout, the servers') or 2 (stderr: the CLI, whose stdout carries only its result). */
  consoleFd?: 1 | 2;
  maxSize?: string;
  keepFiles?: number;
  /** Console off (tests, or processes whose console belongs to someone else). */
  quiet?: boolean;
  /** Zone of the times in log lines (config `timezone`); default UTC. */
  timezone?: string;
}

const closers = new WeakMap<Logger, () => Promise<void>>();

/** pino's sizes ("10m") in rotating-file-stream's notation ("10M"). */
const rfsSize = (size: string) => size.trim().toUpperCase().replace(/B$/, '').replace(/^(\d+)$/, '$1M');

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.verbose ? 'debug' : (opts.level ?? 'info');
  const timezone = opts.timezone ?? 'UTC';
  const streams: pino.StreamEntry[] = [];
  let close = async () => {};
  if (!opts.quiet) {
    const console = pretty({
      destination: opts.consoleFd ?? 1, sync: true, colorize: false, ignore: 'pid,hostname',
      customPrettifiers: { time: (t) => formatTime(new Date(String(t)), timezone) },
    });
    streams.push({ level: (opts.verbose ? 'debug' : (opts.consoleLevel ?? level)) as pino.Level, stream: console });
  }
  if (opts.dir) {
    const dir = resolve(opts.dir);
    mkdirSync(dir, { recursive: true });
    const file = opts.file ?? 'tsunagi.log';
    const ext = extname(file);
    const base = basename(file, ext);
    const stream = createStream((time, index) => (time ? `${base}.${dayInZone(new Date(time), timezone)}.${index ?? 1}${ext}` : file), {
      path: dir, size: rfsSize(opts.maxSize ?? '10m'), interval: '1d', initialRotation: true,
      maxFiles: opts.keepFiles ?? 14, history: `${base}.history`,
    });
    stream.on('error', (err) => process.stderr.write(`log file ${dir}/${file}: ${err.message}\n`));
    streams.push({ level: level as pino.Level, stream });
    close = () => new Promise<void>((done) => (stream.writableEnded ? done() : stream.end(done)));
  }
  const base = {
    level: lowest(streams.map((s) => s.level ?? 'info')),
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: () => `,"time":"${isoInZone(new Date(), timezone)}"`,
    // Every line names the work it belongs to (platform/log/correlation.ts).
    mixin: correlationFields,
  };
  if (streams.length === 0) return pino({ ...base, enabled: false });
  const logger = pino(base, pino.multistream(streams));
  closers.set(logger, close);
  return logger;
}

function lowest(levels: string[]): string {
  return levels.reduce((a, b) => (pino.levels.values[a] <= pino.levels.values[b] ? a : b), 'fatal');
}

/** Writes out what the file stream holds; call before the process exits. */
export async function closeLogger(logger: Logger): Promise<void> {
  await closers.get(logger)?.();
}

/** A logger that writes nothing: for tests and library defaults. */
export const silentLogger: Logger = pino({ enabled: false });
