/**
 * The run's state table and the pause gate. Every request is accepted in every state: a request that does
 * not apply (resume while running, pause after the end) changes nothing and returns false.
 *
 * | from \ request | run()    | pause()  | resume() | stop()             | end / error        |
 * |----------------|----------|----------|----------|--------------------|--------------------|
 * | created        | running  | (queued) | (queued) | stopped            | —                  |
 * | running        | error    | paused   | —        | stopping → stopped | stopping / failed  |
 * | paused         | error    | —        | running  | stopping → stopped | stopping / failed  |
 * | stopping       | error    | —        | —        | (waits)            | stopped / failed   |
 * | stopped/failed | error    | —        | —        | (returns report)   | —                  |
 */
import type { PipelineEvent, PipelineState } from './types.ts';

const ALLOWED: Readonly<Record<PipelineState, readonly PipelineState[]>> = {
  created: ['running', 'paused', 'stopped', 'failed'],
  running: ['paused', 'stopping', 'failed'],
  paused: ['running', 'stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

/** Tracks the state, emits `state` events and lets the loops wait while paused. */
export class RunState {
  #state: PipelineState = 'created';
  #startPaused = false;
  #resumeWaiters: (() => void)[] = [];
  #change = changeSignal();
  #pausedAtMs: number | null = null;
  readonly #emit: (event: PipelineEvent) => void;

  constructor(emit: (event: PipelineEvent) => void) {
    this.#emit = emit;
  }

  get current(): PipelineState {
    return this.#state;
  }

  /** True once the run is stopping or over: loops should wind down. */
  get ending(): boolean {
    return this.#state === 'stopping' || this.#state === 'stopped' || this.#state === 'failed';
  }

  get paused(): boolean {
    return this.#state === 'paused';
  }

  /** Moves to `next` if the table allows it; returns whether it moved. */
  to(next: PipelineState): boolean {
    const previous = this.#state;
    if (previous === next || !ALLOWED[previous].includes(next)) return false;
    this.#state = next;
    this.#pausedAtMs = next === 'paused' ? Date.now() : null;
    this.#emit({ type: 'state', state: next, previous });
    if (previous === 'paused') this.#wake();
    this.#change.resolve();
    this.#change = changeSignal();
    return true;
  }

  /** `run()` was called: enter running (or paused, when `pause()` came first). */
  start(): void {
    this.to('running');
    if (this.#startPaused) this.to('paused');
  }

  pause(): boolean {
    if (this.#state === 'created') {
      const changed = !this.#startPaused;
      this.#startPaused = true;
      return changed;
    }
    return this.to('paused');
  }

  resume(): boolean {
    if (this.#state === 'created') {
      const changed = this.#startPaused;
      this.#startPaused = false;
      return changed;
    }
    return this.#state === 'paused' ? this.to('running') : false;
  }

  /** When the current pause began (ms since the epoch), or null when not paused. */
  get pausedAtMs(): number | null {
    return this.#pausedAtMs;
  }

  /** Resolves at the next state change. */
  changed(): Promise<void> {
    return this.#change.promise;
  }

  /** Resolves when the run is not paused (at once if it is not), or when it starts ending. */
  whileNotPaused(): Promise<void> {
    if (this.#state !== 'paused') return Promise.resolve();
    return new Promise((resolve) => this.#resumeWaiters.push(resolve));
  }

  #wake(): void {
    for (const wake of this.#resumeWaiters.splice(0)) wake();
  }
}

/** A promise and the function that resolves it. */
function changeSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
