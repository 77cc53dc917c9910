/**
 * Media-time arithmetic shared by the sampling plans: the comparison tolerance and the range a plan covers.
 * Timestamps come from rational timebases and reach us as doubles, so `1.0` and `0.99999999` must compare
 * equal; every comparison in this folder goes through these helpers.
 */
import type { SamplingOptions } from '../core/types.ts';
import type { Timeline } from './types.ts';

/** Two media times closer than this (in seconds) are the same instant. */
export const TIME_TOLERANCE_SECONDS = 1e-6;

/**
 * How long the last frame is assumed to stay on screen when neither the frame rate nor the duration is
 * known; small, so that only targets right at the last frame resolve to it.
 */
export const UNKNOWN_FRAME_DURATION_SECONDS = 1e-3;

/**
 * True when media time `a` lies strictly before `b`, beyond the tolerance.
 *
 * @example
 * ```ts
 * isBefore(0.99999999, 1.0); // false: the same instant
 * isBefore(0.9, 1.0);        // true
 * ```
 */
export function isBefore(a: number, b: number): boolean {
  return a < b - TIME_TOLERANCE_SECONDS;
}

/** Where a plan's frames and time targets may lie, resolved from the options and the timeline. */
export interface SamplingRange {
  /** Frames with `ptsSeconds >= startSeconds` are in range (absolute media time). */
  startSeconds: number;
  /** Frames with `ptsSeconds < endSeconds` are in range; `Infinity` when `endSeconds` was not given. */
  endSeconds: number;
  /**
   * Time targets (fps, at) must lie before this: `endSeconds` when given, else the declared end of the
   * stream, else `Infinity` (live or undeclared).
   */
  targetEndSeconds: number;
  /** `timeline.startSeconds + durationSeconds`, or null when the duration is unknown or the source live. */
  declaredEndSeconds: number | null;
  /** `1 / fps` when the frame rate is known and positive, else null. */
  frameDurationSeconds: number | null;
}

/**
 * Resolves the range of a plan. Without `endSeconds` every decoded frame after the start is in range,
 * even past a declared duration that turns out to be short; only time targets stop at the declared end.
 *
 * @example
 * ```ts
 * const range = resolveRange({ startSeconds: 2 }, { startSeconds: 1.4, durationSeconds: 10, fps: 30,
 *   frameCount: 300, constantFrameRate: true, isLive: false });
 * range.targetEndSeconds; // 11.4
 * ```
 */
export function resolveRange(options: SamplingOptions, timeline: Timeline): SamplingRange {
  const declaredEndSeconds = declaredEnd(timeline);
  return {
    startSeconds: options.startSeconds ?? timeline.startSeconds,
    endSeconds: options.endSeconds ?? Number.POSITIVE_INFINITY,
    targetEndSeconds: options.endSeconds ?? declaredEndSeconds ?? Number.POSITIVE_INFINITY,
    declaredEndSeconds,
    frameDurationSeconds: knownFps(timeline) === null ? null : 1 / (timeline.fps as number),
  };
}

/**
 * The timeline's frame rate when it is a usable positive number, else null.
 *
 * @example
 * ```ts
 * knownFps({ ...timeline, fps: 0 }); // null
 * ```
 */
export function knownFps(timeline: Timeline): number | null {
  const fps = timeline.fps;
  return fps !== null && Number.isFinite(fps) && fps > 0 ? fps : null;
}

function declaredEnd(timeline: Timeline): number | null {
  const duration = timeline.durationSeconds;
  if (timeline.isLive || duration === null || !Number.isFinite(duration) || duration < 0) return null;
  return timeline.startSeconds + duration;
}

/**
 * True when a frame at `ptsSeconds` lies in `[startSeconds, endSeconds)`.
 *
 * @example
 * ```ts
 * inRange({ ...range, startSeconds: 1, endSeconds: 2 }, 1.9999999); // false: that is 2
 * ```
 */
export function inRange(range: SamplingRange, ptsSeconds: number): boolean {
  return !isBefore(ptsSeconds, range.startSeconds) && isBefore(ptsSeconds, range.endSeconds);
}

/**
 * True when a frame at `ptsSeconds` lies at or after the end of the range: no later frame can be in it.
 *
 * @example
 * ```ts
 * pastRange({ ...range, endSeconds: 2 }, 2); // true
 * ```
 */
export function pastRange(range: SamplingRange, ptsSeconds: number): boolean {
  return !isBefore(ptsSeconds, range.endSeconds);
}

/**
 * Until when the last frame of the stream is displayed: the declared end, or one frame duration after
 * its pts, whichever is later (a declared duration may be short by a frame or two).
 *
 * @example
 * ```ts
 * lastFrameDisplayedUntil({ ...range, declaredEndSeconds: 10, frameDurationSeconds: 1 / 30 }, 9.9); // 10
 * ```
 */
export function lastFrameDisplayedUntil(range: SamplingRange, lastPtsSeconds: number): number {
  const own = lastPtsSeconds + (range.frameDurationSeconds ?? UNKNOWN_FRAME_DURATION_SECONDS);
  return range.declaredEndSeconds === null ? own : Math.max(own, range.declaredEndSeconds);
}

/**
 * Formats seconds for messages and plans: at most six decimals, no trailing zeros.
 *
 * @example
 * ```ts
 * formatSeconds(1.5);       // "1.5s"
 * formatSeconds(1 / 3);     // "0.333333s"
 * ```
 */
export function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(6))}s`;
}
