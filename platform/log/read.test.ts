// Reading the log back: the real logger writes, the reader filters, formats in the configured timezone, and
// follows the file across a rotation without losing a line.
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createLogger } from './index.js';
import { follow, formatEntry, LEVELS, liveLogFiles, readLast, type LogEntry } from './read.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsunagi-logread-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function write(file: string, lines: (logger: ReturnType<typeof createLogger>) => void) {
  const logger = createLogger({ dir, file, quiet: true, timezone: 'Asia/Tokyo', level: 'debug' });
  lines(logger);
  await closeLogger(logger);
}

it('reads every live file merged by time, filters by run, system and level, and shows times in the zone', async () => {
  await write('inventory_sync.log', (l) => {
    l.info({ runId: 7, source: 'amazon' }, 'run started');
    l.debug({ outcome: { system: 'yahoo', operation: 'setStock', status: 200, ok: true } }, 'external call');
    l.warn({ runId: 7, system: 'yahoo', err: { message: 'seller is suspended' } }, 'item failed');
    l.info({ runId: 8 }, 'run started');
  });
  await write('worker.log', (l) => l.error({ system: 'yahoo', alert: { runId: 7 } }, '[ALERT] run #7 PARTIAL'));
  expect(liveLogFiles(dir).map((f) => f.slice(dir.length + 1))).toEqual(['inventory_sync.log', 'worker.log']);

  const all = await readLast(liveLogFiles(dir), {}, 100);
  expect(all.map((e) => e.msg)).toEqual(['run started', 'external call', 'item failed', 'run started', '[ALERT] run #7 PARTIAL']);
  expect((await readLast(liveLogFiles(dir), { runId: 7 }, 100)).map((e) => e.msg)).toEqual(['run started', 'item failed', '[ALERT] run #7 PARTIAL']);
  expect((await readLast(liveLogFiles(dir), { system: 'yahoo' }, 100)).map((e) => e.msg)).toEqual(['external call', 'item failed', '[ALERT] run #7 PARTIAL']);
  expect((await readLast(liveLogFiles(dir), { minLevel: LEVELS.warn }, 100)).map((e) => e.msg)).toEqual(['item failed', '[ALERT] run #7 PARTIAL']);
  expect((await readLast(liveLogFiles(dir), {}, 2)).map((e) => e.msg)).toEqual(['run started', '[ALERT] run #7 PARTIAL']);

  const failed = all[2]!;
  expect(formatEntry(failed, 'Asia/Tokyo')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00 WARN  item failed {2}runId=7 system=yahoo error="seller is suspended"$/);
  expect(formatEntry(all[1]!, 'UTC')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00 DEBUG external call {2}call=yahoo setStock 200$/);
});

it('follows the files as they grow, across a rotation, without losing or repeating a line', async () => {
  await write('inventory_sync.log', (l) => l.info('before following'));
  const seen: LogEntry[] = [];
  const stop = new AbortController();
  const following = follow(dir, {}, (e) => seen.push(e), stop.signal, 50);
  await new Promise((r) => setTimeout(r, 120));
  await write('inventory_sync.log', (l) => l.info('one'));
  // A rotation as platform/log does it: the live file is renamed and a new one takes its name.
  await write('inventory_sync.log', (l) => l.info('two, just before the rotation'));
  renameSync(join(dir, 'inventory_sync.log'), join(dir, 'inventory_sync.2026-11-27.1.log'));
  await write('inventory_sync.log', (l) => l.info('three, in the new file'));
  await write('gateway.log', (l) => l.warn('four, in a new process log'));
  await new Promise((r) => setTimeout(r, 300));
  stop.abort();
  await following;
  expect(seen.map((e) => e.msg)).toEqual(['one', 'two, just before the rotation', 'three, in the new file', 'four, in a new process log']);
});
