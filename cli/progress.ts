// Progress of a long run on stderr, one bar per phase: a redrawn bar with counts and ETA on a terminal, a
// plain line every few seconds otherwise (logs, CI, `2> file`), nothing with --json.
import cliProgress from 'cli-progress';
import type { RunProgressEvent } from '../subgraphs/inventory/service.js';
import type { Output } from './output.js';

/** Each phase's label; the source's says which source it reads ("Reading Amazon"). */
const PHASES: Record<Exclude<RunProgressEvent['phase'], 'finished'>, (source: string) => string> = {
  'reading-source': (source) => `Reading ${source}`,
  'reading-channels': () => 'Reading channels',
  sending: () => 'Sending',
};

/** How often a line is written when stderr is not a terminal. */
export const LINE_EVERY_MS = 5000;

export interface ProgressDisplay {
  update(event: RunProgressEvent): void;
  stop(): void;
}

/**
 * `source`: the source's label as report lines show it (sourceLabel). A run reads, compares and sends page by
 * page, so its phases go on side by side: one bar each, kept until the run ends.
 */
export function progressDisplay(out: Output, source: string, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (out.json) return { update: () => {}, stop: () => {} };
  const tty = stream.isTTY === true;
  const multi = tty
    ? new cliProgress.MultiBar({
      stream, hideCursor: true, clearOnComplete: false, etaBuffer: 50,
      format: '{label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {duration_formatted}',
    })
    : undefined;
  const bars = new Map<RunProgressEvent['phase'], cliProgress.SingleBar>();
  const barFor = (phase: Exclude<RunProgressEvent['phase'], 'finished'>, total: number, done: number) => {
    let bar = bars.get(phase);
    if (bar) return bar;
    const label = PHASES[phase](source);
    if (multi) bar = multi.create(total, done, { label: label.padEnd(16) });
    else {
      // Not a terminal: each phase writes its own line every LINE_EVERY_MS, and its last when the run ends.
      bar = new cliProgress.SingleBar({
        stream, noTTYOutput: true, notTTYSchedule: LINE_EVERY_MS, etaBuffer: 50,
        format: `[PROGRESS] ${label}: {value}/{total} ({percentage}%), ETA {eta_formatted}, elapsed {duration_formatted}`,
      });
      bar.start(total, done);
    }
    bars.set(phase, bar);
    return bar;
  };
  const stop = () => {
    if (multi) multi.stop();
    else for (const bar of bars.values()) bar.stop();
    bars.clear();
  };
  return {
    update(e) {
      if (e.phase === 'finished') return stop();
      const total = Math.max(e.total, e.done);
      const bar = barFor(e.phase, total, e.done);
      if (total !== bar.getTotal()) bar.setTotal(total);
      bar.update(e.done);
    },
    stop,
  };
}
