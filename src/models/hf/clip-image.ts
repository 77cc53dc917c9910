/**
 * CLIP image embeddings from a Hugging Face CLIP export. The input is derived from the model's
 * `preprocessor_config.json`, so the frame engine resizes, crops and normalises as CLIPImageProcessor does;
 * the vision ONNX file then runs on ONNX Runtime directly (same providers, fallback and input checks as
 * {@link createOnnxModel}) on the batch tensor the engine delivers, with no copy into another tensor type.
 */
import { join } from 'node:path';
import { FramepipeError, isFramepipeError } from '../../core/errors.ts';
import type { Model, ModelBatch } from '../types.ts';
import { createOnnxModel, type OnnxModel, type OnnxModelOptions } from '../onnx/model.ts';
import type { ExecutionProvider } from '../onnx/providers.ts';
import { type HfImageModelOptions, type HfModelOptions, hfImageSchema, mergeInput, openModelDir } from './options.ts';
import { inputFromPreprocessorConfig, type PreprocessorConfig } from './preprocessor.ts';

/** Options of {@link createClipImageModel}. `onnxFile` defaults to `onnx/vision_model.onnx`. */
export type ClipImageModelOptions = HfImageModelOptions;

/** A loaded CLIP image encoder: one L2-normalised embedding per frame. */
export interface ClipImageModel extends Model<Float32Array>, AsyncDisposable {
  /** The execution provider in use. */
  readonly provider: ExecutionProvider;
  /** Length of each embedding (the projection size). */
  readonly dimensions: number;
  /** The model directory the files were read from (the cache directory for hub ids). */
  readonly dir: string;
  run(batch: ModelBatch, signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/**
 * Loads a CLIP vision encoder (`CLIPVisionModelWithProjection` export, output `image_embeds`) from a hub
 * id or a local directory. Its `input` is derived from `preprocessor_config.json`: shortest edge →
 * `shortestEdge`, crop size → width/height, `fit: 'cover'`, image mean/std, rgb24, chw, float32.
 *
 * @example
 * ```ts
 * const clip = await createClipImageModel({ model: 'Xenova/clip-vit-base-patch32', cacheDir: './models' });
 * console.log(clip.input); // { width: 224, height: 224, fit: 'cover', shortestEdge: 224, … }
 * const embeddings = await clip.run(batch); // Float32Array(512) per frame, unit length
 * await clip.dispose();
 * ```
 */
export async function createClipImageModel(options: ClipImageModelOptions): Promise<ClipImageModel> {
  const onnxFile = options.onnxFile ?? 'onnx/vision_model.onnx';
  const where = 'createClipImageModel';
  const { dir, id, json } = await openModelDir(options, hfImageSchema({}), where, 'clip-image', ['preprocessor_config.json'], [onnxFile]);
  const derived = inputFromPreprocessorConfig(
    json['preprocessor_config.json'] as PreprocessorConfig,
    join(dir, 'preprocessor_config.json'),
  );
  const input = mergeInput(derived, options.input, where);
  const onnx = await loadOnnx(
    createOnnxModel({ ...sessionOptions(options), model: join(dir, onnxFile), input, id, outputName: 'image_embeds' }),
    'image_embeds',
    'CLIPVisionModelWithProjection',
  );
  const last = onnx.io?.output.shape.at(-1);
  return {
    id,
    input,
    dir,
    maxBatchSize: onnx.maxBatchSize,
    provider: onnx.provider as ExecutionProvider,
    dimensions: typeof last === 'number' ? last : Number.NaN,
    init: () => onnx.init(),
    async run(batch, signal) {
      return (await onnx.run(batch, signal)).map(l2Normalize);
    },
    dispose: () => onnx.dispose(),
    async [Symbol.asyncDispose]() {
      await onnx.dispose();
    },
  };
}

/**
 * Initialises an ONNX model whose output must be `output`; a missing output means the export is of
 * another kind → ERR_MODEL_INVALID naming the class expected.
 *
 * @example
 * ```ts
 * const onnx = await loadOnnx(createOnnxModel({ model, input, outputName: 'logits' }), 'logits', 'ViTForImageClassification');
 * ```
 */
export async function loadOnnx(model: OnnxModel, output: string, expected: string): Promise<OnnxModel> {
  try {
    await model.init();
    return model;
  } catch (err) {
    if (isFramepipeError(err) && err.details.option === 'outputName') {
      const available = (err.details.available as string[] | undefined)?.join(', ') ?? 'none';
      throw new FramepipeError(
        'ERR_MODEL_INVALID',
        `${model.id} has no output '${output}' (outputs: ${available}); it needs an ONNX export of ${expected}. Pick the right file with onnxFile.`,
        { cause: err, details: err.details },
      );
    }
    throw err;
  }
}

/**
 * The ONNX Runtime options among a factory's options.
 *
 * @example
 * ```ts
 * createOnnxModel({ ...sessionOptions(options), model: 'm.onnx', input });
 * ```
 */
export function sessionOptions(
  options: HfModelOptions,
): Pick<OnnxModelOptions, 'providers' | 'requireProvider' | 'threads' | 'onWarning' | 'warmup'> {
  const { providers, requireProvider, threads, onWarning, warmup } = options;
  return { providers, requireProvider, threads, onWarning, warmup };
}

/**
 * Scales `v` to unit length in place and returns it (a zero vector stays zero).
 *
 * @example
 * ```ts
 * l2Normalize(Float32Array.of(3, 4)); // Float32Array [0.6, 0.8]
 * ```
 */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}
