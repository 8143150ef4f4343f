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

/** `source`: the source's label as report lines show it (sourceLabel). */
export function progressDisplay(out: Output, source: string, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (out.json) return { update: () => {}, stop: () => {} };
  const tty = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let phase: RunProgressEvent['phase'] | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(e) {
      if (e.phase === 'finished') return stop();
      const total = Math.max(e.total, e.done);
      if (e.phase !== phase) {
        stop();
        phase = e.phase;
        const label = PHASES[e.phase](source);
        bar = new cliProgress.SingleBar({
          stream, noTTYOutput: true, notTTYSchedule: LINE_EVERY_MS, hideCursor: tty, clearOnComplete: !tty, etaBuffer: 50,
          format: tty
            ? `${label.padEnd(16)} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {duration_formatted}`
            : `[PROGRESS] ${label}: {value}/{total} ({percentage}%), ETA {eta_formatted}, elapsed {duration_formatted}`,
        });
        bar.start(total, e.done);
        return;
      }
      if (bar && total !== bar.getTotal()) bar.setTotal(total);
      bar?.update(e.done);
    },
    stop,
  };
}
