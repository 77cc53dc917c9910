/**
 * The model contract. A model declares the input it needs (size, fit, colour, layout, dtype, mean/std) and
 * the frame engine derives its preprocessing from that declaration; `run` gets a batch in exactly that form
 * and returns one output per frame.
 */
import type { Batch, DType, Fit, FrameMeta, Layout, PixelFormat } from '../core/types.ts';

/** What a model needs its frames to look like. */
export interface ModelInput {
  /** Input width in pixels. */
  width: number;
  /** Input height in pixels. */
  height: number;
  /** How frames are fitted to width×height. Default `cover` (scale the short side, centre crop). */
  fit?: Fit;
  /**
   * CLIP-style processors: resize so the short side is this many pixels, then centre-crop width×height.
   * Default: the crop size itself (plain `cover`).
   */
  shortestEdge?: number;
  /** Default `rgb24`. */
  pixelFormat?: PixelFormat;
  /** Default `chw`. */
  layout?: Layout;
  /** Default `float32`. */
  dtype?: DType;
  /** Per-channel mean, applied after scaling to [0,1] (float32 only). */
  mean?: readonly number[];
  /** Per-channel standard deviation (float32 only). */
  std?: readonly number[];
}

/** A delivered frame's metadata plus the source it came from (batches may mix sources). */
export interface SourcedFrameMeta extends FrameMeta {
  /** The source's id within the extraction (its display name unless the caller named it). */
  source: string;
}

/** A batch as models receive it: contiguous pixels in the declared input form, frames possibly from several sources. */
export interface ModelBatch extends Omit<Batch, 'frames'> {
  frames: SourcedFrameMeta[];
}

/**
 * Anything that turns a batch of frames into one output per frame.
 *
 * @example
 * ```ts
 * const brightness: Model<number> = {
 *   id: 'my:brightness',
 *   input: { width: 64, height: 64, layout: 'hwc', dtype: 'uint8', pixelFormat: 'gray' },
 *   async run(batch) {
 *     const n = batch.frames.length, size = batch.data.length / n;
 *     return batch.frames.map((_, i) => batch.data.subarray(i * size, (i + 1) * size).reduce((a, b) => a + b, 0) / size);
 *   },
 * };
 * ```
 */
export interface Model<Out = unknown> {
  /** Stable id, used in results and in the idempotency key (e.g. `onnx:resnet18.onnx`, `builtin:histogram`). */
  readonly id: string;
  /** The declared input; preprocessing is derived from it. */
  readonly input: ModelInput;
  /** Largest batch `run` accepts; larger batches are split. Default: no limit. */
  readonly maxBatchSize?: number;
  /** Loads weights, creates sessions, warms up. Called once before the first `run`. */
  init?(): Promise<void>;
  /** Returns exactly one output per frame of `batch`, in order. */
  run(batch: ModelBatch, signal?: AbortSignal): Promise<Out[]>;
  /** Releases sessions and memory. Idempotent. */
  dispose?(): Promise<void>;
}

/** A plain function used as a model. */
export type ModelFunction<Out = unknown> = (batch: ModelBatch) => Promise<Out[]> | Out[];

/**
 * Wraps a plain (async) function as a {@link Model}.
 *
 * @example
 * ```ts
 * const model = defineModel(async (batch) => batch.frames.map((f) => f.ptsSeconds), { width: 32, height: 32 }, 'my:timestamps');
 * ```
 */
export function defineModel<Out>(fn: ModelFunction<Out>, input: ModelInput, id = `function:${fn.name || 'anonymous'}`): Model<Out> {
  return { id, input, run: async (batch) => fn(batch) };
}

/** The embedding of a model output: a Float32Array / number[] output, or an object's `embedding` field; else null. */
export function embeddingOf(output: unknown): Float32Array | null {
  if (output instanceof Float32Array) return output;
  if (Array.isArray(output) && output.every((v) => typeof v === 'number')) return Float32Array.from(output);
  if (output && typeof output === 'object' && 'embedding' in output) return embeddingOf((output as { embedding: unknown }).embedding);
  return null;
}
