/**
 * Source options: validated once at the edge (`resolveSource`), then passed to resolvers with every default
 * filled in, so no resolver re-checks or re-defaults anything.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FramepipeError } from '../core/errors.ts';
import type { ReconnectOptions, RetryOptions, SourceOptions, SourceWarning } from './types.ts';

/** Defaults for {@link SourceOptions}; units are in the names. */
export const SOURCE_DEFAULTS = {
  timeoutMs: 15_000,
  retry: { retries: 3, baseDelayMs: 250, maxDelayMs: 5_000 },
  reconnect: { enabled: true, maxAttempts: 10, baseDelayMs: 500, maxDelayMs: 10_000 },
  maxDataUriBytes: 64 * 1024 * 1024,
  keepCache: false,
  maxBytes: null,
} as const;

/** {@link SourceOptions} with every default filled in. Built-in resolvers receive this shape. */
export interface ResolvedSourceOptions extends SourceOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  cacheDir: string;
  keepCache: boolean;
  maxBytes: number | null;
  maxDataUriBytes: number;
  /** Only the fields the user gave; `enabled` defaults per source (true only for live ones). */
  reconnect: ReconnectOptions;
  ffmpegOptions: Record<string, string>;
  onWarning: (warning: SourceWarning) => void;
}

const positiveInt = (unit: string) =>
  z.number({ error: `expected a number of ${unit}` }).int(`expected a whole number of ${unit}`).positive(`expected more than 0 ${unit}`);
const nonNegativeInt = (unit: string) =>
  z.number({ error: `expected a number of ${unit}` }).int(`expected a whole number of ${unit}`).min(0, `expected 0 or more ${unit}`);

const retrySchema = z.strictObject({
  retries: nonNegativeInt('attempts').max(100, 'expected at most 100 attempts').optional(),
  baseDelayMs: nonNegativeInt('milliseconds').optional(),
  maxDelayMs: nonNegativeInt('milliseconds').optional(),
});

const reconnectSchema = z.strictObject({
  enabled: z.boolean({ error: 'expected true or false' }).optional(),
  maxAttempts: nonNegativeInt('attempts').optional(),
  baseDelayMs: nonNegativeInt('milliseconds').optional(),
  maxDelayMs: nonNegativeInt('milliseconds').optional(),
});

const stringRecord = z.record(z.string(), z.string({ error: 'expected every value to be a string' }));

const optionsSchema = z.strictObject({
  headers: stringRecord.optional(),
  timeoutMs: positiveInt('milliseconds').optional(),
  retry: retrySchema.optional(),
  cacheDir: z.string({ error: 'expected a directory path' }).min(1, 'expected a non-empty directory path').optional(),
  keepCache: z.boolean({ error: 'expected true or false' }).optional(),
  maxBytes: positiveInt('bytes').nullable().optional(),
  maxDataUriBytes: positiveInt('bytes').optional(),
  reconnect: reconnectSchema.optional(),
  format: z.string({ error: 'expected an FFmpeg format name' }).min(1, 'expected a non-empty format name').optional(),
  ffmpegOptions: stringRecord.optional(),
  signal: z.instanceof(AbortSignal, { error: 'expected an AbortSignal' }).optional(),
  onWarning: z.custom<(w: SourceWarning) => void>((v) => typeof v === 'function', 'expected a function').optional(),
});

/** Objects that already went through {@link resolveSourceOptions}, so it is not repeated. */
const resolvedObjects = new WeakSet<object>();

/**
 * Validates options once and fills every default.
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` naming the option, the value and the fix.
 * @example
 * ```ts
 * const opts = resolveSourceOptions({ timeoutMs: 5000 });
 * opts.retry.retries; // 3
 * ```
 */
export function resolveSourceOptions(options: SourceOptions = {}): ResolvedSourceOptions {
  if (resolvedObjects.has(options)) return options as ResolvedSourceOptions;
  if (options === null || typeof options !== 'object') {
    const got = describe(options);
    throw new FramepipeError('ERR_INVALID_OPTIONS', `Source options must be an object, got ${got}. Pass e.g. { timeoutMs: 15000 }.`);
  }
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions(parsed.error, options);
  const o = parsed.data;
  const retry = { ...SOURCE_DEFAULTS.retry, ...o.retry };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `Source option \`retry.maxDelayMs\` (${retry.maxDelayMs}) is smaller than \`retry.baseDelayMs\` ` +
        `(${retry.baseDelayMs}). Raise maxDelayMs or lower baseDelayMs.`,
    );
  }
  const resolved: ResolvedSourceOptions = {
    headers: { ...o.headers },
    timeoutMs: o.timeoutMs ?? SOURCE_DEFAULTS.timeoutMs,
    retry,
    cacheDir: o.cacheDir ?? join(tmpdir(), 'framepipe-cache'),
    keepCache: o.keepCache ?? SOURCE_DEFAULTS.keepCache,
    maxBytes: o.maxBytes ?? SOURCE_DEFAULTS.maxBytes,
    maxDataUriBytes: o.maxDataUriBytes ?? SOURCE_DEFAULTS.maxDataUriBytes,
    reconnect: { ...o.reconnect },
    format: o.format,
    ffmpegOptions: { ...o.ffmpegOptions },
    signal: o.signal,
    onWarning: o.onWarning ?? (() => {}),
  };
  resolvedObjects.add(resolved);
  return resolved;
}

/** Fills the reconnect policy; reconnecting is on by default only for live sources. */
export function fillReconnect(reconnect: ReconnectOptions, isLive: boolean): Required<ReconnectOptions> {
  return { ...SOURCE_DEFAULTS.reconnect, enabled: isLive, ...reconnect };
}

function invalidOptions(error: z.ZodError, options: object): FramepipeError {
  const lines = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k)).join('`, `');
      return `unknown option \`${keys}\` (check the spelling; known options are listed in docs/sources.md)`;
    }
    return `\`${path}\` ${issue.message}, got ${describe(valueAt(options, issue.path))}`;
  });
  return new FramepipeError('ERR_INVALID_OPTIONS', `Invalid source options: ${lines.join('; ')}.`, {
    cause: error,
    details: { issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A short, safe rendering of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (value !== null && typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return String(value);
}
