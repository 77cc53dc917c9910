/**
 * The contract of the scheduling layer: which algorithms run, on which frames, and why a firing did not
 * happen. Everything here is plain data; `docs/scheduling.md` gives the exact semantics.
 */
import type { FrameMeta } from '../core/types.ts';

/** One algorithm and how often, on how many frames, it runs. */
export interface Registration {
  /** Unique name; results and drop counts are reported under it. */
  name: string;
  /** Frames per call (integer ≥ 1). */
  frameCount: number;
  /** Distance between the frames of one call, in buffered frames (integer ≥ 1; 1 = consecutive). */
  frameStep: number;
  /** Media time between calls, in seconds (finite, > 0; fractional allowed, e.g. 0.5 or 1/3). */
  intervalSeconds: number;
}

/** Options shared by the offline schedule and the realtime policy. */
export interface ScheduleOptions {
  /** Capacity of the frame buffer, in frames (integer ≥ 1); must cover every registration's window. */
  bufferFrames: number;
  /**
   * Start position on the media timeline, in seconds (finite, ≥ 0, fractional allowed). Frames before it
   * are ignored and the first due time is this instant. Default: the pts of the first frame.
   */
  startSeconds?: number;
}

/** What the schedule needs to know about a frame. */
export type ScheduleFrame = Pick<FrameMeta, 'index' | 'ptsSeconds'>;

/** One call to make: this algorithm, on these frames. */
export interface Due {
  /** The registration's name. */
  algorithm: string;
  /** The due time this call serves, on the media timeline, in seconds (≤ `position.ptsSeconds`). */
  dueSeconds: number;
  /** Frame indices of the window, oldest first; the last one is `position.index`. */
  frames: number[];
  /** The frame that triggered the call: the newest frame of the window. */
  position: ScheduleFrame;
}

/**
 * Why a firing (or, for `buffer-overflow`, a frame) was dropped:
 * - `warming-up`: the due time passed before the buffer held a full window, and a later due time replaced it;
 * - `skipped`: the stream jumped past the due time (no frame between it and the next one);
 * - `busy` (realtime): a later due time arrived while the algorithm was still running;
 * - `evicted` (realtime): the algorithm stayed busy until the frame that made it due left the buffer;
 * - `buffer-overflow` (realtime, counts frames): the buffer dropped a frame of a window still being processed.
 */
export type DropCause = 'warming-up' | 'skipped' | 'busy' | 'evicted' | 'buffer-overflow';

/** Every drop cause, in report order. */
export const DROP_CAUSES: readonly DropCause[] = ['warming-up', 'skipped', 'busy', 'evicted', 'buffer-overflow'];

/** One drop decision, emitted as it happens. */
export interface Drop {
  /** The registration's name. */
  algorithm: string;
  /** Why. */
  cause: DropCause;
  /** How many firings (frames for `buffer-overflow`) this record stands for. */
  count: number;
  /** The first dropped due time, in seconds; null for `buffer-overflow`. */
  dueSeconds: number | null;
  /** The frame being processed when the drop was decided. */
  position: ScheduleFrame | null;
}

/** Counters for one algorithm. */
export interface AlgorithmStats {
  /** Calls decided (offline) or dispatched (realtime). */
  fired: number;
  /** Drops by cause: firings, or frames for `buffer-overflow`. */
  dropped: Record<DropCause, number>;
}

/** Counters for one offline run. */
export interface ScheduleStats {
  /** Frames at or after the start, each considered once. */
  framesConsidered: number;
  /** Frames before `startSeconds`, ignored. */
  framesBeforeStart: number;
  /** Per algorithm, in registration order. */
  algorithms: Record<string, AlgorithmStats>;
}
