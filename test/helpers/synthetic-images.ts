/**
 * Synthetic pixels and hand-built batches for the built-in model tests: flat colours, gradients,
 * checkerboards, seeded noise, smooth "natural" images, shifts and blurs. Everything is deterministic.
 *
 * @example
 * ```ts
 * const model = statsModel();
 * const [out] = await model.run(batchOf(model.input, [{ data: flat(model.input, 255) }]));
 * ```
 */
import type { ModelBatch, ModelInput } from '../../src/models/types.ts';

/** Width, height and pixel format of an image. */
export type Size = Pick<ModelInput, 'width' | 'height' | 'pixelFormat'>;

const channelsOf = (size: Size) => (size.pixelFormat === 'gray' ? 1 : 3);

/**
 * An image from a function of (x, y, channel), clamped and rounded to bytes.
 *
 * @example
 * ```ts
 * const ramp = image({ width: 8, height: 8, pixelFormat: 'gray' }, (x) => x * 32);
 * ```
 */
export function image(size: Size, value: (x: number, y: number, c: number) => number): Uint8Array {
  const c = channelsOf(size);
  const out = new Uint8Array(size.width * size.height * c);
  for (let y = 0, i = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) for (let k = 0; k < c; k++, i++) out[i] = Math.max(0, Math.min(255, Math.round(value(x, y, k))));
  }
  return out;
}

/**
 * A flat image: one grey level, or an `[r, g, b]` colour.
 *
 * @example
 * ```ts
 * const red = flat({ width: 4, height: 4, pixelFormat: 'rgb24' }, [255, 0, 0]);
 * ```
 */
export function flat(size: Size, colour: number | readonly [number, number, number]): Uint8Array {
  return image(size, (_x, _y, c) => (typeof colour === 'number' ? colour : (colour[c] as number)));
}

/**
 * A checkerboard of `cell`-pixel squares alternating between levels `a` and `b`.
 *
 * @example
 * ```ts
 * const board = checkerboard({ width: 32, height: 32, pixelFormat: 'gray' }, 1);
 * ```
 */
export function checkerboard(size: Size, cell: number, a = 0, b = 255): Uint8Array {
  return image(size, (x, y) => ((Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? a : b));
}

/**
 * Uniform noise from a seeded xorshift32, the same for the same seed.
 *
 * @example
 * ```ts
 * const n = noise({ width: 16, height: 16, pixelFormat: 'gray' }, 7);
 * ```
 */
export function noise(size: Size, seed: number, low = 0, high = 255): Uint8Array {
  let s = seed >>> 0 || 1;
  return image(size, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return low + (s / 0x1_0000_0000) * (high - low);
  });
}

/**
 * A smooth, photo-like image: a sum of a few seeded low-frequency waves per channel, 30–225.
 *
 * @example
 * ```ts
 * const a = smooth({ width: 32, height: 32, pixelFormat: 'gray' }, 1);
 * ```
 */
export function smooth(size: Size, seed: number): Uint8Array {
  const waves = Array.from({ length: 4 }, (_, k) => {
    const r = (n: number) => (((Math.sin(seed * 12.9898 + k * 78.233 + n * 37.719) * 43758.5453) % 1) + 1) % 1;
    return { fx: 0.5 + r(1) * 3, fy: 0.5 + r(2) * 3, phase: r(3) * 2 * Math.PI, amp: 20 + r(4) * 30, tint: [r(5), r(6), r(7)] };
  });
  return image(size, (x, y, c) => {
    let v = 128;
    for (const w of waves)
      v +=
        w.amp *
        (0.6 + 0.4 * (w.tint[c] as number)) *
        Math.sin((2 * Math.PI * (w.fx * x)) / size.width + (2 * Math.PI * (w.fy * y)) / size.height + w.phase);
    return Math.max(30, Math.min(225, v));
  });
}

/**
 * The image moved right by `dx` and down by `dy` pixels, edge pixels repeated.
 *
 * @example
 * ```ts
 * const moved = shift(size, picture, 3, 0);
 * ```
 */
export function shift(size: Size, pixels: Uint8Array, dx: number, dy: number): Uint8Array {
  const c = channelsOf(size);
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n - 1, v));
  return image(size, (x, y, k) => pixels[(clamp(y - dy, size.height) * size.width + clamp(x - dx, size.width)) * c + k] as number);
}

/**
 * A 3 × 3 box blur (edges clamped).
 *
 * @example
 * ```ts
 * const soft = blur(size, picture);
 * ```
 */
export function blur(size: Size, pixels: Uint8Array): Uint8Array {
  const c = channelsOf(size);
  const at = (x: number, y: number, k: number) =>
    pixels[(Math.max(0, Math.min(size.height - 1, y)) * size.width + Math.max(0, Math.min(size.width - 1, x))) * c + k] as number;
  return image(size, (x, y, k) => {
    let sum = 0;
    for (let j = -1; j <= 1; j++) for (let i = -1; i <= 1; i++) sum += at(x + i, y + j, k);
    return sum / 9;
  });
}

/**
 * Every value plus `delta`, clamped to 0–255.
 *
 * @example
 * ```ts
 * const brighter = offset(picture, 10);
 * ```
 */
export function offset(pixels: Uint8Array, delta: number): Uint8Array {
  return pixels.map((v) => Math.max(0, Math.min(255, v + delta)));
}

/** One frame of a hand-built batch: its pixels, and optionally its source and time. */
export interface SyntheticFrame {
  data: Uint8Array;
  source?: string;
  ptsSeconds?: number;
}

/**
 * A {@link ModelBatch} in the form `input` declares (hwc uint8), frames back to back. Frames default to
 * source `'a'` and `ptsSeconds` = their position in the batch.
 *
 * @example
 * ```ts
 * const batch = batchOf(model.input, [{ data: a, source: 'cam1', ptsSeconds: 0 }, { data: b, source: 'cam2', ptsSeconds: 0 }]);
 * ```
 */
export function batchOf(input: ModelInput, frames: readonly SyntheticFrame[]): ModelBatch {
  const c = input.pixelFormat === 'gray' ? 1 : 3;
  const size = input.width * input.height * c;
  const data = new Uint8Array(frames.length * size);
  frames.forEach((f, i) => {
    if (f.data.length !== size) throw new Error(`frame ${i} has ${f.data.length} values, expected ${size}`);
    data.set(f.data, i * size);
  });
  return {
    frames: frames.map((f, i) => ({
      index: i,
      ptsSeconds: f.ptsSeconds ?? i,
      durationSeconds: null,
      keyframe: false,
      decodedAtMs: 0,
      source: f.source ?? 'a',
    })),
    shape: [frames.length, input.height, input.width, c],
    format: input.pixelFormat ?? 'rgb24',
    layout: 'hwc',
    dtype: 'uint8',
    data,
  };
}

/**
 * The input size of a model, for the image makers.
 *
 * @example
 * ```ts
 * const red = flat(sizeOf(model), [255, 0, 0]);
 * ```
 */
export function sizeOf(model: { input: ModelInput }): Size {
  return { width: model.input.width, height: model.input.height, pixelFormat: model.input.pixelFormat ?? 'rgb24' };
}
