/**
 * `builtin:scene`: a content-based scene-cut detector in the manner of PySceneDetect's `ContentDetector`:
 * the mean HSV difference between consecutive samples of the same source, thresholded, with a minimum scene
 * length. Stateful per `frame.source`.
 */
import type { Model } from '../types.ts';
import { type BuiltinInput, checkBatch, modelId, type NumberSpec, readNumberOptions, SourceStates } from './common.ts';
import { HUE_STEPS, hsvPlanes } from './hsv.ts';

/**
 * One frame's scene decision.
 *
 * @example
 * ```ts
 * const cuts = (await sceneModel().run(batch)).filter((s) => s.cut);
 * ```
 */
export interface SceneOutput {
  /**
   * Content change from the previous sample of the same source: the mean of three per-pixel averages, the
   * hue difference in degrees around the colour circle (0–180) and the saturation and value differences on
   * 0–255. 0 for identical samples, 40 between flat primary colours; `null` on a source's first sample.
   */
  score: number | null;
  /** Whether a new scene starts at this frame: `score ≥ threshold` and the scene so far lasted `minSceneSeconds`. */
  cut: boolean;
  /** The scene this frame belongs to, from 0 at the source's first sample; a cut frame opens the next one. */
  sceneIndex: number;
}

/**
 * Options of {@link sceneModel}.
 *
 * @example
 * ```ts
 * const model = sceneModel({ threshold: 35, minSceneSeconds: 2 });
 * ```
 */
export interface SceneOptions {
  /** Score at or above which a cut is reported (see {@link SceneOutput.score}). 0.01–255, default 27, as PySceneDetect's. */
  threshold?: number;
  /**
   * Shortest scene in seconds (by `ptsSeconds`): a cut sooner than this after the previous cut, or after the
   * source's first sample, is not reported. 0–86 400, default 0.5.
   */
  minSceneSeconds?: number;
  /** Input width in pixels (frames are stretched to it). Integer 16–1024, default 64. */
  width?: number;
  /** Input height in pixels. Integer 16–1024, default 64. */
  height?: number;
}

const SPECS = {
  threshold: { default: 27, min: 0.01, max: 255 },
  minSceneSeconds: { default: 0.5, min: 0, max: 86_400 },
  width: { default: 64, min: 16, max: 1024, integer: true },
  height: { default: 64, min: 16, max: 1024, integer: true },
} satisfies Record<keyof SceneOptions, NumberSpec>;

/** Two times closer than this are the same instant (timestamps come from rational time bases). */
const TIME_TOLERANCE_SECONDS = 1e-6;

/** H, S and V planes of one sample. */
interface Planes {
  h: Uint8Array;
  s: Uint8Array;
  v: Uint8Array;
}

interface SourceState {
  previous: Planes;
  current: Planes;
  ptsSeconds: number;
  sceneStartSeconds: number;
  sceneIndex: number;
}

/**
 * A scene-cut detector: compare each sample with the previous sample of the same source (HSV, 64 × 64 by
 * default) and report a cut when the {@link SceneOutput.score} reaches `threshold`, unless the current
 * scene is younger than `minSceneSeconds`. A suppressed cut still moves the comparison on to the new sample.
 * It compares samples, so sample densely enough (`fps: 5` or more) that a gradual change inside a scene
 * stays under the threshold. A sample earlier than the previous one of its source (a new run) starts the
 * source over at scene 0. Batches must arrive in order; `dispose()` forgets every source. Up to 1024 sources
 * are tracked (least recently seen forgotten first).
 *
 * @example
 * ```ts
 * const model = sceneModel({ threshold: 27, minSceneSeconds: 1 });
 * const outputs = await model.run(batch);
 * outputs.forEach((o, i) => o.cut && console.log(`scene ${o.sceneIndex} starts at ${batch.frames[i]?.ptsSeconds} s`));
 * ```
 */
export function sceneModel(options?: SceneOptions): Model<SceneOutput> {
  const o = readNumberOptions('builtin:scene', options, SPECS);
  const id = modelId('scene', o, SPECS);
  const input: BuiltinInput = { width: o.width, height: o.height, fit: 'fill', pixelFormat: 'rgb24', layout: 'hwc', dtype: 'uint8' };
  const pixels = o.width * o.height;
  const states = new SourceStates<SourceState>();
  return {
    id,
    input,
    async run(batch, signal) {
      const { data, frameElements } = checkBatch(id, input, batch, signal);
      return batch.frames.map((frame, i) => {
        const at = i * frameElements;
        const state = states.get(frame.source);
        if (!state || frame.ptsSeconds < state.ptsSeconds) {
          const fresh = states.set(frame.source, newState(pixels, frame.ptsSeconds));
          writePlanes(data, at, fresh.previous);
          return { score: null, cut: false, sceneIndex: 0 };
        }
        writePlanes(data, at, state.current);
        return advance(state, frame.ptsSeconds, o.threshold, o.minSceneSeconds);
      });
    },
    async dispose() {
      states.clear();
    },
  };
}

function newState(pixels: number, ptsSeconds: number): SourceState {
  const planes = (): Planes => ({ h: new Uint8Array(pixels), s: new Uint8Array(pixels), v: new Uint8Array(pixels) });
  return { previous: planes(), current: planes(), ptsSeconds, sceneStartSeconds: ptsSeconds, sceneIndex: 0 };
}

function writePlanes(rgb: Uint8Array, offset: number, to: Planes): void {
  hsvPlanes(rgb, offset, to.h.length, to.h, to.s, to.v);
}

/** Scores `state.current` against `state.previous`, decides the cut, and makes the current sample the previous. */
function advance(state: SourceState, ptsSeconds: number, threshold: number, minSceneSeconds: number): SceneOutput {
  const score = contentDifference(state.previous, state.current);
  [state.previous, state.current] = [state.current, state.previous];
  state.ptsSeconds = ptsSeconds;
  const cut = score >= threshold && ptsSeconds - state.sceneStartSeconds + TIME_TOLERANCE_SECONDS >= minSceneSeconds;
  if (cut) {
    state.sceneIndex++;
    state.sceneStartSeconds = ptsSeconds;
  }
  return { score, cut, sceneIndex: state.sceneIndex };
}

const HALF_CIRCLE = HUE_STEPS / 2;

/**
 * (mean |Δhue°| + mean |Δs| + mean |Δv|) / 3, as ContentDetector's default weights (1, 1, 1, edges 0), except
 * that hue is compared around the circle and in degrees (ContentDetector takes OpenCV's 0–179 values as they
 * are, so red at 2 and at 178 differ by 176, and hue weighs half as much as saturation and value).
 */
function contentDifference(a: Planes, b: Planes): number {
  let dh = 0;
  let ds = 0;
  let dv = 0;
  const n = a.h.length;
  for (let i = 0; i < n; i++) {
    let d = (a.h[i] as number) - (b.h[i] as number);
    if (d < 0) d = -d;
    dh += d > HALF_CIRCLE ? HUE_STEPS - d : d;
    d = (a.s[i] as number) - (b.s[i] as number);
    ds += d < 0 ? -d : d;
    d = (a.v[i] as number) - (b.v[i] as number);
    dv += d < 0 ? -d : d;
  }
  // Hue is stored in 2° steps.
  return (2 * dh + ds + dv) / (3 * n);
}
