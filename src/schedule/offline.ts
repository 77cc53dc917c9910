/**
 * The offline schedule: every frame is considered, in order, and each algorithm runs to completion before
 * the next frame, so only media time decides. Two runs over the same frames give identical decisions.
 */
import { FramepipeError } from '../core/errors.ts';
import { DueTimer, FrameRing, SCHEDULE_TOLERANCE_SECONDS, windowSeqs } from './clock.ts';
import { DROP_CAUSES } from './types.ts';
import type { AlgorithmStats, Drop, DropCause, Due, Registration, ScheduleFrame, ScheduleOptions, ScheduleStats } from './types.ts';
import { validateSchedule } from './validate.ts';

/** A stateful, pure policy deciding which algorithms run at which frame; see `docs/scheduling.md`. */
export interface Schedule {
  /** The validated registrations, in registration order. */
  readonly registrations: readonly Registration[];
  /** Considers the next frame (ascending pts) and returns the calls due at it, in registration order. */
  onFrame(frame: ScheduleFrame): Due[];
  /** Drops decided by the latest `onFrame` or `finish` call. */
  lastDrops(): readonly Drop[];
  /** Counters so far. */
  stats(): ScheduleStats;
  /** Ends the run: a due time still waiting for a full window is dropped as `warming-up`. */
  finish(): ScheduleStats;
}

/**
 * Builds the offline schedule. Registration errors (bad fields, duplicate names, a buffer too small for a
 * window) are thrown here, before any frame.
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` naming the algorithm, the field and the fix.
 * @example
 * ```ts
 * const schedule = createSchedule(
 *   [{ name: 'pose', frameCount: 2, frameStep: 1, intervalSeconds: 0.5 }], { bufferFrames: 8 });
 * schedule.onFrame({ index: 0, ptsSeconds: 0 });    // [] (warming up: one frame of two)
 * schedule.onFrame({ index: 1, ptsSeconds: 0.04 }); // [{ algorithm: 'pose', dueSeconds: 0, frames: [0, 1], … }]
 * ```
 */
export function createSchedule(registrations: readonly Registration[], options: ScheduleOptions): Schedule {
  const valid = validateSchedule(registrations, options);
  return new OfflineSchedule(valid.registrations, valid.options);
}

/** Zeroed counters for one algorithm. */
export function emptyAlgorithmStats(): AlgorithmStats {
  return { fired: 0, dropped: Object.fromEntries(DROP_CAUSES.map((cause) => [cause, 0])) as Record<DropCause, number> };
}

/** Throws ERR_INTERNAL unless the frame has an integer index and a finite pts (a caller bug, not input). */
export function checkFrame(frame: ScheduleFrame): void {
  if (!Number.isInteger(frame?.index) || !Number.isFinite(frame?.ptsSeconds)) {
    throw new FramepipeError('ERR_INTERNAL',
      `schedule frames need an integer index and a finite ptsSeconds, got index ${String(frame?.index)}, ptsSeconds ${String(frame?.ptsSeconds)}`);
  }
}

class OfflineSchedule implements Schedule {
  readonly registrations: readonly Registration[];
  readonly #start: number | null;
  readonly #timers: DueTimer[];
  readonly #ring: FrameRing<ScheduleFrame>;
  readonly #stats: ScheduleStats;
  #drops: Drop[] = [];

  constructor(registrations: readonly Registration[], options: ScheduleOptions) {
    this.registrations = registrations;
    this.#start = options.startSeconds ?? null;
    this.#timers = registrations.map((reg) => new DueTimer(reg, this.#start));
    this.#ring = new FrameRing(options.bufferFrames);
    this.#stats = {
      framesConsidered: 0,
      framesBeforeStart: 0,
      algorithms: Object.fromEntries(registrations.map((reg) => [reg.name, emptyAlgorithmStats()])),
    };
  }

  onFrame(frame: ScheduleFrame): Due[] {
    checkFrame(frame);
    this.#drops = [];
    if (this.#start !== null && frame.ptsSeconds < this.#start - SCHEDULE_TOLERANCE_SECONDS) {
      this.#stats.framesBeforeStart += 1;
      return [];
    }
    const position = { index: frame.index, ptsSeconds: frame.ptsSeconds };
    const seq = this.#ring.nextSeq;
    this.#ring.push(position);
    this.#stats.framesConsidered += 1;
    const due: Due[] = [];
    for (const timer of this.#timers) {
      const reg = timer.registration;
      const window = windowSeqs(reg, seq);
      const { fire, drops } = timer.advance(frame.ptsSeconds, seq, window === null ? 'warming-up' : null);
      for (const drop of drops) this.#record(reg.name, { ...drop, position });
      if (fire === null || window === null) continue;
      const frames = window.map((s) => (this.#ring.at(s) as ScheduleFrame).index);
      due.push({ algorithm: reg.name, dueSeconds: fire.dueSeconds, frames, position });
      (this.#stats.algorithms[reg.name] as AlgorithmStats).fired += 1;
    }
    return due;
  }

  lastDrops(): readonly Drop[] {
    return this.#drops;
  }

  stats(): ScheduleStats {
    return structuredClone(this.#stats);
  }

  finish(): ScheduleStats {
    this.#drops = [];
    for (const timer of this.#timers) {
      const drop = timer.dropPending();
      if (drop !== null) this.#record(timer.registration.name, { ...drop, position: null });
    }
    return this.stats();
  }

  #record(algorithm: string, drop: Omit<Drop, 'algorithm'>): void {
    this.#drops.push({ algorithm, ...drop });
    (this.#stats.algorithms[algorithm] as AlgorithmStats).dropped[drop.cause] += drop.count;
  }
}
