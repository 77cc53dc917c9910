/**
 * The weight-free built-in models, by name: nothing to download, so they work offline and in the demo.
 * See `docs/builtin-models.md` for what each computes, its input, output, options and cost.
 */
import { FramepipeError } from '../../core/errors.ts';
import type { Model } from '../types.ts';
import { type HistogramOptions, histogramModel } from './histogram.ts';
import { type MotionOptions, type MotionOutput, motionModel } from './motion.ts';
import { type PerceptualHash, phashModel } from './phash.ts';
import { type SceneOptions, type SceneOutput, sceneModel } from './scene.ts';
import { type FrameStats, type StatsOptions, statsModel } from './stats.ts';

export { MAX_TRACKED_SOURCES } from './common.ts';
export { type HistogramOptions, histogramModel } from './histogram.ts';
export { meanAbsoluteDifference, type MotionOptions, type MotionOutput, motionModel } from './motion.ts';
export { hammingDistance, type PerceptualHash, phashModel } from './phash.ts';
export { type SceneOptions, type SceneOutput, sceneModel } from './scene.ts';
export { type FrameStats, type StatsOptions, statsModel } from './stats.ts';

/**
 * The names {@link builtinModel} accepts; each model's id is `builtin:<name>`.
 *
 * @example
 * ```ts
 * for (const name of BUILTIN_MODEL_NAMES) console.log(builtinModel(name).id);
 * ```
 */
export const BUILTIN_MODEL_NAMES = ['histogram', 'phash', 'stats', 'motion', 'scene'] as const;

/**
 * One of {@link BUILTIN_MODEL_NAMES}.
 *
 * @example
 * ```ts
 * const name: BuiltinModelName = 'scene';
 * ```
 */
export type BuiltinModelName = (typeof BUILTIN_MODEL_NAMES)[number];

/**
 * The options each built-in model takes (`phash` takes none).
 *
 * @example
 * ```ts
 * const options: BuiltinModelOptions['scene'] = { threshold: 30 };
 * ```
 */
export interface BuiltinModelOptions {
  histogram: HistogramOptions;
  phash: Record<string, never>;
  stats: StatsOptions;
  motion: MotionOptions;
  scene: SceneOptions;
}

/**
 * The per-frame output of each built-in model.
 *
 * @example
 * ```ts
 * const out: BuiltinModelOutputs['stats'] = { brightness: 0.5, contrast: 0.2, sharpness: 150 };
 * ```
 */
export interface BuiltinModelOutputs {
  histogram: Float32Array;
  phash: PerceptualHash;
  stats: FrameStats;
  motion: MotionOutput;
  scene: SceneOutput;
}

const FACTORIES: { [N in BuiltinModelName]: (options?: BuiltinModelOptions[N]) => Model<BuiltinModelOutputs[N]> } = {
  histogram: histogramModel,
  phash: phashModel,
  stats: statsModel,
  motion: motionModel,
  scene: sceneModel,
};

/**
 * Whether `name` is a built-in model name (without the `builtin:` prefix).
 *
 * @example
 * ```ts
 * isBuiltinModelName('scene'); // true
 * ```
 */
export function isBuiltinModelName(name: string): name is BuiltinModelName {
  return (BUILTIN_MODEL_NAMES as readonly string[]).includes(name);
}

/**
 * A new instance of a built-in model, by name (`'scene'` or its id form `'builtin:scene'`). Options are
 * validated here: an unknown option or a bad value throws ERR_INVALID_OPTIONS naming it; an unknown model
 * name throws ERR_MODEL_NOT_FOUND listing the available names. Stateful models (`motion`, `scene`) keep
 * state per instance, so use one instance per pipeline.
 *
 * @example
 * ```ts
 * const scene = builtinModel('scene', { threshold: 30, minSceneSeconds: 1 });
 * const hist = builtinModel('builtin:histogram');
 * await using video = await openVideo('clip.mp4', { sampling: { fps: 5 }, output: scene.input });
 * ```
 */
export function builtinModel<N extends BuiltinModelName>(
  name: N | `builtin:${N}`,
  options?: BuiltinModelOptions[N],
): Model<BuiltinModelOutputs[N]>;
export function builtinModel(name: string, options?: object): Model;
export function builtinModel(name: string, options?: object): Model {
  const bare = typeof name === 'string' && name.startsWith('builtin:') ? name.slice('builtin:'.length) : name;
  if (typeof bare !== 'string' || !isBuiltinModelName(bare)) {
    throw new FramepipeError(
      'ERR_MODEL_NOT_FOUND',
      `No built-in model named ${JSON.stringify(name)}; available: ${BUILTIN_MODEL_NAMES.join(', ')}.`,
      {
        details: { model: name, available: [...BUILTIN_MODEL_NAMES] },
      },
    );
  }
  return (FACTORIES[bare] as (options?: object) => Model)(options);
}
