/**
 * Messages between a video handle (caller's thread) and its decode worker.
 */
import type { SerializedError } from '../core/errors.ts';
import type { DecodeStats, DType, FrameMeta, OutputOptions, SamplingManifest, SamplingOptions, VideoInfo } from '../core/types.ts';
import type { HardwareAcceleration } from '../decode/decoder.ts';
import type { InputSpec } from '../decode/input.ts';
import type { ReconnectOptions } from '../sources/types.ts';

/** Slots of the shared control array. */
export const CONTROL = { CREDITS: 0, CANCEL: 1 } as const;

/** Limits enforced in the worker. */
export interface WorkerBudget {
  maxPixelsPerFrame: number | null;
  maxDurationSeconds: number | null;
  maxDecodedFrames: number | null;
}

export interface OpenRequest {
  type: 'open';
  spec: InputSpec;
  decoder: { threads: number; hardware: HardwareAcceleration; requireHardware: boolean };
  budget: WorkerBudget;
  reconnect: Required<ReconnectOptions>;
}

export interface RunRequest {
  type: 'run';
  sampling: SamplingOptions;
  output: OutputOptions;
  /** Frames per posted chunk. */
  chunkFrames: number;
  budget: WorkerBudget;
  /** Int32Array over this buffer, slots per {@link CONTROL}. */
  control: SharedArrayBuffer;
}

export type ToWorker = OpenRequest | RunRequest | { type: 'close' };

export type ToMain =
  | { type: 'opened'; info: VideoInfo }
  | { type: 'chunk'; metas: FrameMeta[]; data: ArrayBuffer; dtype: DType }
  | { type: 'warning'; code: string; message: string; details: Record<string, unknown> }
  | { type: 'end'; manifest: SamplingManifest; stats: DecodeStats; error: SerializedError | null }
  | { type: 'error'; error: SerializedError };
