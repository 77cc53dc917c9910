/**
 * `builtin:stats`: cheap image-quality numbers per frame (exposure, contrast, focus), for filtering dark,
 * flat or blurred frames.
 */
import type { Model } from '../types.ts';
import { type BuiltinInput, checkBatch, modelId, type NumberSpec, readNumberOptions } from './common.ts';

/**
 * One frame's statistics, all on the grey (luma) image at the model's input size.
 *
 * @example
 * ```ts
 * const [{ brightness, contrast, sharpness }] = await statsModel().run(batch);
 * ```
 */
export interface FrameStats {
  /** Mean grey level scaled to 0–1: 0 black, 1 white. */
  brightness: number;
  /** RMS contrast: standard deviation of grey levels scaled to 0–1, so 0 (flat) to 0.5 (half black, half white). */
  contrast: number;
  /**
   * Variance of the Laplacian (kernel `[0 1 0; 1 −4 1; 0 1 0]` on grey levels 0–255, inner pixels only), as
   * OpenCV's `Laplacian(grey).var()` blur measure: 0 for a flat image, tens for a soft one, thousands for
   * crisp detail, about 1 000 000 for a 1-pixel black/white checkerboard. It depends on the input size, so
   * compare values from the same model options.
   */
  sharpness: number;
}

/**
 * Options of {@link statsModel}.
 *
 * @example
 * ```ts
 * const model = statsModel({ width: 320, height: 180 });
 * ```
 */
export interface StatsOptions {
  /** Input width in pixels (frames are stretched to it). Integer 3–4096, default 256. */
  width?: number;
  /** Input height in pixels. Integer 3–4096, default 144. */
  height?: number;
}

const SPECS = {
  width: { default: 256, min: 3, max: 4096, integer: true },
  height: { default: 144, min: 3, max: 4096, integer: true },
} satisfies Record<keyof StatsOptions, NumberSpec>;

/**
 * A model giving each frame's {@link FrameStats}: brightness, RMS contrast and Laplacian-variance sharpness,
 * computed on grey frames stretched to 256 × 144 by default. One pass over the pixels per measure.
 *
 * @example
 * ```ts
 * const model = statsModel();
 * const dark = (await model.run(batch)).map((s, i) => s.brightness < 0.1 ? batch.frames[i] : null);
 * ```
 */
export function statsModel(options?: StatsOptions): Model<FrameStats> {
  const o = readNumberOptions('builtin:stats', options, SPECS);
  const id = modelId('stats', o, SPECS);
  const input: BuiltinInput = { width: o.width, height: o.height, fit: 'fill', pixelFormat: 'gray', layout: 'hwc', dtype: 'uint8' };
  return {
    id,
    input,
    async run(batch, signal) {
      const { data, frameElements } = checkBatch(id, input, batch, signal);
      return batch.frames.map((_, i) => frameStats(data, i * frameElements, o.width, o.height));
    },
  };
}

function frameStats(grey: Uint8Array, offset: number, width: number, height: number): FrameStats {
  const pixels = width * height;
  let sum = 0;
  let squares = 0;
  for (let i = offset, end = offset + pixels; i < end; i++) {
    const g = grey[i] as number;
    sum += g;
    squares += g * g;
  }
  const mean = sum / pixels;
  const variance = Math.max(0, squares / pixels - mean * mean);
  return { brightness: mean / 255, contrast: Math.sqrt(variance) / 255, sharpness: laplacianVariance(grey, offset, width, height) };
}

function laplacianVariance(grey: Uint8Array, offset: number, width: number, height: number): number {
  let sum = 0;
  let squares = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = offset + y * width;
    for (let i = row + 1, end = row + width - 1; i < end; i++) {
      const l =
        (grey[i - width] as number) +
        (grey[i + width] as number) +
        (grey[i - 1] as number) +
        (grey[i + 1] as number) -
        4 * (grey[i] as number);
      sum += l;
      squares += l * l;
    }
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  return Math.max(0, squares / n - mean * mean);
}
