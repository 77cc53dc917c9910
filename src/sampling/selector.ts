/**
 * Builds the frame selector for validated sampling options and a stream's timeline. The decode loop
 * drives it; see `docs/sampling.md` for the exact meaning of each plan.
 */
import { FramepipeError } from '../core/errors.ts';
import type { SamplingOptions } from '../core/types.ts';
import type { OpenMode } from './open-selector.ts';
import { OpenSelector } from './open-selector.ts';
import type { TargetPlan } from './targets.ts';
import { atTargets, countTargets, fpsTargets } from './targets.ts';
import { TargetSelector } from './target-selector.ts';
import type { SamplingRange } from './time.ts';
import { knownFps, resolveRange } from './time.ts';
import type { Selector, Timeline } from './types.ts';
import { describeSampling, validateSampling } from './validate.ts';

/**
 * Creates the {@link Selector} for `options` on a stream with `timeline`. The options are validated here
 * too (cheap, and the selector is a public entry point).
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` for invalid options, or `count` on a source with no known end.
 * @example
 * ```ts
 * const selector = createSelector({ fps: 2, endSeconds: 10 }, {
 *   startSeconds: 0, durationSeconds: 60, frameCount: 1800, fps: 30, constantFrameRate: true, isLive: false,
 * });
 * selector.requested;            // 20
 * selector.nextNeededSeconds();  // 0
 * const picks = selector.select(gopFrames, ptsOfNextGop); // frames displayed at 0, 0.5, 1, …
 * const manifest = selector.finish('beyond-end');
 * ```
 */
export function createSelector(options: SamplingOptions, timeline: Timeline): Selector {
  if (!Number.isFinite(timeline.startSeconds)) {
    throw new FramepipeError('ERR_INTERNAL', `timeline.startSeconds must be a finite number, got ${timeline.startSeconds}`);
  }
  const clean = validateSampling(options);
  const range = resolveRange(clean, timeline);
  const plan = describeSampling(clean);
  const maxFrames = clean.maxFrames ?? null;
  const targets = targetPlan(clean, range, timeline);
  if (targets !== null) return new TargetSelector({ plan, range, timeline, targets, maxFrames });
  const cfrFps = timeline.constantFrameRate ? knownFps(timeline) : null;
  return new OpenSelector({ plan, mode: openMode(clean), range, timeline, cfrFps, maxFrames });
}

/** The targets of an explicit plan, or null for an open-ended one. */
function targetPlan(options: SamplingOptions, range: SamplingRange, timeline: Timeline): TargetPlan | null {
  if (options.fps !== undefined) return fpsTargets(options.fps, range);
  if (options.at !== undefined) return atTargets(options.at, range);
  if (options.count !== undefined && options.first !== true) return countTargets(options, range, timeline);
  return null;
}

function openMode(options: SamplingOptions): OpenMode {
  if (options.count !== undefined) return { kind: 'first', n: options.count };
  if (options.every !== undefined && options.every > 1) return { kind: 'every', n: options.every };
  if (options.keyframes === true) return { kind: 'keyframes' };
  return { kind: 'all' };
}
