/**
 * Options shared by the Hugging Face model factories, their schemas, and the one step every factory starts
 * with: validate, resolve the model to a local directory, read its configs.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { FramepipeError } from '../../core/errors.ts';
import type { ModelInput } from '../types.ts';
import { modelInputSchema, parseOptions, sessionOptionsShape } from '../onnx/options.ts';
import type { OnnxSessionOptions } from '../onnx/session.ts';
import { type HubOptions, resolveModel } from './hub.ts';
import { readJson } from './tokenizer.ts';

/** Options every Hugging Face model factory takes. */
export interface HfModelOptions extends HubOptions, OnnxSessionOptions {
  /** A hub id (`Xenova/clip-vit-base-patch32`) or a local directory in the transformers.js layout. */
  model: string;
  /** Stable id used in results and idempotency keys. Default `<kind>:<model>` (plus `@<revision>` when not main). */
  id?: string;
  /** Run one dummy batch at load time. Default true. */
  warmup?: boolean;
}

/** Options of the image factories: the ONNX file and an optional override of the derived input. */
export interface HfImageModelOptions extends HfModelOptions {
  /** The ONNX file inside the model, e.g. `onnx/vision_model_quantized.onnx`. Default depends on the factory. */
  onnxFile?: string;
  /** Fields that replace those derived from `preprocessor_config.json` (for processors it cannot express). */
  input?: Partial<ModelInput>;
}

const hubShape = {
  model: z.string().min(1),
  id: z.string().min(1).optional(),
  cacheDir: z.string().min(1).optional(),
  offline: z.boolean().optional(),
  revision: z.string().min(1).optional(),
  hubUrl: z.url().optional(),
  hubToken: z.string().min(1).optional(),
  ...sessionOptionsShape,
};

const onnxFile = z
  .string()
  .regex(/^[\w./-]+\.onnx$/, 'must be a relative path ending in .onnx')
  .refine((p) => !p.split('/').includes('..'), 'must stay inside the model directory')
  .optional();

/** Schema of {@link HfModelOptions} plus factory-specific fields. */
export function hfSchema<S extends z.ZodRawShape>(extra: S) {
  return z.strictObject({ ...hubShape, onnxFile, ...extra });
}

/** Schema of {@link HfImageModelOptions} plus factory-specific fields. */
export function hfImageSchema<S extends z.ZodRawShape>(extra: S) {
  return hfSchema({ input: z.record(z.string(), z.unknown()).optional(), ...extra });
}

/** A model resolved to local files, with its parsed configs. */
export interface LoadedDir {
  dir: string;
  id: string;
  json: Record<string, Record<string, unknown>>;
}

/**
 * Validates `options` with `schema`, resolves the model (downloading what is missing unless offline) and
 * reads the listed JSON files.
 *
 * @example
 * ```ts
 * const { dir, json } = await openModelDir(options, hfSchema({}), 'createClipTextEncoder', 'clip-text', ['config.json'], ['onnx/text_model.onnx']);
 * ```
 */
export async function openModelDir(
  options: HfModelOptions,
  schema: z.ZodType,
  where: string,
  kind: string,
  jsonFiles: readonly string[],
  otherFiles: readonly string[],
): Promise<LoadedDir> {
  parseOptions(schema, options, where);
  const { dir } = await resolveModel(options.model, [...jsonFiles, ...otherFiles], options, defaultCacheDir);
  const json: Record<string, Record<string, unknown>> = {};
  for (const file of jsonFiles) json[file] = await readJson(join(dir, file));
  const revision = options.revision && options.revision !== 'main' ? `@${options.revision}` : '';
  return { dir, id: options.id ?? `${kind}:${options.model}${revision}`, json };
}

/**
 * Merges an `input` override over a derived input and validates the result.
 *
 * @example
 * ```ts
 * mergeInput({ width: 224, height: 224 }, { fit: 'fill' }, 'createImageClassifier');
 * ```
 */
export function mergeInput(derived: ModelInput, override: Partial<ModelInput> | undefined, where: string): ModelInput {
  const input = { ...derived, ...override };
  parseOptions(modelInputSchema, input, `${where} (input)`);
  return input;
}

async function defaultCacheDir(): Promise<string> {
  const { env } = await import('@huggingface/transformers');
  if (!env.cacheDir) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      'cacheDir is not set and transformers.js has no default cache directory here; pass cacheDir.',
      { details: { option: 'cacheDir' } },
    );
  }
  return env.cacheDir;
}
