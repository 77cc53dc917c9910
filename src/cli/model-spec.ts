/**
 * `--model` specs of the CLI: `builtin:NAME`, `hf:HUB_ID_OR_LOCAL_DIR` (CLIP image embeddings), or a path to
 * an `.onnx` file (input size from `--input-size`, normalisation from `--mean`/`--std`, ImageNet by default).
 */
import { existsSync } from 'node:fs';
import { FramepipeError } from '../core/errors.ts';
import type { Model } from '../models/types.ts';
import { builtinModel, isBuiltinModelName } from '../models/builtin/index.ts';
import { createClipImageModel, createClipTextEncoder, type ClipTextEncoder } from '../models/hf/index.ts';
import { createOnnxModel, type ExecutionProvider } from '../models/onnx/index.ts';
import { usageError } from './args.ts';

/** Flags that shape how a model is loaded. */
export interface ModelFlags {
  cacheDir?: string;
  offline?: boolean;
  providers?: ExecutionProvider[];
  threads?: number;
  inputSize?: { width: number; height: number };
  mean?: number[];
  std?: number[];
  onWarning?: (w: { code: string; message: string }) => void;
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Loads the model a `--model` spec names. */
export async function loadModel(spec: string, flags: ModelFlags): Promise<Model<unknown>> {
  if (spec.startsWith('builtin:')) {
    const name = spec.slice('builtin:'.length);
    if (!isBuiltinModelName(name)) return builtinModel(name as never);
    return builtinModel(name);
  }
  const session = { providers: flags.providers, threads: flags.threads, onWarning: flags.onWarning };
  if (spec.startsWith('hf:')) {
    return createClipImageModel({ model: spec.slice(3), cacheDir: flags.cacheDir, offline: flags.offline, ...session });
  }
  if (spec.endsWith('.onnx') || existsSync(spec)) {
    const size = flags.inputSize ?? { width: 224, height: 224 };
    return createOnnxModel({ model: spec, input: { ...size, mean: flags.mean ?? IMAGENET_MEAN, std: flags.std ?? IMAGENET_STD }, ...session });
  }
  throw new FramepipeError('ERR_INVALID_OPTIONS', `--model "${spec}" is not a model spec; use builtin:NAME (histogram, phash, stats, motion, scene), hf:HUB_ID_OR_DIR or a path to an .onnx file.`, {
    details: { usage: true, option: 'model', value: spec },
  });
}

/** Loads the text encoder that matches an `hf:` model spec (for `framepipe search`). */
export async function loadTextEncoder(spec: string, flags: ModelFlags): Promise<ClipTextEncoder> {
  if (!spec.startsWith('hf:')) {
    throw usageError(`Text search needs a CLIP model (hf:HUB_ID_OR_DIR); the store was made with "${spec}". Use --model hf:… or search by --image.`);
  }
  return createClipTextEncoder({ model: spec.slice(3), cacheDir: flags.cacheDir, offline: flags.offline, providers: flags.providers, threads: flags.threads });
}

/** Parses `--input-size WxH`, `--mean a,b,c`, `--std a,b,c`, `--providers cpu,webgpu`. */
export function modelFlagsFrom(values: Record<string, unknown>): ModelFlags {
  const flags: ModelFlags = {};
  if (typeof values['cache-dir'] === 'string') flags.cacheDir = values['cache-dir'];
  if (values.offline === true) flags.offline = true;
  if (typeof values.providers === 'string') flags.providers = values.providers.split(',').map((p) => p.trim()) as ExecutionProvider[];
  if (typeof values['model-threads'] === 'string') flags.threads = Number(values['model-threads']);
  if (typeof values['input-size'] === 'string') {
    const m = /^(\d+)x(\d+)$/.exec(values['input-size']);
    if (!m) throw usageError(`--input-size needs WxH like 224x224, got "${values['input-size']}".`);
    flags.inputSize = { width: Number(m[1]), height: Number(m[2]) };
  }
  for (const name of ['mean', 'std'] as const) {
    const raw = values[name];
    if (typeof raw !== 'string') continue;
    const list = raw.split(',').map(Number);
    if (list.some((v) => !Number.isFinite(v))) throw usageError(`--${name} needs comma-separated numbers like 0.5,0.5,0.5, got "${raw}".`);
    flags[name] = list;
  }
  return flags;
}
