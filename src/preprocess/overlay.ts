/**
 * Drawing on packed HWC uint8 images (rgb24 or rgba) in place: boxes, filled rectangles, polylines, text
 * and labelled detections. Pure TypeScript, no native code, so a process hook can draw in any thread.
 * Every primitive clips to the image: shapes partly or wholly outside are drawn where they overlap and
 * nothing is ever written out of bounds. Coordinates are image pixels; fractions are rounded.
 */
import { FramepipeError } from '../core/errors.ts';
import type { Frame } from '../core/types.ts';
import { CELL_WIDTH, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel, measureText } from './font.ts';

/** A colour as `[r, g, b]` (0–255 each) or `#rrggbb` / `#rgb`. */
export type Color = readonly [number, number, number] | string;

/** An image to draw on: `height*width*channels` bytes, rows top to bottom, channels R, G, B (, A). */
export interface OverlayImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** 3 for rgb24, 4 for rgba (drawn pixels get alpha 255). */
  channels: 3 | 4;
}

/** An axis-aligned rectangle in image pixels: top-left corner and size. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point in image pixels, as `[x, y]` or `{ x, y }`. */
export type Point = readonly [number, number] | { readonly x: number; readonly y: number };

/** How lines are stroked. */
export interface StrokeOptions {
  /** Line colour. Default `#00ff00`. */
  color?: Color;
  /** Line width in pixels. Default 2. */
  thickness?: number;
}

/** Options for {@link drawPolyline}. */
export interface PolylineOptions extends StrokeOptions {
  /** Join the last point back to the first. Default false. */
  closed?: boolean;
}

/** Options for {@link drawText}. */
export interface TextOptions {
  /** Left edge of the text, in pixels. */
  x: number;
  /** Top edge of the text, in pixels. */
  y: number;
  /** Text colour. Default white. */
  color?: Color;
  /** Whole-number magnification of the 5×7 font: each font pixel becomes scale×scale. Default 1. */
  scale?: number;
  /** When set, the text's bounds plus `padding` are filled with this colour first. Default none. */
  background?: Color;
  /** Padding around the text inside the background, in pixels. Default `scale`. */
  padding?: number;
}

const DEFAULT_STROKE = '#00ff00';
const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * Normalises a {@link Color} to `[r, g, b]`; throws ERR_INVALID_OPTIONS for anything else.
 *
 * @example
 * ```ts
 * parseColor('#ff8000'); // [255, 128, 0]
 * parseColor([0, 0, 255]); // [0, 0, 255]
 * ```
 */
export function parseColor(color: Color): [number, number, number] {
  if (typeof color === 'string') {
    if (!HEX.test(color)) throw badColor(color);
    const hex = color.length === 4 ? [...color.slice(1)].map((c) => c + c).join('') : color.slice(1);
    return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
  }
  if (color.length !== 3 || !color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) throw badColor(color);
  return [color[0], color[1], color[2]];
}

function badColor(color: unknown): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', `Invalid colour ${JSON.stringify(color)}; use "#rrggbb" or [r, g, b] with whole numbers 0–255.`, {
    details: { option: 'color', value: color },
  });
}

/**
 * Views a delivered rgb24 or rgba frame (HWC, uint8) as an {@link OverlayImage}, sharing its pixels.
 *
 * @example
 * ```ts
 * for await (const frame of video.frames()) drawBox(asImage(frame), { x: 10, y: 10, width: 50, height: 40 });
 * ```
 */
export function asImage(frame: Pick<Frame, 'data' | 'width' | 'height' | 'format' | 'layout'>): OverlayImage {
  if (!(frame.data instanceof Uint8Array) || frame.layout !== 'hwc' || (frame.format !== 'rgb24' && frame.format !== 'rgba')) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `Overlays draw on uint8 HWC rgb24 or rgba frames, got ${frame.format} ${frame.layout} ${frame.data.constructor.name}; open the video with output { pixelFormat: 'rgb24', layout: 'hwc', dtype: 'uint8' }.`, {
      details: { format: frame.format, layout: frame.layout },
    });
  }
  return checkImage({ data: frame.data, width: frame.width, height: frame.height, channels: frame.format === 'rgba' ? 4 : 3 });
}

function checkImage(img: OverlayImage): OverlayImage {
  const needed = img.width * img.height * img.channels;
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 0 || img.height < 0 || img.data.length < needed || (img.channels !== 3 && img.channels !== 4)) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `Image of ${img.width}x${img.height}x${img.channels} needs ${needed} bytes but has ${img.data.length}; check width, height and channels (3 or 4).`, {
      details: { width: img.width, height: img.height, channels: img.channels, bytes: img.data.length },
    });
  }
  return img;
}

/** Fills the clipped integer rectangle [x0, x1) × [y0, y1) with an already parsed colour. */
function fillClipped(img: OverlayImage, x0: number, y0: number, x1: number, y1: number, rgb: readonly number[]): void {
  const left = Math.max(0, x0);
  const right = Math.min(img.width, x1);
  const top = Math.max(0, y0);
  const bottom = Math.min(img.height, y1);
  if (left >= right || top >= bottom) return;
  const { data, width, channels } = img;
  const [r, g, b] = rgb as [number, number, number];
  for (let y = top; y < bottom; y++) {
    let at = (y * width + left) * channels;
    for (let x = left; x < right; x++, at += channels) {
      data[at] = r;
      data[at + 1] = g;
      data[at + 2] = b;
      if (channels === 4) data[at + 3] = 255;
    }
  }
}

/**
 * Fills a rectangle with a solid colour, clipped to the image.
 *
 * @example
 * ```ts
 * fillRect(img, { x: 0, y: 0, width: 100, height: 20 }, '#000000');
 * ```
 */
export function fillRect(img: OverlayImage, rect: Rect, color: Color): void {
  checkImage(img);
  const x0 = Math.round(rect.x);
  const y0 = Math.round(rect.y);
  fillClipped(img, x0, y0, x0 + Math.round(rect.width), y0 + Math.round(rect.height), parseColor(color));
}

function thicknessOf(thickness: number | undefined): number {
  const t = thickness ?? 2;
  if (!Number.isFinite(t) || t < 1) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `thickness must be a number >= 1, got ${t}.`, { details: { option: 'thickness', value: t } });
  }
  return Math.round(t);
}

/**
 * Draws a rectangle's outline. The border lies inside the rectangle (a box of width 10 and thickness 2
 * colours columns x..x+1 and x+8..x+9), so the outline never covers pixels outside the detection.
 *
 * @example
 * ```ts
 * drawBox(img, { x: 40, y: 30, width: 120, height: 80 }, { color: '#ff0000', thickness: 3 });
 * ```
 */
export function drawBox(img: OverlayImage, rect: Rect, options: StrokeOptions = {}): void {
  checkImage(img);
  const rgb = parseColor(options.color ?? DEFAULT_STROKE);
  const x0 = Math.round(rect.x);
  const y0 = Math.round(rect.y);
  const x1 = x0 + Math.round(rect.width);
  const y1 = y0 + Math.round(rect.height);
  if (x1 <= x0 || y1 <= y0) return;
  const t = Math.min(thicknessOf(options.thickness), Math.ceil((x1 - x0) / 2), Math.ceil((y1 - y0) / 2));
  fillClipped(img, x0, y0, x1, y0 + t, rgb);
  fillClipped(img, x0, y1 - t, x1, y1, rgb);
  fillClipped(img, x0, y0 + t, x0 + t, y1 - t, rgb);
  fillClipped(img, x1 - t, y0 + t, x1, y1 - t, rgb);
}

function pointXY(p: Point): [number, number] {
  return 'x' in p ? [Math.round(p.x), Math.round(p.y)] : [Math.round(p[0]), Math.round(p[1])];
}

/** Bresenham from (x0, y0) to (x1, y1), stamping a t×t square centred on each step. */
function strokeSegment(img: OverlayImage, from: [number, number], to: [number, number], t: number, rgb: readonly number[]): void {
  let [x, y] = from;
  const [x1, y1] = to;
  const dx = Math.abs(x1 - x);
  const dy = -Math.abs(y1 - y);
  const sx = x < x1 ? 1 : -1;
  const sy = y < y1 ? 1 : -1;
  const before = Math.floor((t - 1) / 2);
  // A segment far outside the image still costs its length in steps; callers pass on-screen data in practice.
  let err = dx + dy;
  for (;;) {
    fillClipped(img, x - before, y - before, x - before + t, y - before + t, rgb);
    if (x === x1 && y === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/**
 * Draws connected line segments through `points` (Bresenham; thick lines by stamping a square brush).
 *
 * @example
 * ```ts
 * drawPolyline(img, [[10, 10], [60, 40], [110, 10]], { color: [255, 255, 0], thickness: 2, closed: true });
 * ```
 */
export function drawPolyline(img: OverlayImage, points: readonly Point[], options: PolylineOptions = {}): void {
  checkImage(img);
  const rgb = parseColor(options.color ?? DEFAULT_STROKE);
  const t = thicknessOf(options.thickness);
  const xy = points.map(pointXY);
  if (xy.length === 1) strokeSegment(img, xy[0] as [number, number], xy[0] as [number, number], t, rgb);
  for (let i = 1; i < xy.length; i++) strokeSegment(img, xy[i - 1] as [number, number], xy[i] as [number, number], t, rgb);
  if (options.closed && xy.length > 2) strokeSegment(img, xy[xy.length - 1] as [number, number], xy[0] as [number, number], t, rgb);
}

/**
 * Draws one line of ASCII text with the built-in 5×7 font and returns its bounds (background padding
 * included). Characters outside printable ASCII render as `?`; `\n` is not interpreted.
 *
 * @example
 * ```ts
 * const bounds = drawText(img, 'car 0.87', { x: 4, y: 4, color: '#ffffff', scale: 2, background: '#000000' });
 * ```
 */
export function drawText(img: OverlayImage, text: string, options: TextOptions): Rect {
  checkImage(img);
  const scale = Math.max(1, Math.round(options.scale ?? 1));
  const rgb = parseColor(options.color ?? '#ffffff');
  const x0 = Math.round(options.x);
  const y0 = Math.round(options.y);
  const size = measureText(text, scale);
  const pad = options.background === undefined ? 0 : Math.max(0, Math.round(options.padding ?? scale));
  const bounds = { x: x0 - pad, y: y0 - pad, width: size.width + 2 * pad, height: size.height + 2 * pad };
  if (options.background !== undefined) fillRect(img, bounds, options.background);
  for (let i = 0; i < text.length; i++) {
    const left = x0 + i * CELL_WIDTH * scale;
    if (left >= img.width) break;
    const code = text.charCodeAt(i);
    for (let col = 0; col < GLYPH_WIDTH; col++) {
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        if (!glyphPixel(code, col, row)) continue;
        const px = left + col * scale;
        const py = y0 + row * scale;
        fillClipped(img, px, py, px + scale, py + scale, rgb);
      }
    }
  }
  return bounds;
}

/** Options for {@link drawLabel} and {@link drawDetections}. */
export interface LabelOptions extends StrokeOptions {
  /** Text colour in the label bar. Default: black or white, whichever contrasts with `color`. */
  textColor?: Color;
  /** Font magnification. Default 1. */
  scale?: number;
}

function contrasting(rgb: readonly number[]): Color {
  const [r, g, b] = rgb as [number, number, number];
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000000' : '#ffffff';
}

/**
 * Draws a box and a filled label bar with `text`: above the box, or inside its top edge when the box
 * touches the top of the image. Returns the label bar's rectangle.
 *
 * @example
 * ```ts
 * drawLabel(img, { x: 50, y: 60, width: 80, height: 120 }, 'person 0.92', { color: '#ff0000' });
 * ```
 */
export function drawLabel(img: OverlayImage, box: Rect, text: string, options: LabelOptions = {}): Rect {
  const color = options.color ?? DEFAULT_STROKE;
  const rgb = parseColor(color);
  drawBox(img, box, { color, thickness: options.thickness });
  const scale = Math.max(1, Math.round(options.scale ?? 1));
  const pad = scale + 1;
  const size = measureText(text, scale);
  const barHeight = size.height + 2 * pad;
  const x = Math.round(box.x);
  const top = Math.round(box.y) - barHeight;
  const y = top < 0 ? Math.round(box.y) : top;
  const bar = { x, y, width: size.width + 2 * pad, height: barHeight };
  fillClipped(img, bar.x, bar.y, bar.x + bar.width, bar.y + bar.height, rgb);
  drawText(img, text, { x: x + pad, y: y + pad, scale, color: options.textColor ?? contrasting(rgb) });
  return bar;
}

/** One detection to draw with {@link drawDetections}. */
export interface DetectionOverlay {
  /** The detection's rectangle in image pixels. */
  box: Rect;
  /** Class name shown in the label bar. */
  label?: string;
  /** Confidence in [0, 1], shown after the label with two decimals. */
  score?: number;
  /** Colour for this detection. Default: a fixed colour per label from a 10-colour palette. */
  color?: Color;
}

const PALETTE = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe'];

function paletteColor(label: string): string {
  let hash = 0;
  for (let i = 0; i < label.length; i++) hash = (hash * 31 + label.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length] as string;
}

/**
 * Draws every detection as a box with a `label score` bar; detections without label or score get a
 * plain box. The same label always gets the same colour.
 *
 * @example
 * ```ts
 * drawDetections(img, [{ box: { x: 10, y: 20, width: 50, height: 80 }, label: 'person', score: 0.91 }]);
 * ```
 */
export function drawDetections(img: OverlayImage, detections: readonly DetectionOverlay[], options: LabelOptions = {}): void {
  for (const d of detections) {
    const color = d.color ?? options.color ?? paletteColor(d.label ?? '');
    const text = [d.label, d.score === undefined ? undefined : d.score.toFixed(2)].filter((s) => s !== undefined).join(' ');
    if (text === '') drawBox(img, d.box, { color, thickness: options.thickness });
    else drawLabel(img, d.box, text, { ...options, color });
  }
}
