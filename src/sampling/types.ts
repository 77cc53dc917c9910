/**
 * The contract between sampling plans (pure) and the decode loop that feeds them.
 */
import type { FrameMeta, SamplingManifest, SkipReason, Target } from '../core/types.ts';

/** What the plan needs to know about the stream's timeline before decoding. */
export interface Timeline {
  /** Presentation time of the first frame, in seconds. */
  startSeconds: number;
  /** Duration in seconds, or null when unknown (live, undeclared). */
  durationSeconds: number | null;
  /** Declared frame count, or null when unknown. */
  frameCount: number | null;
  /** Average frame rate, or null when unknown. */
  fps: number | null;
  /** True when index = round((pts - start) * fps) holds for every frame. */
  constantFrameRate: boolean;
  /** True for live sources: no end, no duration. */
  isLive: boolean;
}

/** A decoded (or about to be decoded) frame as the plan sees it. */
export type FrameRef = Pick<FrameMeta, 'index' | 'ptsSeconds' | 'keyframe'>;

/** One frame the plan wants, and the targets it satisfies (empty for open-ended plans). */
export interface Selection {
  /** Position of the frame in the chunk passed to {@link Selector.select}. */
  position: number;
  /** The requested targets this frame satisfies. */
  targets: Target[];
}

/**
 * A stateful, pure (no I/O) frame selector built from sampling options and a timeline.
 * The decode loop hands it consecutive runs of frames in display order (usually one GOP);
 * runs may jump forward after a seek but never backward.
 */
export interface Selector {
  /** True when only keyframes can ever be selected (the decoder may skip everything else). */
  readonly keyframesOnly: boolean;
  /** Number of targets requested, or null for open-ended plans. */
  readonly requested: number | null;
  /**
   * Chooses frames from a run of consecutive frames in display order.
   * @param frames frames of the run, ascending `ptsSeconds`.
   * @param nextPtsSeconds presentation time of the frame right after the run, or null at end of stream.
   */
  select(frames: readonly FrameRef[], nextPtsSeconds: number | null): Selection[];
  /**
   * The earliest media time that can still be selected, for seeking decisions; null when nothing more
   * can be selected (the run may stop).
   */
  nextNeededSeconds(): number | null;
  /** True when nothing more can be selected. */
  isDone(): boolean;
  /** Records that a selected frame was not delivered (decode error, budget, dropped). */
  markUndelivered(selection: Selection, reason: SkipReason, detail?: string): void;
  /** Closes the plan: every outstanding target gets `reason` (`beyond-end` at a normal end). */
  finish(reason: SkipReason, endedBy?: string | null): SamplingManifest;
}
