/**
 * A ready-made per-frame hook that draws every algorithm's latest result: detections (a list of
 * `{ box, label?, score? }`) as labelled boxes, anything else as one summarised text line per algorithm in a
 * panel at the top left. It makes an annotated recording from a config file with no code.
 */
import { asImage, type DetectionOverlay, drawDetections, drawText, type OverlayImage } from '../preprocess/overlay.ts';
import type { FrameHook, LatestResult } from './types.ts';

/** Options of {@link resultsOverlay}. */
export interface ResultsOverlayOptions {
  /** Font magnification. Default: 1 below 480 pixels of height, else 2. */
  scale?: number;
  /** Longest text line, in characters. Default 48. */
  maxChars?: number;
}

/**
 * Builds the hook.
 *
 * @example
 * ```ts
 * createPipeline({ source: 'clip.mp4', algorithms, onFrame: resultsOverlay(), record: { path: 'annotated.mp4' } });
 * ```
 */
export function resultsOverlay(options: ResultsOverlayOptions = {}): FrameHook {
  const maxChars = options.maxChars ?? 48;
  return (frame, { latest }) => {
    if (latest.size === 0 || frame.dtype !== 'uint8' || frame.layout !== 'hwc') return;
    const img = asImage(frame);
    const scale = options.scale ?? (frame.height < 480 ? 1 : 2);
    let y = 2 * scale;
    for (const [name, entry] of latest) {
      const detections = asDetections(entry.result);
      if (detections) {
        drawDetections(img, detections, { scale });
        continue;
      }
      y = line(img, `${name}: ${summarize(entry, maxChars - name.length - 2)}`, y, scale);
    }
  };
}

function line(img: OverlayImage, text: string, y: number, scale: number): number {
  const rect = drawText(img, text, { x: 2 * scale, y, scale, color: '#ffffff', background: '#000000' });
  return rect.y + rect.height + 2 * scale;
}

/** Results that look like detections: a list whose items carry a `box` (or x, y, width, height). */
function asDetections(result: unknown): DetectionOverlay[] | null {
  if (!Array.isArray(result) || result.length === 0) return null;
  const out: DetectionOverlay[] = [];
  for (const item of result) {
    if (typeof item !== 'object' || item === null) return null;
    const d = item as Record<string, unknown>;
    const box = (typeof d.box === 'object' && d.box !== null ? d.box : d) as Record<string, unknown>;
    if (![box.x, box.y, box.width, box.height].every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
    out.push({
      box: { x: box.x as number, y: box.y as number, width: box.width as number, height: box.height as number },
      ...(typeof d.label === 'string' ? { label: d.label } : {}),
      ...(typeof d.score === 'number' ? { score: d.score } : {}),
    });
  }
  return out;
}

/** One short line for any result: numbers rounded, objects as key=value, long arrays by length. */
export function summarize(entry: Pick<LatestResult, 'result'>, maxChars: number): string {
  const text = show(entry.result, 0);
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 3))}...`;
}

function show(value: unknown, depth: number): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (ArrayBuffer.isView(value)) return `[${(value as unknown as ArrayLike<number>).length} values]`;
  if (Array.isArray(value)) return value.length > 4 || depth > 0 ? `[${value.length} items]` : `[${value.map((v) => show(v, depth + 1)).join(', ')}]`;
  if (typeof value === 'object') {
    if (depth > 0) return '{..}';
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${show(v, depth + 1)}`).join(' ');
  }
  return typeof value;
}
