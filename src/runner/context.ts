/**
 * What the offline and realtime loops share: the frame store, the algorithms, the collector, the hook and
 * recording stage, and the counters that become the report.
 */
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { Frame } from '../core/types.ts';
import type { AsyncRecorder } from '../decode/async-recorder.ts';
import { DROP_CAUSES, type Drop, type DropCause, LatencyHistogram } from '../schedule/index.ts';
import type { Runnable } from './algorithms.ts';
import type { ResultCollector } from './results.ts';
import type { RunState } from './state.ts';
import type { AlgorithmReport, FrameHook, PipelineEvent, PipelineMode, PipelineReport, Position } from './types.ts';

/** The last `capacity` played frames by index: the frame buffer the windows are taken from. */
export class FrameStore {
  readonly #frames = new Map<number, Frame>();
  readonly #capacity: number;
  peak = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  push(frame: Frame): void {
    this.#frames.set(frame.index, frame);
    while (this.#frames.size > this.#capacity) {
      const oldest = this.#frames.keys().next().value as number;
      this.#frames.delete(oldest);
    }
    this.peak = Math.max(this.peak, this.#frames.size);
  }

  /** The frames of a window; the schedule guarantees they are still buffered. */
  window(indices: readonly number[]): Frame[] {
    return indices.map((index) => {
      const frame = this.#frames.get(index);
      if (!frame) throw new FramepipeError('ERR_INTERNAL', `frame ${index} of a due window is no longer buffered`);
      return frame;
    });
  }

  clear(): void {
    this.#frames.clear();
  }
}

/** Per-algorithm counters kept by the runner (the schedule keeps fired/dropped). */
interface Counters {
  completed: number;
  errors: number;
  dropped: Record<DropCause, number>;
  latency: LatencyHistogram;
}

/** Shared state of one run. */
export class RunContext {
  readonly mode: PipelineMode;
  readonly state: RunState;
  readonly algorithms: readonly Runnable[];
  readonly collector: ResultCollector;
  readonly store: FrameStore;
  readonly emit: (event: PipelineEvent) => void;
  readonly hook: FrameHook | undefined;
  readonly recorder: AsyncRecorder | null;
  readonly reportErrors: boolean;
  /** Aborted when the run stops: passed to algorithms and models. */
  readonly abort = new AbortController();
  readonly counters = new Map<string, Counters>();
  readonly latency = new LatencyHistogram();
  framesDecoded = 0;
  framesPlayed = 0;
  framesLate = 0;
  skipped = { targetFps: 0, beforeStart: 0, paused: 0, late: 0 };
  /** The first error that ends the run. */
  failure: FramepipeError | null = null;

  constructor(init: {
    mode: PipelineMode;
    state: RunState;
    algorithms: readonly Runnable[];
    collector: ResultCollector;
    store: FrameStore;
    emit: (event: PipelineEvent) => void;
    hook?: FrameHook;
    recorder: AsyncRecorder | null;
    reportErrors: boolean;
  }) {
    this.mode = init.mode;
    this.state = init.state;
    this.algorithms = init.algorithms;
    this.collector = init.collector;
    this.store = init.store;
    this.emit = init.emit;
    this.hook = init.hook;
    this.recorder = init.recorder;
    this.reportErrors = init.reportErrors;
    for (const alg of init.algorithms) {
      const dropped = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
      this.counters.set(alg.name, { completed: 0, errors: 0, dropped, latency: new LatencyHistogram() });
    }
  }

  /** Records drops decided by the schedule and emits them. */
  dropped(drops: readonly Drop[]): void {
    for (const drop of drops) {
      const counters = this.counters.get(drop.algorithm);
      if (counters) counters.dropped[drop.cause] += drop.count;
      this.emit({ type: 'drop', algorithm: drop.algorithm, cause: drop.cause, count: drop.count, dueSeconds: drop.dueSeconds });
    }
  }

  /**
   * Runs one window and delivers its result. `latencyFrom` is the wall time (ms since the epoch) the
   * latency is measured from. Algorithm errors fail the run or are reported, per `onAlgorithmError`.
   */
  async runWindow(alg: Runnable, frames: Frame[], position: Position, latencyFrom: number): Promise<void> {
    const counters = this.counters.get(alg.name) as Counters;
    let result: unknown;
    try {
      result = await alg.call(frames, { name: alg.name, position, signal: this.abort.signal });
    } catch (err) {
      if (this.state.ending && this.abort.signal.aborted) return;
      const error = new FramepipeError('ERR_ALGORITHM', `algorithm '${alg.name}' failed on frame ${position.index} (${position.ptsSeconds.toFixed(3)} s): ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
        details: { algorithm: alg.name, position: { index: position.index, ptsSeconds: position.ptsSeconds } },
      });
      counters.errors += 1;
      if (!this.reportErrors) throw error;
      this.emit({ type: 'algorithm-error', algorithm: alg.name, position, error });
      return;
    }
    await this.collector.deliver(alg.name, position, result);
    const latencyMs = Date.now() - latencyFrom;
    counters.completed += 1;
    counters.latency.record(latencyMs);
    this.latency.record(latencyMs);
    this.emit({ type: 'result', algorithm: alg.name, position, latencyMs });
  }

  /**
   * The played frame's last stage: the hook draws on its own copy, then the copy is recorded. Offline the
   * recorder applies back-pressure; realtime a full encoder queue drops the frame (counted by the recorder).
   */
  async present(frame: Frame): Promise<void> {
    this.emit({ type: 'frame', index: frame.index, ptsSeconds: frame.ptsSeconds });
    if (!this.hook && !this.recorder) return;
    const copy: Frame = { ...frame, data: frame.data.slice() };
    if (this.hook) await this.hook(copy, { latest: this.collector.latest, mode: this.mode });
    if (!this.recorder) return;
    const out = { data: copy.data, ptsSeconds: copy.ptsSeconds };
    if (this.mode === 'offline') await this.recorder.write(out);
    else this.recorder.offer(out);
  }

  /** Records the first error (later ones are secondary) and tells everything running to stop. */
  fail(err: unknown): void {
    this.failure ??= toFramepipeError(err);
    this.abort.abort();
  }

  algorithmReports(fired: (name: string) => number): Record<string, AlgorithmReport> {
    const out: Record<string, AlgorithmReport> = {};
    for (const [name, c] of this.counters) {
      out[name] = { fired: fired(name), completed: c.completed, errors: c.errors, dropped: { ...c.dropped }, latency: c.latency.summary() };
    }
    return out;
  }

  /** The report fields the context knows. */
  partialReport(): Pick<PipelineReport, 'mode' | 'framesDecoded' | 'framesPlayed' | 'framesSkipped' | 'framesLate' | 'latency' | 'peakBufferedFrames'> {
    return {
      mode: this.mode,
      framesDecoded: this.framesDecoded,
      framesPlayed: this.framesPlayed,
      framesSkipped: { ...this.skipped },
      framesLate: this.framesLate,
      latency: this.latency.summary(),
      peakBufferedFrames: this.store.peak,
    };
  }
}
