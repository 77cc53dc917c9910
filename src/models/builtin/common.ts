/**
 * What every built-in model shares: checking that a batch arrived in the declared form, reading and
 * validating options once at construction, ids that change when options change, and per-source state.
 */
import { abortError, FramepipeError } from '../../core/errors.ts';
import type { ModelBatch, ModelInput } from '../types.ts';

/**
 * The declared input of a built-in model: always packed (`hwc`) `uint8`, so pixel loops read bytes directly.
 *
 * @example
 * ```ts
 * const input: BuiltinInput = { width: 32, height: 32, fit: 'fill', pixelFormat: 'gray', layout: 'hwc', dtype: 'uint8' };
 * ```
 */
export interface BuiltinInput extends ModelInput {
  pixelFormat: 'rgb24' | 'gray';
  layout: 'hwc';
  dtype: 'uint8';
}

/**
 * Most sources a stateful model (`motion`, `scene`) remembers; beyond it the least recently seen source is
 * forgotten and starts over if it comes back.
 *
 * @example
 * ```ts
 * if (cameras.length > MAX_TRACKED_SOURCES) console.warn('use one model instance per group of cameras');
 * ```
 */
export const MAX_TRACKED_SOURCES = 1024;

/**
 * Checks that `batch` is in the form `input` declares and returns its pixels and elements per frame. Throws
 * ERR_MODEL_INPUT_MISMATCH (naming what differs) otherwise, and ERR_ABORTED when `signal` has fired.
 *
 * @example
 * ```ts
 * const { data, frameElements } = checkBatch('builtin:stats', model.input, batch, signal);
 * const first = data.subarray(0, frameElements);
 * ```
 */
export function checkBatch(
  id: string,
  input: BuiltinInput,
  batch: ModelBatch,
  signal?: AbortSignal,
): { data: Uint8Array; frameElements: number } {
  if (signal?.aborted) throw abortError(signal);
  const channels = input.pixelFormat === 'gray' ? 1 : 3;
  const n = batch.frames.length;
  const want = `${input.pixelFormat} ${input.layout} ${input.dtype} [${n}, ${input.height}, ${input.width}, ${channels}]`;
  const got = `${batch.format} ${batch.layout} ${batch.dtype} [${batch.shape.join(', ')}]`;
  const [bn, h, w, c] = batch.shape;
  const sameForm =
    batch.format === input.pixelFormat && batch.layout === 'hwc' && batch.dtype === 'uint8' && batch.data instanceof Uint8Array;
  if (!sameForm || bn !== n || h !== input.height || w !== input.width || c !== channels) {
    throw new FramepipeError(
      'ERR_MODEL_INPUT_MISMATCH',
      `${id} needs batches of ${want}, got ${got}; deliver frames with the model's declared input.`,
      {
        details: { model: id, expected: want, got },
      },
    );
  }
  const frameElements = input.width * input.height * channels;
  if (batch.data.length !== n * frameElements) {
    throw new FramepipeError(
      'ERR_MODEL_INPUT_MISMATCH',
      `${id}: batch data holds ${batch.data.length} values, expected ${n * frameElements} for ${want}.`,
      {
        details: { model: id, expected: n * frameElements, got: batch.data.length },
      },
    );
  }
  return { data: batch.data as Uint8Array, frameElements };
}

/**
 * The accepted range and default of a numeric option.
 *
 * @example
 * ```ts
 * const width: NumberSpec = { default: 64, min: 8, max: 1024, integer: true };
 * ```
 */
export interface NumberSpec {
  default: number;
  min: number;
  max: number;
  integer?: boolean;
}

/**
 * Reads a model's options: `undefined` means all defaults; anything but a plain object, an unknown key or an
 * out-of-range value throws ERR_INVALID_OPTIONS naming the option (`details.option`) and the accepted values.
 *
 * @example
 * ```ts
 * const { threshold } = readNumberOptions('builtin:scene', { threshold: 30 }, { threshold: { default: 27, min: 0, max: 255 } });
 * ```
 */
export function readNumberOptions<K extends string>(id: string, options: unknown, specs: Record<K, NumberSpec>): Record<K, number> {
  const names = Object.keys(specs) as K[];
  if (options === undefined || options === null) return Object.fromEntries(names.map((k) => [k, specs[k].default])) as Record<K, number>;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(id, 'options', `${id} options must be an object like { ${names.join(', ')} }, got ${describe(options)}.`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!names.includes(key as K)) {
      const known = names.length ? names.join(', ') : 'none';
      throw invalid(id, key, `${id} has no option "${key}"; its options are: ${known}.`);
    }
  }
  const out = {} as Record<K, number>;
  for (const name of names) out[name] = readNumber(id, name, given[name], specs[name]);
  return out;
}

function readNumber(id: string, name: string, value: unknown, spec: NumberSpec): number {
  if (value === undefined) return spec.default;
  const kind = spec.integer ? 'an integer' : 'a number';
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!spec.integer || Number.isInteger(value)) &&
    value >= spec.min &&
    value <= spec.max;
  if (!ok) {
    throw invalid(
      id,
      name,
      `${id} option "${name}" must be ${kind} from ${spec.min} to ${spec.max} (default ${spec.default}), got ${describe(value)}.`,
    );
  }
  return value as number;
}

function invalid(id: string, option: string, message: string): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', message, { details: { model: id, option } });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return String(value);
}

/**
 * The model id: `builtin:<name>`, plus the options that differ from their defaults as `?key=value&…` in
 * declaration order, so results computed with different options never share an idempotency key.
 *
 * @example
 * ```ts
 * modelId('scene', { threshold: 30, minSceneSeconds: 0.5 }, { threshold: { default: 27, min: 0, max: 255 }, minSceneSeconds: { default: 0.5, min: 0, max: 3600 } });
 * // 'builtin:scene?threshold=30'
 * ```
 */
export function modelId<K extends string>(name: string, values: Record<K, number>, specs: Record<K, NumberSpec>): string {
  const changed = (Object.keys(specs) as K[]).filter((k) => values[k] !== specs[k].default).map((k) => `${k}=${values[k]}`);
  return changed.length ? `builtin:${name}?${changed.join('&')}` : `builtin:${name}`;
}

/**
 * Per-source state of a stateful model, bounded to {@link MAX_TRACKED_SOURCES} sources (least recently
 * seen forgotten first; a forgotten source starts over as if new).
 *
 * @example
 * ```ts
 * const states = new SourceStates<{ last: number }>();
 * const state = states.get(frame.source) ?? states.set(frame.source, { last: frame.ptsSeconds });
 * ```
 */
export class SourceStates<T> {
  readonly #states = new Map<string, T>();
  readonly #max: number;

  constructor(maxSources = MAX_TRACKED_SOURCES) {
    this.#max = maxSources;
  }

  /** The state of `source`, marking it as the most recently seen. */
  get(source: string): T | undefined {
    const state = this.#states.get(source);
    if (state !== undefined) {
      this.#states.delete(source);
      this.#states.set(source, state);
    }
    return state;
  }

  /** Stores and returns the state of `source`, forgetting the least recently seen source when full. */
  set(source: string, state: T): T {
    this.#states.delete(source);
    if (this.#states.size >= this.#max) {
      const oldest = this.#states.keys().next();
      if (!oldest.done) this.#states.delete(oldest.value);
    }
    this.#states.set(source, state);
    return state;
  }

  /** Number of sources remembered. */
  get size(): number {
    return this.#states.size;
  }

  /** Forgets every source. */
  clear(): void {
    this.#states.clear();
  }
}
