/**
 * A user algorithm for `framepipe run`: the mean brightness of a frame (0–255), optionally of a centre
 * crop. It draws nothing; it only returns a number. `examples/pipelines/custom.yaml` loads it with
 *
 *   use: { module: ../algorithms/brightness.ts, export: createBrightness, options: { centre: 0.5 } }
 *
 * The export is a factory, so every source of the config gets its own instance.
 */
import type { Algorithm, Frame } from '../../src/index.ts';

/** Options of {@link createBrightness}. */
export interface BrightnessOptions {
  /** Fraction of the width and height, around the centre, to average over (0 < centre ≤ 1). Default 1. */
  centre?: number;
  /** Decimal places of the result. Default 2. */
  digits?: number;
}

/** Mean brightness of the newest frame of the window (played frames are packed RGB, uint8). */
export function createBrightness(options: BrightnessOptions = {}): Algorithm<number> {
  const centre = options.centre ?? 1;
  const digits = options.digits ?? 2;
  if (!(centre > 0 && centre <= 1)) throw new Error(`centre must be in (0, 1], got ${centre}`);
  return {
    run(frames: readonly Frame[]): number {
      const frame = frames[frames.length - 1] as Frame;
      const w = Math.max(1, Math.round(frame.width * centre));
      const h = Math.max(1, Math.round(frame.height * centre));
      const x0 = Math.floor((frame.width - w) / 2);
      const y0 = Math.floor((frame.height - h) / 2);
      let sum = 0;
      for (let y = y0; y < y0 + h; y++) {
        const row = (y * frame.width + x0) * 3;
        for (let i = row; i < row + w * 3; i++) sum += frame.data[i] as number;
      }
      return Number((sum / (w * h * 3)).toFixed(digits));
    },
  };
}
