/**
 * Writes filter-graph output (packed HWC bytes) into the delivered tensor: HWC or CHW, uint8 or float32
 * with mean/std. Pure and allocation-free per frame: lookup tables are built once per run.
 */
import { FramepipeError } from '../core/errors.ts';
import type { DType, OutputOptions } from '../core/types.ts';
import type { FilterPlan } from './filter-graph.ts';

/** Converts one frame's bytes from the filter graph into a slot of a destination tensor. */
export interface TensorWriter {
  readonly dtype: DType;
  /** Elements per frame. */
  readonly frameElements: number;
  /** Writes `source` (packed HWC bytes) into `dest` starting at element `offset`. */
  write(source: Uint8Array, dest: Uint8Array | Float32Array, offset: number): void;
}

/**
 * Builds a writer for `plan` and the value options of `output`.
 *
 * @example
 * ```ts
 * const writer = createTensorWriter(plan, { dtype: 'float32', layout: 'chw', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
 * const out = new Float32Array(writer.frameElements);
 * writer.write(bytes, out, 0);
 * ```
 */
export function createTensorWriter(plan: FilterPlan, output: OutputOptions = {}): TensorWriter {
  const dtype = output.dtype ?? 'uint8';
  const channels = plan.channels;
  const frameElements = plan.width * plan.height * channels;
  const chw = plan.layout === 'chw' && channels > 1;
  if (dtype === 'uint8') {
    if (output.mean || output.std) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', 'output.mean/std need dtype float32; set output.dtype to "float32".', {
        details: { option: 'output.mean' },
      });
    }
    const write = chw
      ? (src: Uint8Array, dest: Uint8Array | Float32Array, offset: number) => transpose(src, dest, offset, channels, null)
      : (src: Uint8Array, dest: Uint8Array | Float32Array, offset: number) => (dest as Uint8Array).set(src, offset);
    return { dtype, frameElements, write };
  }
  const tables = normalisationTables(channels, output.mean, output.std);
  const write = chw
    ? (src: Uint8Array, dest: Uint8Array | Float32Array, offset: number) => transpose(src, dest, offset, channels, tables)
    : (src: Uint8Array, dest: Uint8Array | Float32Array, offset: number) => normalisePacked(src, dest as Float32Array, offset, tables);
  return { dtype, frameElements, write };
}

/** HWC → CHW, optionally mapping each value through its channel's table. */
function transpose(src: Uint8Array, dest: Uint8Array | Float32Array, offset: number, channels: number, tables: Float32Array[] | null): void {
  const plane = src.length / channels;
  for (let c = 0; c < channels; c++) {
    const to = offset + c * plane;
    const table = tables?.[c];
    if (table) for (let i = 0, j = c; i < plane; i++, j += channels) dest[to + i] = table[src[j] as number] as number;
    else for (let i = 0, j = c; i < plane; i++, j += channels) dest[to + i] = src[j] as number;
  }
}

function normalisePacked(src: Uint8Array, dest: Float32Array, offset: number, tables: Float32Array[]): void {
  const channels = tables.length;
  for (let c = 0; c < channels; c++) {
    const table = tables[c] as Float32Array;
    for (let i = c; i < src.length; i += channels) dest[offset + i] = table[src[i] as number] as number;
  }
}

/** One 256-entry lookup table per channel: (v / 255 - mean) / std. */
export function normalisationTables(channels: number, mean?: readonly number[], std?: readonly number[]): Float32Array[] {
  const m = expand('output.mean', mean ?? [0], channels);
  const s = expand('output.std', std ?? [1], channels);
  return m.map((mc, c) => {
    const sc = s[c] as number;
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - mc) / sc;
    return table;
  });
}

function expand(name: string, values: readonly number[], channels: number): number[] {
  if (values.length !== 1 && values.length !== channels) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `${name} needs 1 or ${channels} values, got ${values.length}.`, {
      details: { option: name, value: values },
    });
  }
  const isStd = name === 'output.std';
  if (values.some((v) => !Number.isFinite(v) || (isStd && v === 0))) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `${name} must hold finite numbers${isStd ? ' other than 0' : ''}, got ${JSON.stringify(values)}.`, {
      details: { option: name, value: values },
    });
  }
  return Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c] as number);
}
