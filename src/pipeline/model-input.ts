/**
 * Derives the frame engine's output options from a model's declared input — the one place preprocessing
 * for models is decided, so adapters never repeat it.
 */
import type { OutputOptions } from '../core/types.ts';
import type { ModelInput } from '../models/types.ts';

/**
 * Output options that turn frames into the model's declared input.
 * `shortestEdge` (CLIP-style "resize the short side, then centre-crop") is passed on: the filter graph resizes
 * and crops with the same rounding as Hugging Face image processors.
 *
 * @example
 * ```ts
 * outputForModel({ width: 224, height: 224, shortestEdge: 256 });
 * // → { width: 224, height: 224, fit: 'cover', shortestEdge: 256, pixelFormat: 'rgb24', layout: 'chw', dtype: 'float32' }
 * ```
 */
export function outputForModel(input: ModelInput): OutputOptions {
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
  if (input.shortestEdge !== undefined && input.shortestEdge !== Math.max(input.width, input.height)) base.shortestEdge = input.shortestEdge;
  return base;
}
