// Reading the JSON log back for people (`tsunagi logs`): every live log file of the directory (inventory_sync.log,
// and each process's own in the distributed mode), filtered by run, system and level, merged by time, printed
// one readable line per entry in the configured timezone; or followed as it grows, across rotations. A run's
// entries are those naming it and those sharing its correlation id (platform/log/correlation.ts): the calls it made.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatTime } from '../time.js';

export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;
const NAMES = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k.toUpperCase()]));

export interface LogEntry {
  time: Date;
  level: number;
  msg: string;
  fields: Record<string, unknown>;
}

export interface LogFilter {
  /** A run's entries: those naming it, and those of the work that started it (sharing its correlation id). */
  runId?: number;
  /** Correlation ids of the run's work, found by readLast and follow. */
  correlations?: Set<string>;
  /** A system (integration) name: the entry's system, connector or call outcome's system. */
  system?: string;
  minLevel?: number;
}

/** Fields every line has, or that say nothing to a reader. */
const NOISE = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);
/** Rotated files: name.<day>.<n>.log (platform/log). */
const ROTATED = /\.\d{4}-\d{2}-\d{2}\.\d+\.log$/;

/** The live log files of a directory (rotated ones left out), by name. */
export function liveLogFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.log') && !ROTATED.test(f)).sort().map((f) => join(dir, f));
}

export function parseLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const time = new Date(String(o.time));
    if (Number.isNaN(time.getTime()) || typeof o.level !== 'number') return undefined;
    return { time, level: o.level, msg: typeof o.msg === 'string' ? o.msg : '', fields: o };
  } catch {
    return undefined;
  }
}

const nested = (o: unknown, key: string) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined);

export function matches(e: LogEntry, f: LogFilter): boolean {
  if (f.minLevel !== undefined && e.level < f.minLevel) return false;
  const x = e.fields;
  if (f.runId !== undefined && !namesRun(e, f.runId) && !(typeof x.correlationId === 'string' && f.correlations?.has(x.correlationId))) return false;
  if (f.system !== undefined && ![x.system, x.connector, nested(x.outcome, 'system')].includes(f.system)) return false;
  return true;
}

const namesRun = (e: LogEntry, runId: number) => [e.fields.runId, nested(e.fields.alert, 'runId'), nested(e.fields.report, 'runId')].includes(runId);

/** The correlation ids of the entries naming the run: its work's lines before the run began carry them too. */
async function correlationsOf(files: string[], runId: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const file of files) {
    for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      const e = parseLine(line);
      if (e && namesRun(e, runId) && typeof e.fields.correlationId === 'string') ids.add(e.fields.correlationId);
    }
  }
  return ids;
}

/** "2026-11-27 17:46:03 +09:00 WARN  message  runId=12 system=yahoo": scalar fields after the message, an error's text last. */
export function formatEntry(e: LogEntry, timezone: string): string {
  const extras = Object.entries(e.fields)
    .filter(([k, v]) => !NOISE.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
    .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`);
  const outcome = e.fields.outcome as Record<string, unknown> | undefined;
  if (outcome && typeof outcome === 'object') extras.push(`call=${outcome.system} ${outcome.operation} ${outcome.status ?? '-'}${outcome.ok === false ? ' FAILED' : ''}`);
  const err = nested(e.fields.err, 'message');
  if (typeof err === 'string') extras.push(`error=${JSON.stringify(err)}`);
  const level = (NAMES[e.level] ?? String(e.level)).padEnd(5);
  return `${formatTime(e.time, timezone)} ${level} ${e.msg}${extras.length ? `  ${extras.join(' ')}` : ''}`;
}

/** The last `limit` matching entries of the files, oldest first; each file is streamed, only `limit` are held. */
export async function readLast(files: string[], filter: LogFilter, limit: number): Promise<LogEntry[]> {
  if (filter.runId !== undefined) filter = { ...filter, correlations: await correlationsOf(files, filter.runId) };
  const kept: LogEntry[] = [];
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    const mine: LogEntry[] = [];
    for await (const line of lines) {
      const e = parseLine(line);
      if (!e || !matches(e, filter)) continue;
      mine.push(e);
      if (mine.length > limit) mine.shift();
    }
    kept.push(...mine);
  }
  return kept.sort((a, b) => a.time.getTime() - b.time.getTime()).slice(-limit);
}

/** An open log file being followed: the handle stays on the file it opened, so a rotation loses no line. */
interface Followed {
  handle: FileHandle;
  ino: number;
  offset: number;
  partial: string;
}

/**
 * Calls `onEntry` with each matching entry written from now on, polling every `everyMs`. When a file is rotated
 * (renamed, a new one in its place), the old one is read to its end before the new one from its start; new files
 * are picked up. Resolves when `signal` aborts.
 */
export async function follow(dir: string, filter: LogFilter, onEntry: (e: LogEntry) => void, signal: AbortSignal, everyMs = 500): Promise<void> {
  const correlations = new Set(filter.correlations);
  filter = { ...filter, correlations };
  const followed = new Map<string, Followed>();
  const openAt = async (path: string, atEnd: boolean): Promise<Followed> => {
    const handle = await open(path, 'r');
    const s = await handle.stat();
    return { handle, ino: s.ino, offset: atEnd ? s.size : 0, partial: '' };
  };
  // One poll's entries, from every file, are passed on in time order.
  let batch: LogEntry[] = [];
  const drain = async (f: Followed) => {
    const { size } = await f.handle.stat();
    if (size < f.offset) f.offset = 0;
    if (size === f.offset) return;
    const buffer = Buffer.alloc(size - f.offset);
    await f.handle.read(buffer, 0, buffer.length, f.offset);
    f.offset = size;
    const lines = (f.partial + buffer.toString('utf8')).split('\n');
    f.partial = lines.pop()!;
    for (const line of lines) {
      const e = parseLine(line);
      // A run's work learnt as it is written: its later lines are followed, whatever they name.
      if (e && filter.runId !== undefined && namesRun(e, filter.runId) && typeof e.fields.correlationId === 'string') correlations.add(e.fields.correlationId);
      if (e && matches(e, filter)) batch.push(e);
    }
  };
  try {
    for (const path of liveLogFiles(dir)) followed.set(path, await openAt(path, true));
    while (!signal.aborted) {
      for (const path of liveLogFiles(dir)) {
        let f = followed.get(path);
        if (!f) {
          // A file that appeared since: all of it is new.
          followed.set(path, (f = await openAt(path, false)));
        } else if (existsSync(path) && statSync(path).ino !== f.ino) {
          await drain(f);
          await f.handle.close();
          followed.set(path, (f = await openAt(path, false)));
        }
        await drain(f);
      }
      for (const e of batch.sort((a, b) => a.time.getTime() - b.time.getTime())) onEntry(e);
      batch = [];
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    for (const f of followed.values()) await f.handle.close().catch(() => {});
  }
}
