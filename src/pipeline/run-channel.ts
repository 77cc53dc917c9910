/**
 * One run's message channel with the decode worker: turns worker messages into an async iterable of
 * chunks, grants credits as the consumer pulls (so a slow consumer slows the decoder), and cancels cleanly.
 */
import type { Worker } from 'node:worker_threads';
import { abortError, FramepipeError } from '../core/errors.ts';
import type { DecodeStats, FrameMeta, SamplingManifest } from '../core/types.ts';
import type { VideoWarning } from './options.ts';
import { CONTROL, type ToMain } from './worker-protocol.ts';

/** Chunks allowed in flight between the worker and the consumer. */
const CREDITS = 2;
/** How long a cancelled worker may take to return to idle before it is terminated. */
const CANCEL_GRACE_MS = 5000;

/** Frames of one worker message. */
export interface Chunk {
  metas: FrameMeta[];
  data: Uint8Array | Float32Array;
}

type Waiter = (message: ToMain | null) => void;

export class RunChannel {
  /** Shared counters: credits granted, cancel flag. */
  readonly control = new SharedArrayBuffer(8);
  readonly #slots = new Int32Array(this.control);
  readonly #worker: Worker;
  readonly #signal: AbortSignal | undefined;
  readonly #onWarning: (w: VideoWarning) => void;
  readonly #queue: ToMain[] = [];
  #waiter: Waiter | null = null;
  #exitError: FramepipeError | null = null;
  manifest: SamplingManifest | null = null;
  stats: DecodeStats | null = null;
  error: FramepipeError | null = null;
  ended = false;
  /** Frames the worker sent that the consumer never received (a cancelled run). */
  readonly discarded: FrameMeta[] = [];

  constructor(worker: Worker, signal: AbortSignal | undefined, onWarning: (w: VideoWarning) => void) {
    this.#worker = worker;
    this.#signal = signal;
    this.#onWarning = onWarning;
    Atomics.store(this.#slots, CONTROL.CREDITS, CREDITS);
    worker.on('message', this.#onMessage);
    worker.on('error', this.#onExit);
    worker.on('exit', this.#onExit);
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Yields chunks until the run ends; throws on abort. Sets `manifest`, `stats`, `error` at the end. */
  async *chunks(): AsyncGenerator<Chunk, void, undefined> {
    try {
      for (;;) {
        const message = await this.#next();
        if (message.type === 'chunk') {
          const data = message.dtype === 'float32' ? new Float32Array(message.data) : new Uint8Array(message.data);
          yield { metas: message.metas, data };
          this.#grant();
        } else if (message.type === 'warning') {
          this.#onWarning({ code: message.code, message: message.message, details: message.details });
        } else if (message.type === 'end') {
          this.#finish(message);
          return;
        } else if (message.type === 'error') {
          this.ended = true;
          this.error = FramepipeError.fromJSON(message.error);
          return;
        }
      }
    } finally {
      if (this.ended) this.#detach();
    }
  }

  /** Asks the worker to stop and waits until it is idle. Returns false when it had to be abandoned. */
  async cancel(): Promise<boolean> {
    Atomics.store(this.#slots, CONTROL.CANCEL, 1);
    Atomics.notify(this.#slots, CONTROL.CREDITS);
    Atomics.notify(this.#slots, CONTROL.CANCEL);
    const deadline = Date.now() + CANCEL_GRACE_MS;
    try {
      for (const message of this.#queue.splice(0)) this.#settle(message);
      while (!this.ended && Date.now() < deadline) {
        const message = await this.#next(deadline - Date.now(), true);
        if (message) this.#settle(message);
        if (message?.type === 'error' || message === null) break;
      }
      return this.ended;
    } finally {
      this.#detach();
    }
  }

  /** Ends the run from outside (the video was closed): pending and later reads fail with `error`. */
  fail(error: FramepipeError): void {
    this.#exitError ??= error;
    Atomics.store(this.#slots, CONTROL.CANCEL, 1);
    Atomics.notify(this.#slots, CONTROL.CREDITS);
    Atomics.notify(this.#slots, CONTROL.CANCEL);
    this.#wake(null);
  }

  #settle(message: ToMain): void {
    if (message.type === 'chunk') this.discarded.push(...message.metas);
    else if (message.type === 'end') this.#finish(message);
  }

  #finish(message: Extract<ToMain, { type: 'end' }>): void {
    this.ended = true;
    this.manifest = message.manifest;
    this.stats = message.stats;
    this.error = message.error ? FramepipeError.fromJSON(message.error) : null;
  }

  #grant(): void {
    Atomics.add(this.#slots, CONTROL.CREDITS, 1);
    Atomics.notify(this.#slots, CONTROL.CREDITS);
  }

  #next(timeoutMs?: number, ignoreAbort = false): Promise<ToMain> {
    // A stopped run hands out nothing more, even frames that already arrived.
    if (this.#exitError) return Promise.reject(this.#exitError);
    if (!ignoreAbort && this.#signal?.aborted) return Promise.reject(abortError(this.#signal));
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? null : setTimeout(() => this.#wake(null), timeoutMs);
      this.#waiter = (message) => {
        if (timer) clearTimeout(timer);
        if (message) resolve(message);
        else if (this.#exitError) reject(this.#exitError);
        else if (!ignoreAbort && this.#signal?.aborted) reject(abortError(this.#signal));
        else resolve(null as unknown as ToMain);
      };
    });
  }

  #wake(message: ToMain | null): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(message);
  }

  #onMessage = (message: ToMain): void => {
    if (this.#waiter) this.#wake(message);
    else this.#queue.push(message);
  };

  #onExit = (err?: unknown): void => {
    this.#exitError ??= new FramepipeError('ERR_INTERNAL', `The decode worker stopped unexpectedly${err instanceof Error ? `: ${err.message}` : ''}.`, { cause: err });
    this.#wake(null);
  };

  #onAbort = (): void => {
    this.#wake(null);
  };

  #detach(): void {
    this.#worker.off('message', this.#onMessage);
    this.#worker.off('error', this.#onExit);
    this.#worker.off('exit', this.#onExit);
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}
