/**
 * Turns played frames (packed rgb24 HWC uint8 at the playback size) into a model's declared input, with the
 * same preprocessing the frame engine derives for that model: `outputForModel` → `planFilterGraph` →
 * `createTensorWriter`, run on raw pixels instead of decoded frames.
 */
import { FramepipeError } from '../core/errors.ts';
import type { Frame } from '../core/types.ts';
import { RawFrameConverter } from '../decode/raw-converter.ts';
import type { ModelBatch, ModelInput, SourcedFrameMeta } from '../models/types.ts';
import { outputForModel } from '../pipeline/model-input.ts';
import { type FilterPlan, planFilterGraph } from '../preprocess/filter-graph.ts';
import { createTensorWriter } from '../preprocess/tensor.ts';

/** Size of the played frames, in pixels. */
export interface PlaybackSize {
  /** Width of every played frame, in pixels. */
  width: number;
  /** Height of every played frame, in pixels. */
  height: number;
}

/** Options for {@link createModelFrames}. */
export interface ModelFramesOptions {
  /** The source id written into every frame's metadata (`SourcedFrameMeta.source`). */
  source: string;
}

/** Converts windows of played frames into {@link ModelBatch}es. Create one with {@link createModelFrames}. */
export interface ModelFrames {
  /** The filter graph run on each frame, or null when played frames already have the model's size and colour. */
  readonly filter: string | null;
  /**
   * Converts `frames` (packed rgb24 HWC uint8 at the playback size, oldest first) into one contiguous batch in
   * the model's declared form: the same shape, format, layout, dtype and metadata as `extract` gives models.
   */
  toBatch(frames: readonly Frame[]): ModelBatch;
  /** Frees the filter graph. Idempotent. */
  close(): void;
}

/**
 * Prepares the conversion from played frames to `input`. The filter graph is skipped when it would change
 * nothing (same size, rgb24, no `shortestEdge`): layout, dtype and mean/std are then applied directly.
 *
 * @example
 * ```ts
 * const toModel = createModelFrames({ width: 1280, height: 720 }, model.input, { source: 'cam1' });
 * try {
 *   const outputs = await model.run(toModel.toBatch(window));
 * } finally {
 *   toModel.close();
 * }
 * ```
 */
export function createModelFrames(playback: PlaybackSize, input: ModelInput, options: ModelFramesOptions): ModelFrames {
  for (const side of ['width', 'height'] as const) {
    const v = playback[side];
    if (!Number.isInteger(v) || v < 1) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', `The playback ${side} = ${String(v)} is invalid; use a whole number of pixels >= 1.`, { details: { option: `playback.${side}`, value: v } });
    }
  }
  if (typeof options?.source !== 'string') {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `createModelFrames needs options.source (the source id), got ${String(options?.source)}.`, { details: { option: 'source' } });
  }
  const output = outputForModel(input);
  const plan = planFilterGraph({ width: playback.width, height: playback.height, rotation: 0 }, output);
  const writer = createTensorWriter(plan, output);
  const identity = plan.width === playback.width && plan.height === playback.height && plan.format === 'rgb24' && output.shortestEdge === undefined;
  const converter = identity ? null : new RawFrameConverter({ width: playback.width, height: playback.height, pixelFormat: 'rgb24' }, plan.description);
  const frameBytes = playback.width * playback.height * 3;
  const source = options.source;
  let closed = false;

  return {
    filter: converter ? plan.description : null,
    toBatch(frames) {
      if (closed) throw new FramepipeError('ERR_CLOSED', 'These model frames are closed; create new ones with createModelFrames.');
      if (frames.length === 0) throw new FramepipeError('ERR_INVALID_OPTIONS', 'toBatch needs at least one frame.', { details: { option: 'frames' } });
      const n = frames.length;
      const size = writer.frameElements;
      const data = writer.dtype === 'float32' ? new Float32Array(n * size) : new Uint8Array(n * size);
      const metas: SourcedFrameMeta[] = [];
      frames.forEach((frame, i) => {
        checkFrame(frame, i, playback, frameBytes);
        const pixels = converter ? converter.convert(frame.data as Uint8Array) : (frame.data as Uint8Array);
        writer.write(pixels, data, i * size);
        metas.push({ index: frame.index, ptsSeconds: frame.ptsSeconds, durationSeconds: frame.durationSeconds, keyframe: frame.keyframe, decodedAtMs: frame.decodedAtMs, source });
      });
      return { frames: metas, shape: shapeOf(n, plan), format: plan.format, layout: plan.layout, dtype: writer.dtype, data };
    },
    close() {
      if (closed) return;
      closed = true;
      converter?.close();
    },
  };
}

function shapeOf(n: number, plan: FilterPlan): ModelBatch['shape'] {
  return plan.layout === 'chw' ? [n, plan.channels, plan.height, plan.width] : [n, plan.height, plan.width, plan.channels];
}

function checkFrame(frame: Frame, i: number, playback: PlaybackSize, bytes: number): void {
  const ok =
    frame.width === playback.width &&
    frame.height === playback.height &&
    frame.format === 'rgb24' &&
    frame.layout === 'hwc' &&
    frame.data instanceof Uint8Array &&
    frame.data.length === bytes;
  if (!ok) {
    const got = `${frame.width}x${frame.height} ${frame.format} ${frame.layout} ${frame.dtype} (${frame.data?.length} elements)`;
    throw new FramepipeError('ERR_INVALID_OPTIONS', `Frame ${i} of the window (index ${frame.index}) is ${got}; model frames need packed rgb24 hwc uint8 at the playback size ${playback.width}x${playback.height}.`, {
      details: { option: 'frames', position: i, frameIndex: frame.index },
    });
  }
}
