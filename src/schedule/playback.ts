/**
 * Offline playback at a target frame rate: which decoded frames enter the frame buffer. Like FFmpeg's fps
 * filter (and `sampling.fps`), a frame is kept when it is the frame displayed at one of the ticks
 * `start + k / targetFps`; frames shown between two ticks are skipped. Pure and streaming: a frame is
 * decided when the next one arrives (its display interval ends there), the last one at `end()`.
 */
import { FramepipeError } from '../core/errors.ts';
import { SCHEDULE_TOLERANCE_SECONDS } from './clock.ts';
import type { ScheduleFrame } from './types.ts';

/** Options of {@link createPlaybackSelector} and {@link selectForPlayback}. */
export interface PlaybackOptions {
  /** Playback rate in frames per second (finite, > 0). Frames between ticks are skipped. */
  targetFps: number;
  /** Start position in seconds (finite, ≥ 0, fractional allowed); earlier frames are never kept. Default: the first frame. */
  startSeconds?: number;
}

/** A frame as playback selection sees it; `durationSeconds` lets the last frame cover ticks after its pts. */
export type PlaybackFrame = ScheduleFrame & { durationSeconds?: number | null };

/** Streaming form of {@link selectForPlayback}. */
export interface PlaybackSelector<T extends PlaybackFrame> {
  /** Offers the next frame (ascending pts); returns the previous frame if it is kept, else nothing. */
  push(frame: T): T[];
  /** End of stream: returns the last frame if it is kept. */
  end(): T[];
  /** Frames offered and not kept so far (skipped by playback or before the start). */
  readonly skipped: number;
}

/** How long the last frame counts as displayed when neither its duration nor a previous gap is known. */
const LAST_FRAME_FALLBACK_SECONDS = 1e-3;

/**
 * Builds a streaming playback selector.
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` for a bad `targetFps` or `startSeconds`.
 * @example
 * ```ts
 * const selector = createPlaybackSelector({ targetFps: 10 });
 * selector.push({ index: 0, ptsSeconds: 0 });    // [] (decided when frame 1 arrives)
 * selector.push({ index: 1, ptsSeconds: 0.04 }); // [frame 0]
 * ```
 */
export function createPlaybackSelector<T extends PlaybackFrame>(options: PlaybackOptions): PlaybackSelector<T> {
  const { targetFps, startSeconds } = validatePlayback(options);
  let start = startSeconds ?? null;
  let held: T | null = null;
  let first = true;
  let gap: number | null = null;
  let skipped = 0;
  const decide = (frame: T, endSeconds: number): T[] => {
    const from = first ? -Infinity : frame.ptsSeconds - SCHEDULE_TOLERANCE_SECONDS;
    first = false;
    if (hasTick(start as number, targetFps, from, endSeconds - SCHEDULE_TOLERANCE_SECONDS)) return [frame];
    skipped += 1;
    return [];
  };
  return {
    get skipped() {
      return skipped;
    },
    push(frame: T): T[] {
      start ??= frame.ptsSeconds;
      if (frame.ptsSeconds < start - SCHEDULE_TOLERANCE_SECONDS) {
        skipped += 1;
        return [];
      }
      const previous = held;
      held = frame;
      if (previous === null) return [];
      gap = frame.ptsSeconds - previous.ptsSeconds;
      return decide(previous, frame.ptsSeconds);
    },
    end(): T[] {
      if (held === null) return [];
      const last = held;
      held = null;
      const duration = last.durationSeconds ?? gap ?? LAST_FRAME_FALLBACK_SECONDS;
      return decide(last, last.ptsSeconds + Math.max(duration, LAST_FRAME_FALLBACK_SECONDS));
    },
  };
}

/**
 * The frames a player at `targetFps` shows, starting at `startSeconds`: each frame displayed at a tick
 * `start + k / targetFps`, once, in order. A frame is displayed from its pts until the next frame's pts
 * (the first frame from the start; the last one for its `durationSeconds`, else the previous gap).
 *
 * @example
 * ```ts
 * const frames = Array.from({ length: 30 }, (_, i) => ({ index: i, ptsSeconds: i / 30 }));
 * selectForPlayback(frames, { targetFps: 10 }).map((f) => f.index);                     // [0, 3, 6, … 27]
 * selectForPlayback(frames, { targetFps: 10, startSeconds: 0.51 }).map((f) => f.index); // [16, 18, 21, 24, 27]
 * ```
 */
export function selectForPlayback<T extends PlaybackFrame>(frames: Iterable<T>, options: PlaybackOptions): T[] {
  const selector = createPlaybackSelector<T>(options);
  const kept: T[] = [];
  for (const frame of frames) kept.push(...selector.push(frame));
  kept.push(...selector.end());
  return kept;
}

/** True when some tick `start + k / fps` (k ≥ 0) lies in [from, to). */
export function hasTick(start: number, fps: number, from: number, to: number): boolean {
  let k = from <= start ? 0 : Math.ceil((from - start) * fps);
  while (k > 0 && start + (k - 1) / fps >= from) k -= 1;
  while (start + k / fps < from) k += 1;
  return start + k / fps < to;
}

function validatePlayback(options: PlaybackOptions): PlaybackOptions {
  const fps = options?.targetFps;
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0) {
    throw new FramepipeError('ERR_INVALID_OPTIONS',
      `playback.targetFps must be a finite number > 0 (frames per second), got ${String(fps)}; e.g. targetFps: 10`,
      { details: { option: 'targetFps', value: fps } });
  }
  const start = options.startSeconds;
  if (start !== undefined && (typeof start !== 'number' || !Number.isFinite(start) || start < 0)) {
    throw new FramepipeError('ERR_INVALID_OPTIONS',
      `playback.startSeconds must be a finite number ≥ 0 (seconds), got ${String(start)}; e.g. startSeconds: 1.5`,
      { details: { option: 'startSeconds', value: start } });
  }
  return start === undefined ? { targetFps: fps } : { targetFps: fps, startSeconds: start };
}
