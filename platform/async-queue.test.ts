import { describe, expect, it } from '@jest/globals';
import { AsyncQueue } from './async-queue.js';

describe('AsyncQueue', () => {
  it('hands items over in order, waking a consumer that waits', async () => {
    const q = new AsyncQueue<number>();
    const first = q.take();
    q.push(1, 2);
    q.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await q.take()).toEqual({ value: 2, done: false });
    expect(await q.take()).toEqual({ value: 3, done: false });
  });

  it('ends: a waiting consumer returns done; queued items are taken first; later pushes are ignored', async () => {
    const q = new AsyncQueue<string>();
    const waiting = q.take();
    q.end();
    expect(await waiting).toEqual({ value: undefined, done: true });

    const r = new AsyncQueue<string>();
    r.push('a');
    r.end();
    r.push('b');
    expect(r.isEnded).toBe(true);
    expect(await r.take()).toEqual({ value: 'a', done: false });
    expect(await r.take()).toEqual({ value: undefined, done: true });
  });
});
