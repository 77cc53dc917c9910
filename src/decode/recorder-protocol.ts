/**
 * Messages between an `AsyncRecorder` (caller's thread) and its recording worker.
 */
import type { SerializedError } from '../core/errors.ts';
import type { RecorderOptions } from './recorder.ts';

/** Slots of the shared control array. */
export const RECORDER_CONTROL = { ABORT: 0 } as const;

/** Caller → worker. */
export type ToRecorderWorker =
  /** Opens the file; `control` is an Int32Array's buffer, slots per {@link RECORDER_CONTROL}. */
  | { type: 'open'; options: RecorderOptions; control: SharedArrayBuffer }
  /** One frame: `data` is the whole (transferred) buffer of its pixels. */
  | { type: 'frame'; data: ArrayBuffer; ptsSeconds?: number }
  /** Finalise the file (skipping frames still queued when the abort flag is set), then exit. */
  | { type: 'close' };

/** Worker → caller. */
export type FromRecorderWorker =
  | { type: 'opened'; width: number; height: number }
  /** One frame handled (encoded, dropped for its timestamp, or skipped after an abort or a failure). */
  | { type: 'handled'; framesWritten: number; framesDropped: number }
  /** The recording failed; later frames are skipped. Sent at most once. */
  | { type: 'error'; error: SerializedError }
  | { type: 'closed'; framesWritten: number; framesDropped: number };
