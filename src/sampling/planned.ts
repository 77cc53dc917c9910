/**
 * How many frames a plan will deliver for a stream, computed before decoding (for progress totals).
 */
import type { SamplingOptions, VideoInfo } from '../core/types.ts';

/**
 * The number of frames `options` will deliver from a stream described by `info`, or null when it cannot be
 * known in advance (live sources, unknown duration, keyframes of a stream whose GOP is unknown).
 *
 * @example
 * ```ts
 * plannedFrameCount({ every: 30 }, { frameCount: 1800, durationSeconds: 60, fps: 30, … }); // 60
 * ```
 */
export function plannedFrameCount(
  options: SamplingOptions,
  info: Pick<VideoInfo, 'frameCount' | 'durationSeconds' | 'fps' | 'startSeconds' | 'isLive' | 'keyframeIntervalEstimate'>,
): number | null {
  const cap = (n: number | null) => (n === null ? (options.maxFrames ?? null) : Math.min(n, options.maxFrames ?? Number.POSITIVE_INFINITY));
  if (options.count !== undefined) return cap(options.count);
  if (info.isLive || info.durationSeconds === null) return options.at ? cap(options.at.length) : cap(null);
  const start = options.startSeconds ?? info.startSeconds;
  const end = Math.min(options.endSeconds ?? Number.POSITIVE_INFINITY, info.startSeconds + info.durationSeconds);
  const span = Math.max(0, end - start);
  if (options.at) return cap(options.at.filter((t) => t >= start && t < end).length);
  if (options.fps !== undefined) return cap(Math.ceil(span * options.fps - 1e-9));
  const fps = info.fps ?? (info.frameCount && info.durationSeconds ? info.frameCount / info.durationSeconds : null);
  const frames = fps === null ? info.frameCount : Math.round(span * fps);
  if (frames === null) return cap(null);
  if (options.keyframes) return info.keyframeIntervalEstimate ? cap(Math.ceil(frames / info.keyframeIntervalEstimate)) : cap(null);
  return cap(Math.ceil(frames / (options.every ?? 1)));
}
