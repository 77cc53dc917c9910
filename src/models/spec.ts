/**
 * Model specs, the short strings that name a model: `builtin:NAME` (weight-free), `hf:HUB_ID_OR_LOCAL_DIR`
 * (CLIP image embeddings) or a path to an `.onnx` file. The CLI's `--model` and the `use:` of a pipeline
 * config both go through {@link loadModel}.
 */
import { existsSync } from 'node:fs';
import { FramepipeError } from '../core/errors.ts';
import { BUILTIN_MODEL_NAMES, builtinModel, isBuiltinModelName } from './builtin/index.ts';
import { createClipImageModel } from './hf/index.ts';
import { createOnnxModel, type ExecutionProvider } from './onnx/index.ts';
import type { Model } from './types.ts';

/** How a spec's model is loaded. Every field is optional; each applies only to the kinds it names. */
export interface ModelFlags {
  /** `hf:`: where hub downloads are cached. Default: the hub module's own cache. */
  cacheDir?: string;
  /** `hf:`: never download; a model missing from the cache is ERR_MODEL_OFFLINE. Default false. */
  offline?: boolean;
  /** `hf:` and `.onnx`: execution providers, in order of preference. Default `['cpu']`. */
  providers?: ExecutionProvider[];
  /** `hf:` and `.onnx`: intra-op threads of the ONNX Runtime session. Default: ONNX Runtime's choice. */
  threads?: number;
  /** `.onnx`: the model's input size in pixels. Default 224×224. */
  inputSize?: { width: number; height: number };
  /** `.onnx`: per-channel mean after scaling to [0, 1]. Default ImageNet's. */
  mean?: number[];
  /** `.onnx`: per-channel standard deviation. Default ImageNet's. */
  std?: number[];
  /** `builtin:`: the built-in model's options (see `BuiltinModelOptions`). Default `{}`. */
  builtinOptions?: object;
  /** Receives warnings while loading (provider fallbacks, …). */
  onWarning?: (w: { code: string; message: string }) => void;
}

/** The kind of model a spec names, decided from the string alone (and, for a bare path, the disk). */
export type ModelSpecKind = 'builtin' | 'hf' | 'onnx';

/** ImageNet's per-channel mean, the default normalisation of an `.onnx` spec. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** ImageNet's per-channel standard deviation, the default normalisation of an `.onnx` spec. */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** The accepted forms, for messages. */
export const MODEL_SPEC_FORMS = `builtin:NAME (${BUILTIN_MODEL_NAMES.join(', ')}), hf:HUB_ID_OR_DIR or a path to an .onnx file`;

/**
 * Which kind of model `spec` names, or null when it is none of the accepted forms. A path that does not end
 * in `.onnx` counts as ONNX only when it exists.
 *
 * @example
 * ```ts
 * modelSpecKind('builtin:scene');                     // 'builtin'
 * modelSpecKind('hf:Xenova/clip-vit-base-patch32');   // 'hf'
 * modelSpecKind('models/resnet18.onnx');              // 'onnx'
 * modelSpecKind('fast');                              // null
 * ```
 */
export function modelSpecKind(spec: string): ModelSpecKind | null {
  if (spec.startsWith('builtin:')) return 'builtin';
  if (spec.startsWith('hf:')) return 'hf';
  if (spec.endsWith('.onnx') || (spec !== '' && existsSync(spec))) return 'onnx';
  return null;
}

/**
 * Loads the model a spec names. `builtin:` models are created at once (an unknown name is
 * ERR_MODEL_NOT_FOUND listing the names, a bad option ERR_INVALID_OPTIONS naming it); `hf:` models are
 * downloaded (unless offline) and their session opened; `.onnx` models are created lazily and open their
 * session on `init()`. A string of no accepted form is ERR_INVALID_OPTIONS with `details.option = 'model'`.
 *
 * @example
 * ```ts
 * const scene = await loadModel('builtin:scene', { builtinOptions: { threshold: 30 } });
 * const resnet = await loadModel('resnet18.onnx', { inputSize: { width: 224, height: 224 }, providers: ['cpu'] });
 * const clip = await loadModel('hf:Xenova/clip-vit-base-patch32', { cacheDir: '.models' });
 * ```
 */
export async function loadModel(spec: string, flags: ModelFlags = {}): Promise<Model<unknown>> {
  const kind = typeof spec === 'string' ? modelSpecKind(spec) : null;
  if (kind === 'builtin') {
    const name = spec.slice('builtin:'.length);
    // An unknown name goes through builtinModel too, so its ERR_MODEL_NOT_FOUND lists the available names.
    return isBuiltinModelName(name) ? builtinModel(name, flags.builtinOptions as never) : builtinModel(name, flags.builtinOptions);
  }
  const session = { providers: flags.providers, threads: flags.threads, onWarning: flags.onWarning };
  if (kind === 'hf') {
    return createClipImageModel({ model: spec.slice(3), cacheDir: flags.cacheDir, offline: flags.offline, ...session });
  }
  if (kind === 'onnx') {
    const size = flags.inputSize ?? { width: 224, height: 224 };
    return createOnnxModel({ model: spec, input: { ...size, mean: flags.mean ?? IMAGENET_MEAN, std: flags.std ?? IMAGENET_STD }, ...session });
  }
  throw new FramepipeError('ERR_INVALID_OPTIONS', `${JSON.stringify(spec)} is not a model spec; use ${MODEL_SPEC_FORMS}.`, {
    details: { option: 'model', value: spec },
  });
}
