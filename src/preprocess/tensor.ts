/**
 * Writes filter-graph output into the delivered tensor: plane reordering for CHW and the uint8 → float32
 * scaling with mean/std. Pure and allocation-free per frame: tables are built once per run.
 */
import { FramepipeError } from '../core/errors.ts';
import type { DType, OutputOptions } from '../core/types.ts';
import type { FilterPlan } from './filter-graph.ts';

/** Converts one frame's bytes from the filter graph into a slot of a destination tensor. */
export interface TensorWriter {
  readonly dtype: DType;
  /** Elements per frame. */
  readonly frameElements: number;
  /** Writes `source` (the filter graph's bytes) into `dest` starting at element `offset`. */
  write(source: Uint8Array, dest: Uint8Array | Float32Array, offset: number): void;
}

// FFmpeg's planar RGB formats store planes as G, B, R (, A).
const PLANE_ORDER: Record<string, number[]> = {
  rgb24: [2, 0, 1],
  bgr24: [1, 0, 2],
  rgba: [2, 0, 1, 3],
  gray: [0],
};

/**
 * Builds a writer for `plan` and the value options of `output`.
 *
 * @example
 * ```ts
 * const writer = createTensorWriter(plan, { dtype: 'float32', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
 * const out = new Float32Array(writer.frameElements);
 * writer.write(bytes, out, 0);
 * ```
 */
export function createTensorWriter(plan: FilterPlan, output: OutputOptions = {}): TensorWriter {
  const dtype = output.dtype ?? 'uint8';
  const planeSize = plan.width * plan.height;
  const frameElements = planeSize * plan.channels;
  const order = plan.planar ? (PLANE_ORDER[plan.format] ?? [0]) : null;
  if (dtype === 'uint8') {
    if (output.mean || output.std) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', 'output.mean/std need dtype float32; set output.dtype to "float32".', {
        details: { option: 'output.mean' },
      });
    }
    return { dtype, frameElements, write: (src, dest, offset) => copyPlanes(src, dest as Uint8Array, offset, order, planeSize) };
  }
  const tables = normalisationTables(plan.channels, output.mean, output.std);
  const write = order
    ? (src: Uint8Array, dest: Uint8Array | Float32Array, offset: number) => floatPlanar(src, dest as Float32Array, offset, order, planeSize, tables)
    : (src: Uint8Array, dest: Uint8Array | Float32Array, offset: number) => floatPacked(src, dest as Float32Array, offset, tables);
  return { dtype, frameElements, write };
}

function copyPlanes(src: Uint8Array, dest: Uint8Array, offset: number, order: number[] | null, planeSize: number): void {
  if (!order) {
    dest.set(src, offset);
    return;
  }
  for (let c = 0; c < order.length; c++) {
    const from = (order[c] as number) * planeSize;
    dest.set(src.subarray(from, from + planeSize), offset + c * planeSize);
  }
}

function floatPacked(src: Uint8Array, dest: Float32Array, offset: number, tables: Float32Array[]): void {
  const channels = tables.length;
  for (let c = 0; c < channels; c++) {
    const table = tables[c] as Float32Array;
    for (let i = c; i < src.length; i += channels) dest[offset + i] = table[src[i] as number] as number;
  }
}

function floatPlanar(src: Uint8Array, dest: Float32Array, offset: number, order: number[], planeSize: number, tables: Float32Array[]): void {
  for (let c = 0; c < order.length; c++) {
    const table = tables[c] as Float32Array;
    const from = (order[c] as number) * planeSize;
    const to = offset + c * planeSize;
    for (let i = 0; i < planeSize; i++) dest[to + i] = table[src[from + i] as number] as number;
  }
}

/** One 256-entry lookup table per channel: (v / 255 - mean) / std. */
export function normalisationTables(channels: number, mean?: readonly number[], std?: readonly number[]): Float32Array[] {
  const m = expand('output.mean', mean ?? [0], channels, 0);
  const s = expand('output.std', std ?? [1], channels, 1);
  return m.map((mc, c) => {
    const sc = s[c] as number;
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - mc) / sc;
    return table;
  });
}

function expand(name: string, values: readonly number[], channels: number, fallback: number): number[] {
  if (values.length !== 1 && values.length !== channels) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `${name} needs 1 or ${channels} values, got ${values.length}.`, {
      details: { option: name, value: values },
    });
  }
  if (values.some((v) => !Number.isFinite(v)) || (name === 'output.std' && values.some((v) => v === 0))) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `${name} must hold finite numbers${name === 'output.std' ? ' other than 0' : ''}, got ${JSON.stringify(values)}.`, {
      details: { option: name, value: values },
    });
  }
  return Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c] ?? fallback);
}
