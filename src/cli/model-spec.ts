/**
 * `--model` specs of the CLI: `builtin:NAME`, `hf:HUB_ID_OR_LOCAL_DIR` (CLIP image embeddings), or a path to
 * an `.onnx` file (input size from `--input-size`, normalisation from `--mean`/`--std`, ImageNet by default).
 * Loading lives in the models layer (`src/models/spec.ts`); this file turns flags into its options.
 */
import { isFramepipeError } from '../core/errors.ts';
import type { Model } from '../models/types.ts';
import { createClipTextEncoder, type ClipTextEncoder } from '../models/hf/index.ts';
import type { ExecutionProvider } from '../models/onnx/index.ts';
import { loadModel as loadSpec, MODEL_SPEC_FORMS, type ModelFlags } from '../models/spec.ts';
import { usageError } from './args.ts';

export type { ModelFlags };

/** Loads the model a `--model` spec names; a string of no accepted form is a usage error (exit 2). */
export async function loadModel(spec: string, flags: ModelFlags): Promise<Model<unknown>> {
  try {
    return await loadSpec(spec, flags);
  } catch (e) {
    if (isFramepipeError(e) && e.code === 'ERR_INVALID_OPTIONS' && e.details.option === 'model') {
      const error = usageError(`--model "${spec}" is not a model spec; use ${MODEL_SPEC_FORMS}.`);
      Object.assign(error.details, { option: 'model', value: spec });
      throw error;
    }
    throw e;
  }
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
