// The one hand-over between a producer that pushes when it likes and a consumer that awaits the next item (event
// streams fanned out to subscribers, bus subscriptions turned into async iterators).

export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;

  /** Queues items for the consumer; ignored once the queue has ended. */
  push(...items: T[]): void {
    if (this.ended) return;
    this.items.push(...items);
    this.wake();
  }

  /** No more items will come: a waiting take() returns; items already queued can still be taken. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The next item, waiting for one to be pushed; done once the queue has ended and is empty. */
  async take(): Promise<IteratorResult<T, undefined>> {
    while (this.items.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.waiting = resolve));
    return this.items.length ? { value: this.items.shift()!, done: false } : { value: undefined, done: true };
  }

  private wake(): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.();
  }
}
