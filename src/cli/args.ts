/**
 * Command-line flags shared by the commands, turned into library options. Usage mistakes become
 * ERR_INVALID_OPTIONS errors that name the flag; main() maps them to exit code 2.
 */
import { FramepipeError } from '../core/errors.ts';
import type { Fit, OutputOptions, PixelFormat, SamplingOptions } from '../core/types.ts';
import type { OpenVideoOptions } from '../index.ts';

/** Flags every command that opens a video understands (node:util parseArgs format). */
export const SOURCE_FLAGS = {
  header: { type: 'string', multiple: true },
  'timeout-ms': { type: 'string' },
  retries: { type: 'string' },
  'cache-dir': { type: 'string' },
  'keep-cache': { type: 'boolean' },
  'max-bytes': { type: 'string' },
  'max-pixels': { type: 'string' },
  'max-duration': { type: 'string' },
  'max-decoded': { type: 'string' },
  'input-format': { type: 'string' },
  hwaccel: { type: 'string' },
  threads: { type: 'string' },
} as const;

/** Sampling and preprocessing flags of `frames`. */
export const SAMPLING_FLAGS = {
  every: { type: 'string' },
  fps: { type: 'string' },
  count: { type: 'string' },
  first: { type: 'boolean' },
  at: { type: 'string' },
  keyframes: { type: 'boolean' },
  start: { type: 'string' },
  end: { type: 'string' },
  max: { type: 'string' },
  size: { type: 'string' },
  fit: { type: 'string' },
  pix: { type: 'string' },
  crop: { type: 'string' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

export function usageError(message: string): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', message, { details: { usage: true } });
}

/** Parses a number flag; `integer` demands a whole number. */
export function numberFlag(values: Values, name: string, integer = false): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw usageError(`--${name} needs ${integer ? 'a whole number' : 'a number'}, got "${String(raw)}".`);
  }
  return value;
}

export function samplingFromFlags(values: Values): SamplingOptions {
  const at = typeof values.at === 'string' ? values.at.split(',').map((s) => s.trim()) : undefined;
  if (at?.some((s) => s === '' || !Number.isFinite(Number(s)))) throw usageError(`--at needs comma-separated seconds like 1.5,3,10.25, got "${values.at}".`);
  const sampling: SamplingOptions = {
    every: numberFlag(values, 'every', true),
    fps: numberFlag(values, 'fps'),
    count: numberFlag(values, 'count', true),
    first: values.first === true ? true : undefined,
    at: at?.map(Number),
    keyframes: values.keyframes === true ? true : undefined,
    startSeconds: numberFlag(values, 'start'),
    endSeconds: numberFlag(values, 'end'),
    maxFrames: numberFlag(values, 'max', true),
  };
  return Object.fromEntries(Object.entries(sampling).filter(([, v]) => v !== undefined)) as SamplingOptions;
}

export function outputFromFlags(values: Values): OutputOptions {
  const output: OutputOptions = {};
  if (typeof values.size === 'string') {
    const m = /^(\d+)x(\d+)$/.exec(values.size);
    if (!m) throw usageError(`--size needs WxH like 224x224, got "${values.size}".`);
    output.width = Number(m[1]);
    output.height = Number(m[2]);
  }
  if (values.fit !== undefined) {
    if (!['fill', 'cover', 'contain'].includes(String(values.fit))) throw usageError(`--fit must be fill, cover or contain, got "${values.fit}".`);
    output.fit = values.fit as Fit;
  }
  if (values.pix !== undefined) {
    if (!['rgb24', 'bgr24', 'gray', 'rgba'].includes(String(values.pix))) throw usageError(`--pix must be rgb24, bgr24, gray or rgba, got "${values.pix}".`);
    output.pixelFormat = values.pix as PixelFormat;
  }
  if (typeof values.crop === 'string') {
    const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(values.crop);
    if (!m) throw usageError(`--crop needs X:Y:W:H like 0:0:640:360, got "${values.crop}".`);
    output.crop = { x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), height: Number(m[4]) };
  }
  return output;
}

export function openOptionsFromFlags(values: Values): OpenVideoOptions {
  const headers: Record<string, string> = {};
  for (const h of (values.header as string[] | undefined) ?? []) {
    const i = h.indexOf(':');
    if (i < 1) throw usageError(`--header needs "Name: value", got "${h}".`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const hardware = values.hwaccel as OpenVideoOptions['decode'] extends infer D ? (D extends { hardware?: infer H } ? H : never) : never;
  const source: NonNullable<OpenVideoOptions['source']> = {};
  if (Object.keys(headers).length) source.headers = headers;
  const timeoutMs = numberFlag(values, 'timeout-ms', true);
  if (timeoutMs !== undefined) source.timeoutMs = timeoutMs;
  const retries = numberFlag(values, 'retries', true);
  if (retries !== undefined) source.retry = { retries };
  if (typeof values['cache-dir'] === 'string') source.cacheDir = values['cache-dir'];
  if (values['keep-cache'] === true) source.keepCache = true;
  if (typeof values['input-format'] === 'string') source.format = values['input-format'];
  return {
    source,
    decode: { ...(hardware ? { hardware } : {}), ...(values.threads !== undefined ? { threads: numberFlag(values, 'threads', true) } : {}) },
    budget: {
      ...(values['max-bytes'] !== undefined ? { maxBytes: numberFlag(values, 'max-bytes', true) } : {}),
      ...(values['max-pixels'] !== undefined ? { maxPixelsPerFrame: numberFlag(values, 'max-pixels', true) } : {}),
      ...(values['max-duration'] !== undefined ? { maxDurationSeconds: numberFlag(values, 'max-duration') } : {}),
      ...(values['max-decoded'] !== undefined ? { maxDecodedFrames: numberFlag(values, 'max-decoded', true) } : {}),
    },
  };
}
