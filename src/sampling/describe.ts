/**
 * The plan in words, for manifests, logs and `--dry-run` style output.
 */
import type { SamplingOptions } from '../core/types.ts';
import { formatSeconds } from './time.ts';

/** How many `at` times are spelt out before the rest are summarised. */
const AT_TIMES_SHOWN = 5;

/**
 * Describes validated sampling options in words.
 *
 * @example
 * ```ts
 * describeSampling({ every: 30, startSeconds: 0 });                        // "every 30th frame from 0s"
 * describeSampling({ fps: 2, startSeconds: 1.5, endSeconds: 10, maxFrames: 16 });
 * // "2 fps from 1.5s to 10s, at most 16 frames"
 * ```
 */
export function describeSampling(options: SamplingOptions): string {
  const range = describeRange(options.startSeconds, options.endSeconds);
  const limit = options.maxFrames === undefined ? '' : `, at most ${plural(options.maxFrames, 'frame')}`;
  return `${describeMode(options)}${range}${limit}`;
}

function describeMode(options: SamplingOptions): string {
  if (options.every !== undefined && options.every > 1) return `every ${ordinal(options.every)} frame`;
  if (options.fps !== undefined) return `${Number(options.fps.toFixed(6))} fps`;
  if (options.count !== undefined && options.first === true) return `the first ${plural(options.count, 'frame')}`;
  if (options.count !== undefined) return `${plural(options.count, 'frame')} spread evenly`;
  if (options.at !== undefined) return describeAt(options.at);
  if (options.keyframes === true) return 'keyframes only';
  return 'every frame';
}

function describeAt(at: readonly number[]): string {
  const shown = at.slice(0, AT_TIMES_SHOWN).map(formatSeconds).join(', ');
  const rest = at.length > AT_TIMES_SHOWN ? `, … (${at.length} times)` : '';
  return `the frames displayed at ${shown}${rest}`;
}

function describeRange(start: number | undefined, end: number | undefined): string {
  if (start !== undefined && end !== undefined) return ` from ${formatSeconds(start)} to ${formatSeconds(end)}`;
  if (start !== undefined) return ` from ${formatSeconds(start)}`;
  if (end !== undefined) return ` until ${formatSeconds(end)}`;
  return '';
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st. */
function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}
