/**
 * Image classification from a Hugging Face export (`*ForImageClassification`, output `logits`): input
 * derived from `preprocessor_config.json`, labels from `config.json` `id2label`, softmax scores, top-k.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { FramepipeError } from '../../core/errors.ts';
import { createOnnxModel } from '../onnx/model.ts';
import type { ExecutionProvider } from '../onnx/providers.ts';
import type { Model, ModelBatch } from '../types.ts';
import { loadOnnx, sessionOptions } from './clip-image.ts';
import { type HfImageModelOptions, hfImageSchema, mergeInput, openModelDir } from './options.ts';
import { inputFromPreprocessorConfig, type PreprocessorConfig } from './preprocessor.ts';

/** One predicted class. */
export interface LabelScore {
  /** The class name from `id2label` (`LABEL_<i>` where the config has none). */
  label: string;
  /** Softmax probability in [0, 1]. */
  score: number;
}

/** Options of {@link createImageClassifier}. `onnxFile` defaults to `onnx/model.onnx`. */
export interface ImageClassifierOptions extends HfImageModelOptions {
  /** How many classes to return per frame, best first. Default 5 (fewer when the model has fewer). */
  topK?: number;
}

/** A loaded image classifier: the top-k classes per frame. */
export interface ImageClassifier extends Model<LabelScore[]>, AsyncDisposable {
  /** Class names by index. */
  readonly labels: readonly string[];
  /** The execution provider in use. */
  readonly provider: ExecutionProvider;
  run(batch: ModelBatch, signal?: AbortSignal): Promise<LabelScore[][]>;
  dispose(): Promise<void>;
}

const schema = hfImageSchema({ topK: z.number().int().min(1).optional() });

/**
 * Loads an image classifier from a hub id or a local directory.
 *
 * @example
 * ```ts
 * const vit = await createImageClassifier({ model: 'Xenova/vit-base-patch16-224', topK: 3 });
 * const [top3] = await vit.run(batch); // [{ label: 'tabby, tabby cat', score: 0.71 }, …]
 * ```
 */
export async function createImageClassifier(options: ImageClassifierOptions): Promise<ImageClassifier> {
  const onnxFile = options.onnxFile ?? 'onnx/model.onnx';
  const where = 'createImageClassifier';
  const { dir, id, json } = await openModelDir(
    options,
    schema,
    where,
    'hf-classifier',
    ['config.json', 'preprocessor_config.json'],
    [onnxFile],
  );
  const labels = labelsOf(json['config.json'] as { id2label?: Record<string, string> }, join(dir, 'config.json'));
  const derived = inputFromPreprocessorConfig(
    json['preprocessor_config.json'] as PreprocessorConfig,
    join(dir, 'preprocessor_config.json'),
  );
  const input = mergeInput(derived, options.input, where);
  const onnx = await loadOnnx(
    createOnnxModel({ ...sessionOptions(options), model: join(dir, onnxFile), input, id, outputName: 'logits' }),
    'logits',
    'an image classification model',
  );
  const classes = onnx.io?.output.shape.at(-1);
  if (typeof classes === 'number' && classes !== labels.length) {
    await onnx.dispose();
    throw new FramepipeError(
      'ERR_MODEL_INVALID',
      `${id}: the model scores ${classes} classes but config.json id2label names ${labels.length}; the config and the ONNX file belong to different models.`,
      {
        details: { model: id, classes, labels: labels.length },
      },
    );
  }
  const topK = options.topK ?? 5;
  return {
    id,
    input,
    labels,
    maxBatchSize: onnx.maxBatchSize,
    provider: onnx.provider as ExecutionProvider,
    init: () => onnx.init(),
    async run(batch, signal) {
      return (await onnx.run(batch, signal)).map((logits) => topKLabels(logits, labels, topK));
    },
    dispose: () => onnx.dispose(),
    async [Symbol.asyncDispose]() {
      await onnx.dispose();
    },
  };
}

/**
 * Softmax over `logits`, then the `k` best classes, best first (ties: lower index first). Pure.
 *
 * @example
 * ```ts
 * topKLabels(Float32Array.of(1, 3, 2), ['cat', 'dog', 'car'], 2);
 * // [{ label: 'dog', score: 0.665 }, { label: 'car', score: 0.245 }]
 * ```
 */
export function topKLabels(logits: Float32Array | readonly number[], labels: readonly string[], k: number): LabelScore[] {
  if (!Number.isInteger(k) || k < 1) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `topK must be a positive integer, got ${k}.`, {
      details: { option: 'topK', value: k },
    });
  }
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const order = exps.map((_, i) => i).sort((a, b) => (exps[b] as number) - (exps[a] as number) || a - b);
  return order.slice(0, k).map((i) => ({ label: labels[i] ?? `LABEL_${i}`, score: (exps[i] as number) / sum }));
}

/**
 * Class names by index from a config's `id2label` (keys are decimal indices 0…n-1).
 *
 * @example
 * ```ts
 * labelsOf({ id2label: { '0': 'cat', '1': 'dog' } }, 'config.json'); // ['cat', 'dog']
 * ```
 */
export function labelsOf(config: { id2label?: Record<string, string> }, source: string): string[] {
  const entries = Object.entries(config.id2label ?? {});
  const labels: string[] = [];
  for (const [key, label] of entries) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || typeof label !== 'string') {
      throw new FramepipeError(
        'ERR_MODEL_INVALID',
        `${source}: id2label entry ${JSON.stringify(key)}: ${JSON.stringify(label)} is not an index 0…${entries.length - 1} with a name; fix the config.`,
        {
          details: { source, key },
        },
      );
    }
    labels[i] = label;
  }
  if (labels.length === 0) {
    throw new FramepipeError('ERR_MODEL_INVALID', `${source} has no id2label, so classes have no names; add id2label to config.json.`, {
      details: { source },
    });
  }
  return labels;
}
