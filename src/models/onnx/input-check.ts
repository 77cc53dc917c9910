/**
 * Checks that a model's input tensor fits the declared {@link ModelInput}, once at load time, and that each
 * batch fits it at run time. Pure functions: they only read metadata and throw ERR_MODEL_INPUT_MISMATCH.
 */
import { FramepipeError } from '../../core/errors.ts';
import type { DType, Layout, PixelFormat } from '../../core/types.ts';
import type { ModelBatch, ModelInput } from '../types.ts';
import type { TensorInfo } from './session.ts';

/** A declared input with every default filled in. */
export interface ResolvedInput {
  width: number;
  height: number;
  channels: number;
  pixelFormat: PixelFormat;
  layout: Layout;
  dtype: DType;
}

const CHANNELS: Record<PixelFormat, number> = { rgb24: 3, bgr24: 3, gray: 1, rgba: 4 };

/**
 * Fills the defaults of a declared input (`rgb24`, `chw`, `float32`).
 *
 * @example
 * ```ts
 * resolveInput({ width: 224, height: 224 }); // { width: 224, height: 224, channels: 3, pixelFormat: 'rgb24', layout: 'chw', dtype: 'float32' }
 * ```
 */
export function resolveInput(input: ModelInput): ResolvedInput {
  const pixelFormat = input.pixelFormat ?? 'rgb24';
  return {
    width: input.width,
    height: input.height,
    channels: CHANNELS[pixelFormat],
    pixelFormat,
    layout: input.layout ?? 'chw',
    dtype: input.dtype ?? 'float32',
  };
}

/**
 * The tensor shape a declared input produces for `n` frames.
 *
 * @example
 * ```ts
 * inputShape({ width: 224, height: 224 }, 8); // [8, 3, 224, 224]
 * ```
 */
export function inputShape(input: ModelInput, n: number): [number, number, number, number] {
  const r = resolveInput(input);
  return r.layout === 'chw' ? [n, r.channels, r.height, r.width] : [n, r.height, r.width, r.channels];
}

/** `224x224 rgb24 chw float32`: a declared input in words, for messages. */
export function describeInput(input: ModelInput): string {
  const r = resolveInput(input);
  return `${r.width}x${r.height} ${r.pixelFormat} ${r.layout} ${r.dtype}`;
}

/**
 * Checks a model input tensor against the declared input: rank 4, channels, height and width where the
 * model fixes them, layout and element type. Returns the model's fixed batch size, or null when dynamic.
 *
 * @example
 * ```ts
 * checkModelInput({ name: 'pixel_values', type: 'float32', shape: ['batch', 3, 224, 224] }, { width: 224, height: 224 }); // { fixedBatch: null }
 * ```
 */
export function checkModelInput(info: TensorInfo, input: ModelInput, modelName: string): { fixedBatch: number | null } {
  const r = resolveInput(input);
  const shape = info.shape;
  const fail = (why: string, fix: string): never => {
    throw new FramepipeError(
      'ERR_MODEL_INPUT_MISMATCH',
      `${modelName}: input '${info.name}' has shape [${shape.join(',')}] (${info.type}), but the declared input is ${describeInput(input)}, i.e. [N,${inputShape(input, 1).slice(1).join(',')}]: ${why}. ${fix}`,
      { details: { model: modelName, inputName: info.name, modelShape: [...shape], modelType: info.type, declared: { ...input } } },
    );
  };
  if (info.type !== r.dtype)
    fail(
      `the element type differs`,
      `Declare dtype: '${info.type}' if the frame engine can deliver it (float32 or uint8), or export the model with a ${r.dtype} input.`,
    );
  if (shape.length !== 4)
    fail(`the model input has rank ${shape.length}, not 4`, 'Use a model that takes a batch of images [N,C,H,W] or [N,H,W,C].');
  const expected = inputShape(input, 1);
  const fits = (dims: readonly (number | string)[]) => dims.every((d, i) => i === 0 || typeof d !== 'number' || d === expected[i]);
  if (!fits(shape)) {
    const other: ModelInput = { ...input, layout: r.layout === 'chw' ? 'hwc' : 'chw' };
    const otherShape = inputShape(other, 1);
    const fitsOther = shape.every((d, i) => i === 0 || typeof d !== 'number' || d === otherShape[i]);
    if (fitsOther) fail(`the layout differs`, `Declare layout: '${other.layout}'.`);
    const [h, w, c] = r.layout === 'chw' ? [shape[2], shape[3], shape[1]] : [shape[1], shape[2], shape[3]];
    if (typeof c === 'number' && c !== r.channels)
      fail(
        `the model takes ${c} channels, ${r.pixelFormat} has ${r.channels}`,
        `Declare pixelFormat: '${c === 1 ? 'gray' : c === 4 ? 'rgba' : 'rgb24'}' (gray = 1, rgb24/bgr24 = 3, rgba = 4 channels).`,
      );
    fail(`the size differs`, `Declare width: ${typeof w === 'number' ? w : r.width}, height: ${typeof h === 'number' ? h : r.height}.`);
  }
  const batch = shape[0];
  return { fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null };
}

/**
 * Checks that a batch has the declared form (the frame engine delivers it so; hand-made batches may not).
 *
 * @example
 * ```ts
 * checkBatch(batch, { width: 224, height: 224 }, 'onnx:model.onnx');
 * ```
 */
export function checkBatch(batch: ModelBatch, input: ModelInput, modelName: string): void {
  const r = resolveInput(input);
  const n = batch.frames.length;
  const expected = inputShape(input, n);
  const problems: string[] = [];
  if (batch.shape.some((d, i) => d !== expected[i])) problems.push(`shape [${batch.shape.join(',')}] is not [${expected.join(',')}]`);
  if (batch.layout !== r.layout) problems.push(`layout ${batch.layout} is not ${r.layout}`);
  if (batch.dtype !== r.dtype) problems.push(`dtype ${batch.dtype} is not ${r.dtype}`);
  const arrayOk = r.dtype === 'float32' ? batch.data instanceof Float32Array : batch.data instanceof Uint8Array;
  if (!arrayOk) problems.push(`data is a ${batch.data.constructor.name}, not a ${r.dtype === 'float32' ? 'Float32Array' : 'Uint8Array'}`);
  const size = expected.reduce((a, b) => a * b, 1);
  if (batch.data.length !== size) problems.push(`data has ${batch.data.length} elements, not ${size}`);
  if (problems.length > 0) {
    throw new FramepipeError(
      'ERR_MODEL_INPUT_MISMATCH',
      `${modelName}: the batch does not match the declared input ${describeInput(input)}: ${problems.join('; ')}. Deliver frames with output options derived from model.input.`,
      {
        details: { model: modelName, batchShape: [...batch.shape], declared: { ...input } },
      },
    );
  }
}
