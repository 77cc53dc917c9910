/**
 * Derives the FFmpeg filter graph (rotate → crop → resize/fit → pixel format) that turns decoded frames
 * into the requested output. Pure: the decode worker runs the description it returns.
 */
import { FramepipeError } from '../core/errors.ts';
import type { Fit, Layout, OutputOptions, PixelFormat } from '../core/types.ts';

/** The displayed geometry of the input. */
export interface InputGeometry {
  /** Displayed width (rotation applied). */
  width: number;
  /** Displayed height (rotation applied). */
  height: number;
  /** Clockwise rotation to apply to coded frames. */
  rotation: 0 | 90 | 180 | 270;
}

/** The filter description and what comes out of it. */
export interface FilterPlan {
  /** FFmpeg filter chain, e.g. `transpose=clock,scale=224:224:…,format=rgb24`. */
  description: string;
  width: number;
  height: number;
  channels: number;
  format: PixelFormat;
  layout: Layout;
}

const CHANNELS: Record<PixelFormat, number> = { rgb24: 3, bgr24: 3, gray: 1, rgba: 4 };
const MAX_SIDE = 16384;

/** Number of channels of a pixel format. */
export function channelsOf(format: PixelFormat): number {
  return CHANNELS[format];
}

/**
 * Builds the filter chain for `output` given the input geometry.
 *
 * @example
 * ```ts
 * planFilterGraph({ width: 1920, height: 1080, rotation: 0 }, { width: 224, height: 224, fit: 'cover' });
 * // → scale=224:224:force_original_aspect_ratio=increase…,crop=224:224,format=rgb24
 * ```
 */
export function planFilterGraph(input: InputGeometry, output: OutputOptions = {}): FilterPlan {
  const format = output.pixelFormat ?? 'rgb24';
  const layout = output.layout ?? 'hwc';
  const steps: string[] = [...rotationSteps(input.rotation)];
  let width = input.width;
  let height = input.height;
  if (output.crop) {
    const c = checkCrop(output.crop, width, height);
    steps.push(`crop=${c.width}:${c.height}:${c.x}:${c.y}`);
    width = c.width;
    height = c.height;
  }
  const target = targetSize(width, height, output.width, output.height);
  if (target.width !== width || target.height !== height || output.shortestEdge !== undefined) {
    const fit = output.fit ?? 'fill';
    steps.push(...(fit === 'cover' ? coverSteps(width, height, target.width, target.height, output.shortestEdge) : fitSteps(fit, target.width, target.height, output.padColor ?? 'black')));
  } else {
    // Still convert the range explicitly: RGB output is full range whatever the source's range is.
    steps.push('scale=out_range=full');
  }
  // Always packed: CHW is a transpose of exactly these bytes (FFmpeg's planar RGB paths round differently).
  steps.push(`format=${format}`);
  return { description: steps.join(','), width: target.width, height: target.height, channels: CHANNELS[format], format, layout };
}

function rotationSteps(rotation: 0 | 90 | 180 | 270): string[] {
  if (rotation === 90) return ['transpose=clock'];
  if (rotation === 270) return ['transpose=cclock'];
  if (rotation === 180) return ['hflip', 'vflip'];
  return [];
}

function checkCrop(crop: NonNullable<OutputOptions['crop']>, width: number, height: number) {
  const { x, y, width: w, height: h } = crop;
  const ints = [x, y, w, h].every((v) => Number.isInteger(v));
  if (!ints || x < 0 || y < 0 || w < 1 || h < 1 || x + w > width || y + h > height) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `output.crop ${JSON.stringify(crop)} does not fit inside the ${width}x${height} displayed frame; use integers with x+width ≤ ${width} and y+height ≤ ${height}.`,
      { details: { option: 'output.crop', value: crop } },
    );
  }
  return crop;
}

function targetSize(width: number, height: number, w?: number, h?: number): { width: number; height: number } {
  for (const [name, v] of [['output.width', w], ['output.height', h]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > MAX_SIDE)) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', `${name} must be an integer from 1 to ${MAX_SIDE}, got ${v}.`, {
        details: { option: name, value: v },
      });
    }
  }
  if (w !== undefined && h !== undefined) return { width: w, height: h };
  if (w !== undefined) return { width: w, height: Math.max(1, Math.round((height * w) / width)) };
  if (h !== undefined) return { width: Math.max(1, Math.round((width * h) / height)), height: h };
  return { width, height };
}

/**
 * Scale so the picture covers w×h (or so its short side is `shortestEdge`), then centre-crop. Sizes round
 * down and the crop offset is floor((scaled − crop) / 2), exactly as Hugging Face image processors do, so
 * model inputs match the Python preprocessing pixel for pixel up to the resampling kernel.
 */
export function coverSteps(inW: number, inH: number, w: number, h: number, shortestEdge?: number): string[] {
  if (shortestEdge !== undefined && (!Number.isInteger(shortestEdge) || shortestEdge < Math.max(w, h) || shortestEdge > MAX_SIDE)) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `output.shortestEdge must be an integer from ${Math.max(w, h)} (the crop size) to ${MAX_SIDE}, got ${shortestEdge}.`, {
      details: { option: 'output.shortestEdge', value: shortestEdge },
    });
  }
  let sw: number;
  let sh: number;
  if (shortestEdge !== undefined) {
    const portrait = inW <= inH;
    sw = portrait ? shortestEdge : Math.floor((shortestEdge * inW) / inH);
    sh = portrait ? Math.floor((shortestEdge * inH) / inW) : shortestEdge;
  } else if (w / inW >= h / inH) {
    sw = w;
    sh = Math.max(h, Math.floor((inH * w) / inW));
  } else {
    sh = h;
    sw = Math.max(w, Math.floor((inW * h) / inH));
  }
  const steps = [`scale=${sw}:${sh}:out_range=full`];
  if (sw !== w || sh !== h) steps.push(`crop=${w}:${h}:${Math.floor((sw - w) / 2)}:${Math.floor((sh - h) / 2)}`);
  return steps;
}

function fitSteps(fit: Fit, w: number, h: number, pad: string): string[] {
  const scale = `scale=${w}:${h}:out_range=full`;
  if (fit === 'fill' || fit === 'cover') return [scale];
  if (!/^[#\w]+$/.test(pad)) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `output.padColor "${pad}" is not a colour; use #rrggbb or a name like black.`, {
      details: { option: 'output.padColor', value: pad },
    });
  }
  return [`${scale}:force_original_aspect_ratio=decrease`, `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${pad}`];
}
