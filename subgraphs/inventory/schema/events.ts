// Turns event-bus topics into the async iterators GraphQL subscriptions consume. Ending the iterator (client
// gone) unsubscribes from the bus, so no listener outlives its subscription.
import { AsyncQueue } from '../../../platform/async-queue.js';
import type { EventBus, EventMeta } from '../../../platform/events/index.js';

export interface BusIterator<T> extends AsyncIterableIterator<T> {
  /** Resolves once the bus delivers to this iterator: read any state to catch up on after it. */
  ready: Promise<void>;
  /** Delivers items that did not come through the bus (state read from the database). */
  push(...items: T[]): void;
}

export interface BusIteratorOptions<T> {
  /** The stream completes after delivering an item for which this is true. */
  last?: (item: T) => boolean;
  /** Runs once when the stream ends, however it ends. */
  onEnd?: () => void;
  /** Resume: first the bus's events after this id, then the live ones. */
  after?: number;
}

/** Subscribes to `topic`; `accept` maps each bus payload to the items to deliver (none, one or many). */
export function busIterator<P, T>(
  bus: EventBus, topic: string, accept: (payload: P, meta: EventMeta) => T[], opts: BusIteratorOptions<T> = {},
): BusIterator<T> {
  const queue = new AsyncQueue<T>();
  let done = false;
  const push = (...items: T[]) => queue.push(...items);
  const unsubscribe = bus.subscribe<P>(topic, (payload, meta) => push(...accept(payload, meta)), { after: opts.after });
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) opts.onEnd?.();
    done = true;
    queue.end();
    await (await unsubscribe)();
    return { value: undefined, done: true };
  };
  return {
    ready: unsubscribe.then(() => undefined),
    push,
    async next(): Promise<IteratorResult<T>> {
      await unsubscribe;
      const next = await queue.take();
      if (done || next.done) return { value: undefined, done: true };
      const item = next.value;
      if (opts.last?.(item)) await finish();
      return { value: item, done: false };
    },
    return: finish,
    throw: async (err) => {
      await finish();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
