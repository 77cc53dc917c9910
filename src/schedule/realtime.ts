/**
 * The realtime drop policy: playback never waits for inference. Frames enter a bounded ring (drop-oldest);
 * an algorithm that is due and free gets the latest window; one that is still busy keeps at most one
 * pending due time, and everything it cannot catch up with is dropped with a cause. Wall times are passed
 * in by the caller: there is no clock in here, so a simulated run is exact and repeatable.
 */
import { FramepipeError } from '../core/errors.ts';
import { DueTimer, FrameRing, SCHEDULE_TOLERANCE_SECONDS, windowSeqs } from './clock.ts';
import { LatencyHistogram } from './latency.ts';
import type { LatencySummary } from './latency.ts';
import { checkFrame, emptyAlgorithmStats } from './offline.ts';
import type { AlgorithmStats, Drop, Due, Registration, ScheduleFrame, ScheduleOptions } from './types.ts';
import { validateSchedule } from './validate.ts';

/** What one frame arrival decided. */
export interface RealtimeDecisions {
  /** Windows to start now, in registration order; each algorithm must later report `complete`. */
  dispatch: Due[];
  /** Drops decided at this arrival, each with its cause. */
  dropped: Drop[];
}

/** Counters for one algorithm in realtime mode. */
export interface RealtimeAlgorithmStats extends AlgorithmStats {
  /** Windows reported complete. */
  completed: number;
  /** True while a dispatched window has not been reported complete. */
  busy: boolean;
  /** Frame-to-result latency: result wall time − arrival wall time of the window's newest frame. */
  latency: LatencySummary;
}

/** Counters for one realtime run. */
export interface RealtimeStats {
  /** Frames at or after the start that entered the buffer. */
  framesConsidered: number;
  /** Frames before `startSeconds`, ignored. */
  framesBeforeStart: number;
  /** Per algorithm, in registration order. */
  algorithms: Record<string, RealtimeAlgorithmStats>;
  /** Frame-to-result latency over all algorithms. */
  latency: LatencySummary;
}

/** A pure realtime scheduler; see {@link createRealtimePolicy}. */
export interface RealtimePolicy {
  /** The validated registrations, in registration order. */
  readonly registrations: readonly Registration[];
  /** A frame arrived at wall time `arrivalMs` (ms, any monotonic origin): buffer it and decide. */
  onFrame(frame: ScheduleFrame, arrivalMs: number): RealtimeDecisions;
  /** `algorithm` finished its window at wall time `resultMs`: it is free again and its latency is recorded. */
  complete(algorithm: string, resultMs: number): void;
  /** Counters so far. */
  stats(): RealtimeStats;
  /** Ends the run: pending due times are dropped with their blocker; returns those drops and the counters. */
  finish(): { dropped: Drop[]; stats: RealtimeStats };
}

/**
 * Builds the realtime policy. Same registrations and errors as `createSchedule`.
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` at registration (bad field, duplicate, buffer too small).
 * @example
 * ```ts
 * const policy = createRealtimePolicy([{ name: 'det', frameCount: 1, frameStep: 1, intervalSeconds: 0.04 }],
 *   { bufferFrames: 4 });
 * policy.onFrame({ index: 0, ptsSeconds: 0 }, 1000).dispatch;   // [{ algorithm: 'det', frames: [0], … }]
 * policy.onFrame({ index: 1, ptsSeconds: 0.04 }, 1040).dispatch; // [] ('det' is busy: due time pending)
 * policy.complete('det', 1070);                                  // latency 70 ms recorded
 * ```
 */
export function createRealtimePolicy(registrations: readonly Registration[], options: ScheduleOptions): RealtimePolicy {
  const valid = validateSchedule(registrations, options);
  return new Realtime(valid.registrations, valid.options);
}

interface Buffered {
  frame: ScheduleFrame;
  arrivalMs: number;
}

interface AlgorithmState {
  timer: DueTimer;
  stats: RealtimeAlgorithmStats;
  latency: LatencyHistogram;
  /** Sequence numbers of the window being processed, and the newest frame's arrival; null when free. */
  running: { seqs: ReadonlySet<number>; arrivalMs: number } | null;
}

class Realtime implements RealtimePolicy {
  readonly registrations: readonly Registration[];
  readonly #start: number | null;
  readonly #ring: FrameRing<Buffered>;
  readonly #states: Map<string, AlgorithmState>;
  readonly #latency = new LatencyHistogram();
  #framesConsidered = 0;
  #framesBeforeStart = 0;

  constructor(registrations: readonly Registration[], options: ScheduleOptions) {
    this.registrations = registrations;
    this.#start = options.startSeconds ?? null;
    this.#ring = new FrameRing(options.bufferFrames);
    this.#states = new Map(registrations.map((reg) => [reg.name, {
      timer: new DueTimer(reg, this.#start),
      stats: { ...emptyAlgorithmStats(), completed: 0, busy: false, latency: new LatencyHistogram().summary() },
      latency: new LatencyHistogram(),
      running: null,
    }]));
  }

  onFrame(frame: ScheduleFrame, arrivalMs: number): RealtimeDecisions {
    checkFrame(frame);
    checkWallTime('arrivalMs', arrivalMs);
    const decisions: RealtimeDecisions = { dispatch: [], dropped: [] };
    if (this.#start !== null && frame.ptsSeconds < this.#start - SCHEDULE_TOLERANCE_SECONDS) {
      this.#framesBeforeStart += 1;
      return decisions;
    }
    const position = { index: frame.index, ptsSeconds: frame.ptsSeconds };
    const seq = this.#ring.nextSeq;
    const evicted = this.#ring.push({ frame: position, arrivalMs });
    this.#framesConsidered += 1;
    for (const state of this.#states.values()) {
      const record = (drop: Omit<Drop, 'algorithm' | 'position'>) => this.#record(state, decisions, { ...drop, position });
      if (evicted !== null && state.running?.seqs.has(evicted.seq)) {
        record({ cause: 'buffer-overflow', count: 1, dueSeconds: null });
      }
      // The frame that made a pending due time due has left the buffer: it waited too long.
      const pending = state.timer.pending;
      const stale = pending !== null && pending.seq < this.#ring.oldestSeq ? state.timer.dropPending('evicted') : null;
      if (stale !== null) record(stale);
      const due = this.#decide(state, seq, frame.ptsSeconds, record);
      if (due !== null) decisions.dispatch.push(due);
    }
    return decisions;
  }

  complete(algorithm: string, resultMs: number): void {
    checkWallTime('resultMs', resultMs);
    const state = this.#states.get(algorithm);
    if (state === undefined) {
      throw new FramepipeError('ERR_INVALID_OPTIONS',
        `complete('${algorithm}'): no algorithm of that name is registered; registered: ${[...this.#states.keys()].join(', ')}`,
        { details: { option: 'algorithm', value: algorithm } });
    }
    if (state.running === null) {
      throw new FramepipeError('ERR_INTERNAL', `complete('${algorithm}') was called but no window of it is running`);
    }
    state.latency.record(resultMs - state.running.arrivalMs);
    this.#latency.record(resultMs - state.running.arrivalMs);
    state.running = null;
    state.stats.completed += 1;
  }

  stats(): RealtimeStats {
    const algorithms: Record<string, RealtimeAlgorithmStats> = {};
    for (const [name, state] of this.#states) {
      algorithms[name] = { ...structuredClone(state.stats), busy: state.running !== null, latency: state.latency.summary() };
    }
    return {
      framesConsidered: this.#framesConsidered,
      framesBeforeStart: this.#framesBeforeStart,
      algorithms,
      latency: this.#latency.summary(),
    };
  }

  finish(): { dropped: Drop[]; stats: RealtimeStats } {
    const decisions: RealtimeDecisions = { dispatch: [], dropped: [] };
    for (const state of this.#states.values()) {
      const drop = state.timer.dropPending();
      if (drop !== null) this.#record(state, decisions, { ...drop, position: null });
    }
    return { dropped: decisions.dropped, stats: this.stats() };
  }

  /** Advances one algorithm's grid to this frame; returns the window to dispatch, if it is due and free. */
  #decide(
    state: AlgorithmState,
    seq: number,
    ptsSeconds: number,
    record: (drop: Omit<Drop, 'algorithm' | 'position'>) => void,
  ): Due | null {
    const reg = state.timer.registration;
    const window = windowSeqs(reg, seq);
    const blocked = window === null ? 'warming-up' : state.running !== null ? 'busy' : null;
    const { fire, drops } = state.timer.advance(ptsSeconds, seq, blocked);
    for (const drop of drops) record(drop);
    if (fire === null || window === null) return null;
    const buffered = window.map((s) => this.#ring.at(s) as Buffered);
    const newest = buffered[buffered.length - 1] as Buffered;
    state.running = { seqs: new Set(window), arrivalMs: newest.arrivalMs };
    state.stats.fired += 1;
    return {
      algorithm: reg.name,
      dueSeconds: fire.dueSeconds,
      frames: buffered.map((b) => b.frame.index),
      position: newest.frame,
    };
  }

  #record(state: AlgorithmState, decisions: RealtimeDecisions, drop: Omit<Drop, 'algorithm'>): void {
    decisions.dropped.push({ algorithm: state.timer.registration.name, ...drop });
    state.stats.dropped[drop.cause] += drop.count;
  }
}

function checkWallTime(name: string, ms: number): void {
  if (!Number.isFinite(ms)) {
    throw new FramepipeError('ERR_INTERNAL', `${name} must be a finite wall time in ms, got ${String(ms)}`);
  }
}
