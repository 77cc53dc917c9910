/**
 * A bounded queue between the decoders (producers, one per open source) and the model (consumer).
 * Producers wait when it is full, so a slow model slows decoding instead of growing memory; the consumer
 * takes up to a batch at a time, waiting at most `maxDelayMs` (null: until full or closed) for a batch to
 * fill once it has one frame.
 */

/** Why `take` returned fewer items than asked. */
export type TakeEnd = 'full' | 'timeout' | 'closed';

export class FrameQueue<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #closed = false;
  #failure: Error | null = null;
  #spaceWaiters: (() => void)[] = [];
  #dataWaiter: (() => void) | null = null;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Adds an item, waiting while the queue is full. Rejects once the queue failed. */
  async push(item: T): Promise<void> {
    while (this.#items.length >= this.#capacity && !this.#closed && !this.#failure) {
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
    }
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new Error('push after close');
    this.#items.push(item);
    this.#dataWaiter?.();
  }

  /**
   * Takes up to `max` items: returns as soon as `max` are there, or `maxDelayMs` after the first one
   * arrived, or when the queue is closed. An empty result means closed and drained.
   */
  async take(max: number, maxDelayMs: number | null | (() => number | null)): Promise<T[]> {
    const delayOf = typeof maxDelayMs === 'function' ? maxDelayMs : () => maxDelayMs;
    let deadline: number | null = null;
    for (;;) {
      if (this.#failure) throw this.#failure;
      if (this.#items.length >= max || this.#closed) return this.#splice(max);
      const delay = delayOf();
      if (this.#items.length > 0 && delay !== null) {
        deadline ??= Date.now() + delay;
        if (Date.now() >= deadline) return this.#splice(max);
      }
      await this.#waitForData(deadline === null ? null : deadline - Date.now());
    }
  }

  /** No more items will come; `take` drains what is left. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  /** Wakes every waiter with `error` (used on abort and on fatal model/sink errors). */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#wakeAll();
  }

  #splice(max: number): T[] {
    const out = this.#items.splice(0, max);
    const waiters = this.#spaceWaiters.splice(0, out.length);
    for (const w of waiters) w();
    return out;
  }

  #waitForData(timeoutMs: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        if (this.#dataWaiter === done) this.#dataWaiter = null;
        resolve();
      };
      if (timeoutMs !== null) timer = setTimeout(done, Math.max(0, timeoutMs));
      this.#dataWaiter = done;
    });
  }

  #wakeAll(): void {
    for (const w of this.#spaceWaiters.splice(0)) w();
    this.#dataWaiter?.();
  }
}
