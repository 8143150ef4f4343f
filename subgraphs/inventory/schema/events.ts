// Turns event-bus topics into the async iterators GraphQL subscriptions consume. Ending the iterator (client
// gone) unsubscribes from the bus, so no listener outlives its subscription.
import type { EventBus } from '../../../platform/events/index.js';

/** Subscribes to `topic`; `accept` maps each bus payload to the items to deliver (none, one or many). */
export function busIterator<P, T>(bus: EventBus, topic: string, accept: (payload: P) => T[]): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const unsubscribe = bus.subscribe<P>(topic, (payload) => {
    queue.push(...accept(payload));
    wake?.();
  });
  const finish = async (): Promise<IteratorResult<T>> => {
    done = true;
    wake?.();
    await (await unsubscribe)();
    return { value: undefined, done: true };
  };
  return {
    async next(): Promise<IteratorResult<T>> {
      await unsubscribe;
      while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      if (done) return { value: undefined, done: true };
      return { value: queue.shift()!, done: false };
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
