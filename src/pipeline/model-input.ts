/**
 * Derives the frame engine's output options from a model's declared input — the one place preprocessing
 * for models is decided, so adapters never repeat it.
 */
import { FramepipeError } from '../core/errors.ts';
import type { OutputOptions, VideoInfo } from '../core/types.ts';
import type { ModelInput } from '../models/types.ts';

/**
 * Output options that turn frames of a video shaped like `info` into the model's declared input.
 * `shortestEdge` (CLIP-style "resize the short side, then centre-crop") becomes a centred crop box in the
 * displayed frame followed by a resize, which is the same picture without resizing twice.
 *
 * @example
 * ```ts
 * outputForModel({ width: 224, height: 224, shortestEdge: 256 }, { width: 1920, height: 1080 });
 * // → { crop: { x: 539, y: 134, width: 842, height: 812 }… width: 224, height: 224, fit: 'fill', … }
 * ```
 */
export function outputForModel(input: ModelInput, info: Pick<VideoInfo, 'width' | 'height'>): OutputOptions {
  const base: OutputOptions = {
    width: input.width,
    height: input.height,
    fit: input.fit ?? 'cover',
    pixelFormat: input.pixelFormat ?? 'rgb24',
    layout: input.layout ?? 'chw',
    dtype: input.dtype ?? 'float32',
  };
  if (input.mean) base.mean = input.mean;
  if (input.std) base.std = input.std;
  const edge = input.shortestEdge;
  if (edge === undefined || (edge === Math.min(input.width, input.height) && (input.fit ?? 'cover') === 'cover')) return base;
  if (!Number.isFinite(edge) || edge < Math.max(input.width, input.height)) {
    throw new FramepipeError('ERR_MODEL_INPUT_MISMATCH', `Model input shortestEdge ${edge} is smaller than its ${input.width}x${input.height} crop; it must be at least the crop size.`, {
      details: { shortestEdge: edge, width: input.width, height: input.height },
    });
  }
  // The crop of width×height out of a frame whose short side is `edge`, expressed in displayed pixels.
  const scale = Math.min(info.width, info.height) / edge;
  const w = Math.min(info.width, Math.max(1, Math.round(input.width * scale)));
  const h = Math.min(info.height, Math.max(1, Math.round(input.height * scale)));
  const crop = { x: Math.floor((info.width - w) / 2), y: Math.floor((info.height - h) / 2), width: w, height: h };
  return { ...base, crop, fit: 'fill' };
}
