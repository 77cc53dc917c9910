/**
 * `builtin:histogram`: a joint HSV colour histogram as an embedding for similarity search. Weight-free, so
 * it works offline; it captures colour distribution, not layout or objects.
 */
import type { Model } from '../types.ts';
import { type BuiltinInput, checkBatch, modelId, type NumberSpec, readNumberOptions } from './common.ts';
import { HUE_STEPS, hsvOf } from './hsv.ts';

/**
 * Options of {@link histogramModel}.
 *
 * @example
 * ```ts
 * const model = histogramModel({ hueBins: 16 }); // 16 × 4 × 4 = 256 dimensions
 * ```
 */
export interface HistogramOptions {
  /** Hue bins around the colour circle, centred on red (0°). Integer 1–64, default 8. */
  hueBins?: number;
  /** Saturation bins over 0–255. Integer 1–16, default 4. */
  saturationBins?: number;
  /** Value (brightness) bins over 0–255. Integer 1–16, default 4. */
  valueBins?: number;
  /** Input width in pixels (frames are stretched to it). Integer 8–1024, default 64. */
  width?: number;
  /** Input height in pixels. Integer 8–1024, default 64. */
  height?: number;
}

const SPECS = {
  hueBins: { default: 8, min: 1, max: 64, integer: true },
  saturationBins: { default: 4, min: 1, max: 16, integer: true },
  valueBins: { default: 4, min: 1, max: 16, integer: true },
  width: { default: 64, min: 8, max: 1024, integer: true },
  height: { default: 64, min: 8, max: 1024, integer: true },
} satisfies Record<keyof HistogramOptions, NumberSpec>;

/** Per-channel bin tables: hue (0–179), saturation and value (0–255) to their bin numbers. */
interface BinTables {
  hue: Uint8Array;
  saturation: Uint8Array;
  value: Uint8Array;
}

function binTables(hueBins: number, saturationBins: number, valueBins: number): BinTables {
  // Hue bins are shifted by half a bin so that red (hue 0) sits in the middle of bin 0, not on its edge.
  const half = HUE_STEPS / (2 * hueBins);
  const hue = Uint8Array.from({ length: HUE_STEPS }, (_, h) => Math.floor(((h + half) * hueBins) / HUE_STEPS) % hueBins);
  const saturation = Uint8Array.from({ length: 256 }, (_, s) => Math.floor((s * saturationBins) / 256));
  const value = Uint8Array.from({ length: 256 }, (_, v) => Math.floor((v * valueBins) / 256));
  return { hue, saturation, value };
}

/**
 * A colour histogram embedding model: each frame becomes a `Float32Array` of `hueBins × saturationBins ×
 * valueBins` (default 8 × 4 × 4 = 128) joint HSV bin frequencies, index `(h × S + s) × V + v`. Pixels in the
 * darkest value bin count as (h 0, s 0) and pixels in the least saturated bin as hue 0, since their hue
 * (and, when dark, saturation) is noise. The vector holds the square roots of the L1-normalised counts, so
 * it has unit L2 norm: dot product = Bhattacharyya coefficient (1 for identical colour distributions), and
 * squared L2 distance = 2 − 2 × that — cosine or L2 search in a vector store both rank by colour similarity.
 *
 * @example
 * ```ts
 * const model = histogramModel();
 * const [a, b] = await model.run(batch); // two frames
 * const similarity = a.reduce((sum, x, i) => sum + x * (b[i] as number), 0); // 0…1
 * ```
 */
export function histogramModel(options?: HistogramOptions): Model<Float32Array> {
  const o = readNumberOptions('builtin:histogram', options, SPECS);
  const id = modelId('histogram', o, SPECS);
  const input: BuiltinInput = { width: o.width, height: o.height, fit: 'fill', pixelFormat: 'rgb24', layout: 'hwc', dtype: 'uint8' };
  const tables = binTables(o.hueBins, o.saturationBins, o.valueBins);
  const dims = o.hueBins * o.saturationBins * o.valueBins;
  const counts = new Uint32Array(dims);
  return {
    id,
    input,
    async run(batch, signal) {
      const { data, frameElements } = checkBatch(id, input, batch, signal);
      return batch.frames.map((_, i) => {
        countBins(data, i * frameElements, frameElements, tables, o.saturationBins, o.valueBins, counts);
        return hellinger(counts, frameElements / 3);
      });
    },
  };
}

function countBins(
  rgb: Uint8Array,
  offset: number,
  length: number,
  tables: BinTables,
  sBins: number,
  vBins: number,
  counts: Uint32Array,
): void {
  counts.fill(0);
  const { hue, saturation, value } = tables;
  const collapseDark = vBins > 1;
  const collapseGrey = sBins > 1;
  for (let j = offset, end = offset + length; j < end; j += 3) {
    const packed = hsvOf(rgb[j] as number, rgb[j + 1] as number, rgb[j + 2] as number);
    const v = value[packed & 255] as number;
    let s = saturation[(packed >> 8) & 255] as number;
    let h = hue[packed >> 16] as number;
    if (collapseDark && v === 0) h = s = 0;
    else if (collapseGrey && s === 0) h = 0;
    const bin = (h * sBins + s) * vBins + v;
    counts[bin] = (counts[bin] as number) + 1;
  }
}

function hellinger(counts: Uint32Array, pixels: number): Float32Array {
  const out = new Float32Array(counts.length);
  const inv = 1 / pixels;
  for (let k = 0; k < counts.length; k++) out[k] = Math.sqrt((counts[k] as number) * inv);
  return out;
}
