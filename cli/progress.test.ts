// The run's progress on stderr when it is not a terminal: a run reads, compares and sends page by page, so its
// phases interleave; each phase keeps its own line and ends with its final count.
import { Writable } from 'node:stream';
import type { RunProgressEvent } from '../subgraphs/inventory/service.js';
import { createOutput } from './output.js';
import { progressDisplay } from './progress.js';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const event = (phase: RunProgressEvent['phase'], done: number, total: number): RunProgressEvent => ({ runId: 1, phase, done, total, status: 'RUNNING' });

describe('progressDisplay, not on a terminal', () => {
  it('keeps a line per phase while the phases interleave, each ending at its final count', () => {
    const { stream, text } = capture();
    const progress = progressDisplay(createOutput(false), 'Amazon', stream);
    progress.update(event('reading-source', 0, 3000));
    progress.update(event('reading-source', 2000, 3000));
    progress.update(event('reading-channels', 1000, 4000));
    progress.update(event('sending', 400, 1600));
    progress.update(event('reading-source', 3000, 3000));
    progress.update(event('reading-channels', 6000, 6000));
    progress.update(event('sending', 2400, 2400));
    progress.update({ ...event('finished', 2400, 2400), status: 'SUCCESS' });
    const lines = text().split('\n').filter(Boolean);
    expect(lines.every((l) => l.startsWith('[PROGRESS] '))).toBe(true);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[PROGRESS\] Reading Amazon: 3000\/3000 \(100%\)/),
      expect.stringMatching(/^\[PROGRESS\] Reading channels: 6000\/6000 \(100%\)/),
      expect.stringMatching(/^\[PROGRESS\] Sending: 2400\/2400 \(100%\)/),
    ]));
  });

  it('writes nothing with --json', () => {
    const { stream, text } = capture();
    const progress = progressDisplay(createOutput(true), 'Amazon', stream);
    progress.update(event('reading-source', 10, 10));
    progress.stop();
    expect(text()).toBe('');
  });
});
