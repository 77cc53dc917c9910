/**
 * RGB → HSV in OpenCV's 8-bit convention (H 0–179 in 2° steps, S and V 0–255), shared by the colour
 * histogram and the scene detector.
 */

/**
 * Number of hue steps: hue is stored in 2° units, 0…179.
 *
 * @example
 * ```ts
 * const degrees = (hsvOf(r, g, b) >> 16) * (360 / HUE_STEPS);
 * ```
 */
export const HUE_STEPS = 180;

/** Saturation for (max, max − min): round(255 × delta / max), at index `max << 8 | delta` (64 KiB). */
const SATURATION = new Uint8Array(256 * 256);
for (let max = 1; max < 256; max++)
  for (let delta = 0; delta <= max; delta++) SATURATION[(max << 8) | delta] = Math.round((255 * delta) / max);

/**
 * Hue offset within a 60° sector, in 2° steps: round(30 × diff / delta) for diff in −delta…delta, at index
 * `delta << 9 | diff + 255` (128 KiB). Exact integer arithmetic, no per-pixel division.
 */
const HUE_OFFSET = new Int8Array(256 * 512);
for (let delta = 1; delta < 256; delta++)
  for (let diff = -delta; diff <= delta; diff++) HUE_OFFSET[(delta << 9) + diff + 255] = Math.round((30 * diff) / delta);

/**
 * Converts one RGB pixel (0–255 each) to HSV packed as `h << 16 | s << 8 | v` (h 0–179, s and v 0–255),
 * as OpenCV's `COLOR_RGB2HSV` does: grey pixels get hue 0 and saturation 0. Returns a number, so a pixel loop
 * allocates nothing; two lookup tables replace the divisions.
 *
 * @example
 * ```ts
 * const packed = hsvOf(255, 0, 0);
 * const [h, s, v] = [packed >> 16, (packed >> 8) & 255, packed & 255]; // [0, 255, 255]
 * ```
 */
export function hsvOf(r: number, g: number, b: number): number {
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  const delta = max - min;
  if (delta === 0) return max;
  const row = (delta << 9) + 255;
  let h: number;
  if (max === r) h = HUE_OFFSET[row + g - b] as number;
  else if (max === g) h = 60 + (HUE_OFFSET[row + b - r] as number);
  else h = 120 + (HUE_OFFSET[row + r - g] as number);
  if (h < 0) h += HUE_STEPS;
  else if (h >= HUE_STEPS) h -= HUE_STEPS;
  return (h << 16) | ((SATURATION[(max << 8) | delta] as number) << 8) | max;
}

/**
 * Writes the H, S and V planes of `pixels` packed RGB pixels read from `rgb` at element `offset`.
 *
 * @example
 * ```ts
 * const n = 64 * 64, h = new Uint8Array(n), s = new Uint8Array(n), v = new Uint8Array(n);
 * hsvPlanes(batch.data as Uint8Array, 0, n, h, s, v);
 * ```
 */
export function hsvPlanes(rgb: Uint8Array, offset: number, pixels: number, h: Uint8Array, s: Uint8Array, v: Uint8Array): void {
  for (let i = 0, j = offset; i < pixels; i++, j += 3) {
    const packed = hsvOf(rgb[j] as number, rgb[j + 1] as number, rgb[j + 2] as number);
    h[i] = packed >> 16;
    s[i] = (packed >> 8) & 255;
    v[i] = packed & 255;
  }
}
