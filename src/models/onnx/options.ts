/**
 * Option schemas for the model factories, checked once at the edge. Messages name the option, the bad
 * value and what is accepted.
 */
import { z } from 'zod';
import { FramepipeError } from '../../core/errors.ts';
import type { ModelInput } from '../types.ts';
import { EXECUTION_PROVIDERS } from './providers.ts';

const side = z.number().int().min(1).max(16384);

/** Schema of a declared {@link ModelInput}. */
export const modelInputSchema = z
  .strictObject({
    width: side,
    height: side,
    fit: z.enum(['fill', 'cover', 'contain']).optional(),
    shortestEdge: side.optional(),
    pixelFormat: z.enum(['rgb24', 'bgr24', 'gray', 'rgba']).optional(),
    layout: z.enum(['hwc', 'chw']).optional(),
    dtype: z.enum(['uint8', 'float32']).optional(),
    mean: z.array(z.number().finite()).optional(),
    std: z
      .array(
        z
          .number()
          .finite()
          .refine((v) => v !== 0, 'std must not contain 0'),
      )
      .optional(),
  })
  .refine((i) => i.shortestEdge === undefined || i.shortestEdge >= Math.max(i.width, i.height), {
    message: 'shortestEdge must be at least the larger of width and height (it is the short side before the centre crop)',
    path: ['shortestEdge'],
  })
  .refine((i) => (i.mean === undefined && i.std === undefined) || (i.dtype ?? 'float32') === 'float32', {
    message: 'mean/std apply to float32 input only; drop them or set dtype: float32',
    path: ['mean'],
  });

/** Schema of the session options shared by every ONNX-backed factory. */
export const sessionOptionsShape = {
  providers: z
    .array(z.enum(EXECUTION_PROVIDERS))
    .min(1)
    .refine((p) => new Set(p).size === p.length, 'providers must not repeat a provider')
    .optional(),
  requireProvider: z.boolean().optional(),
  threads: z.number().int().min(1).max(1024).optional(),
  onWarning: z.function().optional(),
  warmup: z.boolean().optional(),
};

const onnxModelSchema = z.strictObject({
  model: z.union([z.string().min(1), z.instanceof(Uint8Array)]),
  input: modelInputSchema,
  id: z.string().min(1).optional(),
  inputName: z.string().min(1).optional(),
  outputName: z.string().min(1).optional(),
  ...sessionOptionsShape,
});

/**
 * Validates `options` against `schema`; throws ERR_INVALID_OPTIONS naming the first bad field.
 *
 * @example
 * ```ts
 * parseOptions(onnxModelSchema, { model: 'm.onnx', input: { width: 0, height: 224 } }, 'createOnnxModel');
 * // throws ERR_INVALID_OPTIONS: "createOnnxModel: input.width: Too small: expected number to be >=1 …"
 * ```
 */
export function parseOptions<T>(schema: z.ZodType<T>, options: unknown, where: string): T {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).join('.');
  const what =
    issue?.code === 'unrecognized_keys'
      ? `unknown option ${[path, ...issue.keys].filter(Boolean).join('.')}`
      : `${path || 'options'}: ${issue?.message ?? 'invalid'}`;
  throw new FramepipeError('ERR_INVALID_OPTIONS', `${where}: ${what}. See docs/models.md for the accepted values.`, {
    details: { option: path, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}

/**
 * Validates the options of `createOnnxModel`.
 *
 * @example
 * ```ts
 * parseOnnxModelOptions({ model: 'm.onnx', input: { width: 224, height: 224 } });
 * ```
 */
export function parseOnnxModelOptions(options: unknown): void {
  parseOptions(onnxModelSchema, options, 'createOnnxModel');
  const input = (options as { input: ModelInput }).input;
  const channels = input.pixelFormat === 'gray' ? 1 : input.pixelFormat === 'rgba' ? 4 : 3;
  for (const key of ['mean', 'std'] as const) {
    const values = input[key];
    if (values && values.length !== channels && values.length !== 1) {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `createOnnxModel: input.${key} has ${values.length} values; give ${channels} (one per channel of ${input.pixelFormat ?? 'rgb24'}) or 1.`,
        {
          details: { option: `input.${key}`, value: values },
        },
      );
    }
  }
}
