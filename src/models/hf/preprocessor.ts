/**
 * Derives a model's declared input from its Hugging Face `preprocessor_config.json`, so the frame engine
 * does the resize, crop, rescale and normalisation the Python processor would. Pure.
 */
import { FramepipeError } from '../../core/errors.ts';
import type { ModelInput } from '../types.ts';

/** The fields of `preprocessor_config.json` that decide an image model's input. */
export interface PreprocessorConfig {
  do_resize?: boolean;
  size?: number | { shortest_edge?: number; longest_edge?: number; height?: number; width?: number };
  do_center_crop?: boolean;
  crop_size?: number | { height?: number; width?: number };
  crop_pct?: number | null;
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number | number[];
  image_std?: number | number[];
  do_convert_rgb?: boolean;
  do_flip_channel_order?: boolean;
  [key: string]: unknown;
}

/**
 * The declared input equivalent to a Hugging Face image processor config: resize (shortest edge or fixed
 * size), centre crop, rescale and normalise, RGB, CHW, float32. Configs this cannot express exactly (no
 * resize, a longest-edge limit, padding) → ERR_MODEL_INVALID naming the field; pass an explicit `input`
 * to the model factory instead.
 *
 * @example
 * ```ts
 * inputFromPreprocessorConfig({ size: { shortest_edge: 224 }, crop_size: { height: 224, width: 224 }, do_center_crop: true,
 *   image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711] });
 * // → { width: 224, height: 224, fit: 'cover', shortestEdge: 224, pixelFormat: 'rgb24', layout: 'chw', dtype: 'float32', mean: […], std: […] }
 * ```
 */
export function inputFromPreprocessorConfig(config: PreprocessorConfig, source = 'preprocessor_config.json'): ModelInput {
  const unsupported = (field: string, value: unknown, why: string): never => {
    throw new FramepipeError(
      'ERR_MODEL_INVALID',
      `${source}: ${field} = ${JSON.stringify(value)} ${why}; pass an explicit input (width, height, fit, mean, std) to the model factory.`,
      {
        details: { source, field, value },
      },
    );
  };
  if (config.do_resize === false) unsupported('do_resize', false, 'keeps every image at its own size, which a batch cannot');
  const geometry = resizeAndCrop(config, unsupported);
  return {
    ...geometry,
    pixelFormat: config.do_flip_channel_order ? 'bgr24' : 'rgb24',
    layout: 'chw',
    dtype: 'float32',
    ...normalisation(config, unsupported),
  };
}

type Unsupported = (field: string, value: unknown, why: string) => never;

function resizeAndCrop(
  config: PreprocessorConfig,
  unsupported: Unsupported,
): Pick<ModelInput, 'width' | 'height' | 'fit' | 'shortestEdge'> {
  const size = typeof config.size === 'number' ? { shortest_edge: config.size } : config.size;
  if (!size) return unsupported('size', config.size, 'is missing');
  const crop = typeof config.crop_size === 'number' ? { height: config.crop_size, width: config.crop_size } : config.crop_size;
  const doCrop = config.do_center_crop ?? crop !== undefined;
  if (size.shortest_edge !== undefined) {
    if (size.longest_edge !== undefined) unsupported('size', size, 'limits the longest edge as well, which gives every image its own size');
    const edge = size.shortest_edge;
    // ConvNeXt-style processors: resize the short side to edge / crop_pct, then crop edge×edge; from 384 up, warp.
    if (config.crop_pct && !doCrop) {
      if (edge >= 384) return { width: edge, height: edge, fit: 'fill' };
      return { width: edge, height: edge, fit: 'cover', shortestEdge: Math.trunc(edge / config.crop_pct) };
    }
    if (!doCrop)
      unsupported('do_center_crop', config.do_center_crop ?? null, 'is off with a shortest_edge resize, which keeps each aspect ratio');
    const width = crop?.width ?? edge;
    const height = crop?.height ?? edge;
    if (edge < Math.max(width, height))
      unsupported('crop_size', crop, `is larger than the ${edge}-pixel short side, so the processor would pad`);
    return { width, height, fit: 'cover', shortestEdge: edge };
  }
  if (size.height === undefined || size.width === undefined)
    return unsupported('size', size, 'names neither shortest_edge nor height and width');
  if (doCrop && crop && (crop.width !== size.width || crop.height !== size.height)) {
    unsupported('crop_size', crop, `differs from a fixed resize to ${size.width}x${size.height}, which the frame engine does not chain`);
  }
  return { width: size.width, height: size.height, fit: 'fill' };
}

function normalisation(config: PreprocessorConfig, unsupported: Unsupported): Pick<ModelInput, 'mean' | 'std'> {
  // The frame engine computes (v/255 - mean) / std. The processor computes (v*r - m) / s with r the rescale
  // factor (1 when off): the same thing with mean = m / (255 r) and std = s / (255 r).
  const r = config.do_rescale === false ? 1 : (config.rescale_factor ?? 1 / 255);
  if (!(r > 0)) unsupported('rescale_factor', config.rescale_factor, 'must be positive');
  const k = Math.abs(255 * r - 1) < 1e-9 ? 1 : 255 * r;
  const normalise = config.do_normalize ?? true;
  const m = normalise ? triple('image_mean', config.image_mean, unsupported) : [0, 0, 0];
  const s = normalise ? triple('image_std', config.image_std, unsupported) : [1, 1, 1];
  const identity = Math.abs(k - 1) < 1e-9 && m.every((v) => v === 0) && s.every((v) => v === 1);
  if (identity) return {};
  return { mean: m.map((v) => v / k), std: s.map((v) => v / k) };
}

function triple(field: string, value: number | number[] | undefined, unsupported: Unsupported): number[] {
  if (typeof value === 'number') return [value, value, value];
  if (Array.isArray(value) && value.length === 3 && value.every((v) => Number.isFinite(v))) return value;
  return unsupported(field, value, 'must be 3 numbers (or one) when do_normalize is on');
}
