/**
 * Validation of sampling options at the edge: one zod schema for the shape of each field, then the rules
 * that tie fields together. Every failure is an `ERR_INVALID_OPTIONS` whose message names the option, the
 * bad value and the fix, because these messages reach CLI users verbatim.
 */
import { z } from 'zod';
import { FramepipeError } from '../core/errors.ts';
import type { SamplingOptions } from '../core/types.ts';
export { describeSampling } from './describe.ts';

/** Highest accepted `fps`: beyond this no real source has distinct frames to give. */
export const MAX_SAMPLING_FPS = 1000;
/** Most times accepted in `at`: keeps the plan and its manifest bounded. */
export const MAX_AT_TIMES = 100_000;

/** The options that choose frames; at most one may be set. */
const MODE_KEYS = ['every', 'fps', 'count', 'at', 'keyframes'] as const;
const ALL_KEYS = [...MODE_KEYS, 'first', 'startSeconds', 'endSeconds', 'maxFrames'] as const;

type ErrorFn = (issue: { input?: unknown }) => string;

/** Builds the zod error function for one option: "sampling.X must be R, got V; FIX". */
function mustBe(option: string, requirement: string, fix: string): ErrorFn {
  return (issue) => `sampling.${option} must be ${requirement}, got ${show(issue.input)}; ${fix}`;
}

function positiveInteger(option: string, fix: string) {
  const error = mustBe(option, 'an integer ≥ 1', fix);
  return z.number({ error }).int({ error }).min(1, { error }).optional();
}

function flag(option: string, fix: string) {
  return z.boolean({ error: mustBe(option, 'true or false', fix) }).optional();
}

const fpsError = mustBe('fps', `a finite number > 0 and ≤ ${MAX_SAMPLING_FPS}`, 'e.g. fps: 2 for two frames per second');
const atError = mustBe('at', `a non-empty array of at most ${MAX_AT_TIMES} times in seconds`, 'e.g. at: [1.5, 3, 10.25]');
const startError = mustBe('startSeconds', 'a finite number ≥ 0 (seconds)', 'e.g. startSeconds: 1.5');
const endError = mustBe('endSeconds', 'a finite number > 0 (seconds)', 'e.g. endSeconds: 10');

function atTimeError(issue: { input?: unknown; path?: PropertyKey[] }): string {
  const position = issue.path?.at(-1);
  const name = typeof position === 'number' ? `at[${position}]` : 'at[]';
  return `sampling.${name} must be a finite number ≥ 0 (seconds), got ${show(issue.input)}; at lists media times in seconds`;
}

const atTime = z.number({ error: atTimeError }).min(0, { error: atTimeError });

const samplingSchema = z.strictObject(
  {
    every: positiveInteger('every', 'use every: 1 for every frame'),
    fps: z.number({ error: fpsError }).positive({ error: fpsError }).max(MAX_SAMPLING_FPS, { error: fpsError }).optional(),
    count: positiveInteger('count', 'e.g. count: 16 for 16 frames spread over the range'),
    first: flag('first', 'use first: true with count to take the first N frames'),
    at: z.array(atTime, { error: atError }).min(1, { error: atError }).max(MAX_AT_TIMES, { error: atError }).optional(),
    keyframes: flag('keyframes', 'use keyframes: true to deliver keyframes only'),
    startSeconds: z.number({ error: startError }).min(0, { error: startError }).optional(),
    endSeconds: z.number({ error: endError }).positive({ error: endError }).optional(),
    maxFrames: positiveInteger('maxFrames', 'leave it out for no limit'),
  },
  { error: objectError },
);

function objectError(issue: { code?: string; input?: unknown; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys') return unknownKeyMessage(issue.keys?.[0] ?? '?', issue.input);
  return `sampling must be an object of options, got ${show(issue.input)}; e.g. { fps: 2 }`;
}

function unknownKeyMessage(key: string, input: unknown): string {
  const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : undefined;
  const guess = closestKey(key);
  const hint = guess === null ? '' : `did you mean sampling.${guess}? `;
  return `unknown option sampling.${key} (got ${show(value)}); ${hint}valid options: ${ALL_KEYS.join(', ')}`;
}

/**
 * Validates sampling options once, at the edge, and returns a clean copy (unset keys removed, `at` copied
 * and frozen). `undefined` means "no sampling options": every frame.
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` with `details: { option, value }`.
 * @example
 * ```ts
 * validateSampling({ fps: 2, startSeconds: 1.5 }); // { fps: 2, startSeconds: 1.5 }
 * validateSampling({ every: 0 });
 * // throws: sampling.every must be an integer ≥ 1, got 0; use every: 1 for every frame
 * ```
 */
export function validateSampling(options: unknown): SamplingOptions {
  if (options === undefined) return {};
  const parsed = samplingSchema.safeParse(options);
  if (!parsed.success) throw fromZod(parsed.error.issues, options);
  const clean = withoutUndefined(parsed.data);
  checkCombination(clean);
  return clean;
}

function fromZod(issues: readonly z.core.$ZodIssue[], input: unknown): FramepipeError {
  // A misspelt key usually explains the other issues too, so report it first.
  const issue = issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) return invalid('sampling', input, 'sampling options are invalid');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    return invalid(key, (input as Record<string, unknown>)[key], issue.message);
  }
  const option = issue.path.length === 0 ? 'sampling' : optionName(issue.path);
  return invalid(option, valueAt(input, issue.path), issue.message);
}

/** `['at', 3]` → `at[3]`, the way the message names it. */
function optionName(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}

function invalid(option: string, value: unknown, message: string): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', message, { details: { option, value } });
}

function withoutUndefined(data: z.infer<typeof samplingSchema>): SamplingOptions {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined) clean[key] = key === 'at' ? Object.freeze([...(value as number[])]) : value;
  }
  return clean as SamplingOptions;
}

/** The rules between fields, checked after each field is known to be well formed. */
function checkCombination(options: SamplingOptions): void {
  const modes = MODE_KEYS.filter((key) => options[key] !== undefined && options[key] !== false);
  if (modes.length > 1) {
    const [a, b] = modes as [string, string];
    const got = modes.map((key) => `${key}: ${show(options[key])}`).join(', ');
    throw invalid(b, options[b as keyof SamplingOptions],
      `sampling.${a} and sampling.${b} cannot be combined (got ${got}); choose one of ${MODE_KEYS.join(', ')}`);
  }
  if (options.first === true && options.count === undefined) {
    throw invalid('first', true,
      'sampling.first only applies with sampling.count, got first: true without count; add count: N to take the first N frames');
  }
  const start = options.startSeconds ?? 0;
  if (options.endSeconds !== undefined && options.endSeconds <= start) {
    throw invalid('endSeconds', options.endSeconds,
      `sampling.endSeconds must be greater than sampling.startSeconds (${start}), got ${show(options.endSeconds)}; ` +
        'the range is [startSeconds, endSeconds), so widen it or swap the two');
  }
}

/**
 * Suggests the key a misspelling most likely meant: one it abbreviates (`max` → `maxFrames`), else one
 * within one edit for short keys or two for longer ones, counting a swap of neighbours as one edit.
 */
function closestKey(key: string): string | null {
  const lower = key.toLowerCase();
  const prefixed = ALL_KEYS.find((candidate) => lower.length >= 3 && candidate.toLowerCase().startsWith(lower));
  if (prefixed !== undefined) return prefixed;
  let best: string | null = null;
  let bestDistance = lower.length <= 4 ? 2 : 3;
  for (const candidate of ALL_KEYS) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (rows[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * Renders a value for an error message: readable, short, and exact for NaN and Infinity.
 *
 * @example
 * ```ts
 * show(Number.NaN); // "NaN"
 * show('30');       // "\"30\""
 * ```
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) {
    const head = value.slice(0, 5).map(show).join(', ');
    return value.length > 5 ? `[${head}, … (${value.length} items)]` : `[${head}]`;
  }
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}
