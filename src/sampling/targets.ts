/**
 * The targets of explicit plans (fps, count, at), produced lazily in ascending media order so that a plan
 * on a live source, or with millions of targets, keeps constant memory.
 */
import { FramepipeError } from '../core/errors.ts';
import type { SamplingOptions, Target } from '../core/types.ts';
import type { SamplingRange } from './time.ts';
import { formatSeconds, isBefore, knownFps, UNKNOWN_FRAME_DURATION_SECONDS } from './time.ts';
import type { Timeline } from './types.ts';

/** One requested target and its place in the user's order (the order of manifest entries). */
export interface PlannedTarget {
  order: number;
  target: Target;
}

/** A target refused before decoding starts (outside the range), with the reason in words. */
export interface RejectedTarget {
  planned: PlannedTarget;
  detail: string;
}

/** The targets of one plan: those still to resolve, in ascending media order, and those refused up front. */
export interface TargetPlan {
  queue: TargetQueue;
  rejected: readonly RejectedTarget[];
  /** Targets requested in all (queued + rejected), or null when unbounded. */
  requested: number | null;
}

/**
 * A lazy, ascending sequence of targets: `make(k)` builds the k-th, for k below `count` (or forever when
 * `count` is null).
 *
 * @example
 * ```ts
 * const queue = new TargetQueue(3, (k) => ({ order: k, target: { kind: 'time', seconds: k / 2 } }));
 * queue.shift(); queue.peek(); // { order: 1, target: { kind: 'time', seconds: 0.5 } }
 * ```
 */
export class TargetQueue {
  /** Number of targets, or null for an unbounded sequence. */
  readonly count: number | null;
  readonly #make: (k: number) => PlannedTarget;
  #next = 0;
  #peeked: PlannedTarget | null = null;
  #cleared = false;

  constructor(count: number | null, make: (k: number) => PlannedTarget) {
    this.count = count;
    this.#make = make;
  }

  /** The next target without taking it, or null when none is left. */
  peek(): PlannedTarget | null {
    if (this.#cleared || (this.count !== null && this.#next >= this.count)) return null;
    this.#peeked ??= this.#make(this.#next);
    return this.#peeked;
  }

  /** Takes the next target. */
  shift(): PlannedTarget | null {
    const next = this.peek();
    if (next !== null) [this.#next, this.#peeked] = [this.#next + 1, null];
    return next;
  }

  /** Targets not yet taken, or null when unbounded. */
  remaining(): number | null {
    if (this.#cleared) return 0;
    return this.count === null ? null : this.count - this.#next;
  }

  /** Drops every remaining target (the caller has accounted for them). */
  clear(): void {
    this.#cleared = true;
    this.#peeked = null;
  }
}

/**
 * The media time a target stands for: its own time, or `start + index / fps` for an index target.
 *
 * @example
 * ```ts
 * targetSeconds({ kind: 'index', index: 45 }, { ...timeline, startSeconds: 1.4, fps: 30 }); // 2.9
 * ```
 */
export function targetSeconds(target: Target, timeline: Timeline): number {
  if (target.kind === 'time') return target.seconds;
  return timeline.startSeconds + target.index / (knownFps(timeline) ?? Number.POSITIVE_INFINITY);
}

/**
 * `fps` targets: `start + k / fps` for every k with a time before the range's target end; unbounded when
 * that end is unknown (live).
 *
 * @example
 * ```ts
 * fpsTargets(2, { ...range, startSeconds: 1, targetEndSeconds: 3 }).requested; // 4: 1, 1.5, 2, 2.5
 * ```
 */
export function fpsTargets(fps: number, range: SamplingRange): TargetPlan {
  const start = range.startSeconds;
  const count = Number.isFinite(range.targetEndSeconds) ? countBefore(start, fps, range.targetEndSeconds) : null;
  const make = (k: number): PlannedTarget => ({ order: k, target: { kind: 'time', seconds: start + k / fps } });
  return { queue: new TargetQueue(count, make), rejected: [], requested: count };
}

/** Number of k ≥ 0 with `start + k / fps` before `end`, computed with the same expression as the targets. */
function countBefore(start: number, fps: number, end: number): number {
  let n = Math.max(0, Math.ceil((end - start) * fps));
  while (n > 0 && !isBefore(start + (n - 1) / fps, end)) n--;
  while (isBefore(start + n / fps, end)) n++;
  return n;
}

/**
 * `at` targets: sorted ascending (ties keep the user's order); times outside `[start, targetEnd)` are
 * rejected up front as `beyond-end`.
 *
 * @example
 * ```ts
 * const plan = atTargets([3, 1, 99], { ...range, startSeconds: 0, targetEndSeconds: 10 });
 * plan.queue.peek(); // { order: 1, target: { kind: 'time', seconds: 1 } }
 * plan.rejected;     // [{ planned: { order: 2, … }, detail: 'at or after the range end (10s)' }]
 * ```
 */
export function atTargets(at: readonly number[], range: SamplingRange): TargetPlan {
  const accepted: PlannedTarget[] = [];
  const rejected: RejectedTarget[] = [];
  at.forEach((seconds, order) => {
    const planned: PlannedTarget = { order, target: { kind: 'time', seconds } };
    const detail = outsideDetail(seconds, range);
    if (detail === null) accepted.push(planned);
    else rejected.push({ planned, detail });
  });
  accepted.sort((a, b) => targetTime(a) - targetTime(b) || a.order - b.order);
  const queue = new TargetQueue(accepted.length, (k) => accepted[k] as PlannedTarget);
  return { queue, rejected, requested: at.length };
}

function targetTime(planned: PlannedTarget): number {
  return planned.target.kind === 'time' ? planned.target.seconds : planned.target.index;
}

function outsideDetail(seconds: number, range: SamplingRange): string | null {
  if (isBefore(seconds, range.startSeconds)) return `before the range start (${formatSeconds(range.startSeconds)})`;
  if (!isBefore(seconds, range.targetEndSeconds)) return `at or after the range end (${formatSeconds(range.targetEndSeconds)})`;
  return null;
}

/**
 * `count` targets (without `first`). Index targets `round(k * (frameCount - 1) / (count - 1))` when the
 * frame count is declared, the stream is constant-frame-rate and the range is the whole stream; otherwise
 * time targets spread evenly from the range start to the last frame's time (`end - 1 / fps`).
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` when the end of the range is unknown (live source).
 * @example
 * ```ts
 * // 300 frames at 30 fps, whole stream: indices 0, 100, 199, 299.
 * countTargets({ count: 4 }, range, timeline).queue.peek(); // { order: 0, target: { kind: 'index', index: 0 } }
 * ```
 */
export function countTargets(options: SamplingOptions, range: SamplingRange, timeline: Timeline): TargetPlan {
  const count = options.count as number;
  const frameCount = wholeStreamFrameCount(options, range, timeline);
  if (frameCount !== null) {
    // k * (frameCount - 1) is an exact integer, so ties (x.5) round up the same way every time.
    const indexAt = (k: number): number => (count === 1 ? 0 : Math.round((k * (frameCount - 1)) / (count - 1)));
    const make = (k: number): PlannedTarget => ({ order: k, target: { kind: 'index', index: indexAt(k) } });
    return { queue: new TargetQueue(count, make), rejected: [], requested: count };
  }
  const [first, last] = countTimeSpan(options, range);
  const step = count === 1 ? 0 : (last - first) / (count - 1);
  const make = (k: number): PlannedTarget => {
    const seconds = k === count - 1 && count > 1 ? last : first + k * step;
    return { order: k, target: { kind: 'time', seconds } };
  };
  return { queue: new TargetQueue(count, make), rejected: [], requested: count };
}

/** The declared frame count when index targets apply (CFR, known fps, whole stream), else null. */
function wholeStreamFrameCount(options: SamplingOptions, range: SamplingRange, timeline: Timeline): number | null {
  const frameCount = timeline.frameCount;
  if (frameCount === null || !Number.isInteger(frameCount) || frameCount < 1) return null;
  if (!timeline.constantFrameRate || knownFps(timeline) === null) return null;
  const fromStart = options.startSeconds === undefined || !isBefore(timeline.startSeconds, options.startSeconds);
  const end = range.declaredEndSeconds;
  const toEnd = options.endSeconds === undefined || (end !== null && !isBefore(options.endSeconds, end));
  return fromStart && toEnd ? frameCount : null;
}

/**
 * First and last target time of a spread: the range start, and one frame before the range end, where the
 * end is clamped to the declared end of the stream (a count asks for frames that exist).
 */
function countTimeSpan(options: SamplingOptions, range: SamplingRange): [number, number] {
  const end = Math.min(options.endSeconds ?? Number.POSITIVE_INFINITY, range.declaredEndSeconds ?? Number.POSITIVE_INFINITY);
  if (!Number.isFinite(end)) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `sampling.count needs a known duration, got count: ${options.count} on a source with no known end; ` +
        'use fps or every for live sources, or set endSeconds',
      { details: { option: 'count', value: options.count } },
    );
  }
  const frameDuration = range.frameDurationSeconds ?? UNKNOWN_FRAME_DURATION_SECONDS;
  const first = range.startSeconds;
  return [first, Math.max(first, end - frameDuration)];
}
