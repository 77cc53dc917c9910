/**
 * Validation of {@link PipelineOptions} at `createPipeline`, before anything opens: every mistake is an
 * `ERR_INVALID_OPTIONS` naming the option, the bad value and the fix. Registrations and the buffer size
 * are checked by the schedule's own validation, so a buffer too small for a window fails here.
 */
import { FramepipeError } from '../core/errors.ts';
import { type Registration, validateSchedule } from '../schedule/index.ts';
import type { AlgorithmRegistration, PipelineMode, PipelineOptions } from './types.ts';

/** Options after validation, defaults applied. */
export type ValidOptions = Omit<PipelineOptions, 'mode' | 'algorithms' | 'sinks' | 'speed'> & {
  mode: PipelineMode;
  algorithms: readonly AlgorithmRegistration[];
  sinks: NonNullable<PipelineOptions['sinks']>;
  speed: number;
};

const MODES: readonly PipelineMode[] = ['offline', 'realtime'];

/** Checks everything that can be checked without opening the source. */
export function validatePipelineOptions(
  options: PipelineOptions,
  toRegistration: (reg: AlgorithmRegistration, at: number) => Registration,
): ValidOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', options, 'pass an options object with at least { source }');
  if (options.source === undefined || options.source === null || options.source === '') throw invalid('source', options.source, 'give a path, URL, Buffer or stream');
  const mode = options.mode ?? 'offline';
  if (!MODES.includes(mode)) throw invalid('mode', mode, "use 'offline' or 'realtime'");
  const algorithms = options.algorithms ?? [];
  if (!Array.isArray(algorithms)) throw invalid('algorithms', algorithms, 'give an array of { name, algorithm, intervalSeconds }');
  if (algorithms.length === 0 && !options.onFrame && !options.record) {
    throw invalid('algorithms', '[]', 'register at least one algorithm (or give onFrame / record to only play the video)');
  }
  if (algorithms.length > 0) {
    const registrations = algorithms.map((reg, at) => toRegistration(reg, at));
    validateSchedule(registrations, { bufferFrames: options.bufferFrames ?? Math.max(...registrations.map(windowOf)), startSeconds: options.startSeconds });
  } else if (options.bufferFrames !== undefined) {
    positiveInt('bufferFrames', options.bufferFrames);
  }
  seconds('startSeconds', options.startSeconds);
  seconds('endSeconds', options.endSeconds);
  if (options.startSeconds !== undefined && options.endSeconds !== undefined && options.endSeconds <= options.startSeconds) {
    throw invalid('endSeconds', options.endSeconds, `it must be after startSeconds (${options.startSeconds})`);
  }
  positive('targetFps', options.targetFps, 1000);
  positive('speed', options.speed, 100);
  positive('maxLatenessMs', options.maxLatenessMs, 3_600_000);
  if (options.maxLatenessMs !== undefined && mode === 'offline') throw invalid('maxLatenessMs', options.maxLatenessMs, "maxLatenessMs applies to mode 'realtime'; offline plays every frame");
  if (options.speed !== undefined && mode === 'offline') throw invalid('speed', options.speed, "speed applies to mode 'realtime'; offline runs as fast as it can");
  if (options.playback !== undefined) {
    if (typeof options.playback !== 'object' || options.playback === null) throw invalid('playback', options.playback, 'give { width?, height? }');
    if (options.playback.width !== undefined) positiveInt('playback.width', options.playback.width);
    if (options.playback.height !== undefined) positiveInt('playback.height', options.playback.height);
  }
  for (const [name, fn] of [['collect', options.collect], ['onFrame', options.onFrame], ['onEvent', options.onEvent]] as const) {
    if (fn !== undefined && typeof fn !== 'function') throw invalid(name, typeof fn, 'give a function');
  }
  const sinks = options.sinks ?? [];
  if (!Array.isArray(sinks) || sinks.some((s) => typeof s?.write !== 'function')) throw invalid('sinks', sinks, 'give an array of sinks (jsonlSink, lanceSink, webhookSink, redisSink …)');
  if (options.record !== undefined) {
    const r = options.record;
    if (typeof r !== 'object' || r === null || typeof r.path !== 'string' || r.path === '') throw invalid('record.path', r?.path, 'give the output .mp4 path');
    if (r.width !== undefined) positiveInt('record.width', r.width);
    if (r.height !== undefined) positiveInt('record.height', r.height);
    if (r.maxQueuedFrames !== undefined) positiveInt('record.maxQueuedFrames', r.maxQueuedFrames);
  }
  const onError = options.onAlgorithmError ?? 'fail';
  if (onError !== 'fail' && onError !== 'report') throw invalid('onAlgorithmError', onError, "use 'fail' or 'report'");
  return { ...options, mode, algorithms, sinks, speed: options.speed ?? 1, onAlgorithmError: onError };
}

function windowOf(reg: Registration): number {
  const count = Number.isInteger(reg.frameCount) && reg.frameCount > 0 ? reg.frameCount : 1;
  const step = Number.isInteger(reg.frameStep) && reg.frameStep > 0 ? reg.frameStep : 1;
  return (count - 1) * step + 1;
}

function seconds(option: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw invalid(option, value, 'use a number of seconds ≥ 0 (fractions allowed)');
  }
}

function positive(option: string, value: number | undefined, max: number): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= max)) {
    throw invalid(option, value, `use a number > 0 and ≤ ${max}`);
  }
}

function positiveInt(option: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 1 && value <= 16384)) throw invalid(option, value, 'use a whole number from 1 to 16384');
}

function invalid(option: string, value: unknown, fix: string): FramepipeError {
  const shown = typeof value === 'string' ? value : typeof value === 'function' ? 'a function' : JSON.stringify(value) ?? String(value);
  return new FramepipeError('ERR_INVALID_OPTIONS', `pipeline: ${option} is invalid (got ${shown}); ${fix}.`, { details: { option, value: typeof value === 'function' ? undefined : value } });
}
