/**
 * `builtin:motion`: how much each sample differs from the previous sample of the same source. Stateful per
 * `frame.source`, so batches that interleave sources give the same numbers as one source at a time.
 */
import type { Model } from '../types.ts';
import { type BuiltinInput, checkBatch, modelId, type NumberSpec, readNumberOptions, SourceStates } from './common.ts';

/**
 * One frame's motion.
 *
 * @example
 * ```ts
 * const [{ motion }] = await motionModel().run(batch); // null on a source's first sample
 * ```
 */
export interface MotionOutput {
  /**
   * Mean absolute difference of grey levels from the previous sample of the same source, scaled to 0–1
   * (0 identical, 1 black ↔ white everywhere); `null` on a source's first sample, which has nothing to compare.
   */
  motion: number | null;
  /** Seconds since that previous sample (`ptsSeconds` difference), or `null` on the first sample. */
  intervalSeconds: number | null;
}

/**
 * Options of {@link motionModel}.
 *
 * @example
 * ```ts
 * const model = motionModel({ width: 32, height: 32 });
 * ```
 */
export interface MotionOptions {
  /** Input width in pixels (frames are stretched to it). Integer 4–1024, default 64. */
  width?: number;
  /** Input height in pixels. Integer 4–1024, default 64. */
  height?: number;
}

const SPECS = {
  width: { default: 64, min: 4, max: 1024, integer: true },
  height: { default: 64, min: 4, max: 1024, integer: true },
} satisfies Record<keyof MotionOptions, NumberSpec>;

interface SourceState {
  previous: Uint8Array;
  ptsSeconds: number;
}

/**
 * A frame-difference motion model on small grey frames (64 × 64 by default, stretched). It compares samples,
 * not decoded frames: at `fps: 2` the difference spans half a second, so compare values taken at the same
 * sampling rate (`intervalSeconds` says the span). A sample whose `ptsSeconds` is earlier than the previous
 * one of its source (a new run over the same source) starts that source over. Batches must arrive in order;
 * `dispose()` forgets every source. Up to 1024 sources are tracked (least recently seen forgotten first).
 *
 * @example
 * ```ts
 * const model = motionModel();
 * for await (const batch of batches) for (const { motion } of await model.run(batch)) if (motion !== null && motion > 0.05) console.log('moving');
 * ```
 */
export function motionModel(options?: MotionOptions): Model<MotionOutput> {
  const o = readNumberOptions('builtin:motion', options, SPECS);
  const id = modelId('motion', o, SPECS);
  const input: BuiltinInput = { width: o.width, height: o.height, fit: 'fill', pixelFormat: 'gray', layout: 'hwc', dtype: 'uint8' };
  const states = new SourceStates<SourceState>();
  return {
    id,
    input,
    async run(batch, signal) {
      const { data, frameElements } = checkBatch(id, input, batch, signal);
      return batch.frames.map((frame, i) => {
        const current = data.subarray(i * frameElements, (i + 1) * frameElements);
        const state = states.get(frame.source);
        if (!state || frame.ptsSeconds < state.ptsSeconds) {
          states.set(frame.source, { previous: current.slice(), ptsSeconds: frame.ptsSeconds });
          return { motion: null, intervalSeconds: null };
        }
        const motion = meanAbsoluteDifference(current, state.previous) / 255;
        const intervalSeconds = frame.ptsSeconds - state.ptsSeconds;
        state.previous.set(current);
        state.ptsSeconds = frame.ptsSeconds;
        return { motion, intervalSeconds };
      });
    },
    async dispose() {
      states.clear();
    },
  };
}

/**
 * Mean of |a[i] − b[i]| over two equally long byte arrays.
 *
 * @example
 * ```ts
 * meanAbsoluteDifference(Uint8Array.of(0, 10), Uint8Array.of(4, 0)); // 7
 * ```
 */
export function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d < 0 ? -d : d;
  }
  return sum / a.length;
}
