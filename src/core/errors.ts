/**
 * The one error catalog. Every failure framepipe reports is a {@link FramepipeError} with a stable `code`
 * from {@link ERROR_CODES}; `docs/errors.md` lists the same codes and a test keeps the two in step.
 */

/** What each code means and whether retrying the same request can help. */
export const ERROR_CODES = {
  ERR_NOT_FOUND: { retriable: false, summary: 'The local file or path does not exist.' },
  ERR_UNREACHABLE: { retriable: true, summary: 'The host refused or dropped the connection, or could not be resolved.' },
  ERR_HTTP_STATUS: { retriable: false, summary: 'The server answered with an HTTP error status (5xx, 408 and 429 are retried first).' },
  ERR_TIMEOUT: { retriable: true, summary: 'A server or live source sent nothing for longer than the timeout.' },
  ERR_NOT_A_VIDEO: { retriable: false, summary: 'The input is not a media file FFmpeg can read.' },
  ERR_EMPTY_INPUT: { retriable: false, summary: 'The input has zero bytes.' },
  ERR_NO_VIDEO_STREAM: { retriable: false, summary: 'The media has no video stream (audio only, or data only).' },
  ERR_UNSUPPORTED_CODEC: { retriable: false, summary: 'No decoder is available for the video codec.' },
  ERR_NO_INDEX: { retriable: false, summary: 'The container index (e.g. the MP4 moov box) is missing, so no frame can be located.' },
  ERR_DECODE: { retriable: false, summary: 'A frame could not be decoded; the position is in `details`.' },
  ERR_TRUNCATED: { retriable: false, summary: 'The input ended before its declared end; every frame before the cut was delivered.' },
  ERR_INVALID_OPTIONS: { retriable: false, summary: 'An option has an invalid value; the message names the option and the fix.' },
  ERR_BUDGET_EXCEEDED: { retriable: false, summary: 'A limit (pixels, bytes, frames, duration) would be or was exceeded.' },
  ERR_UNSUPPORTED_SOURCE: { retriable: false, summary: 'No source resolver handles this input (unknown scheme or type).' },
  ERR_SOURCE_ENDED: { retriable: true, summary: 'A live source ended and could not be reconnected within the retry policy.' },
  ERR_HWACCEL_UNAVAILABLE: { retriable: false, summary: 'The requested hardware decoder is not available and fallback was disabled.' },
  ERR_MODEL_NOT_FOUND: { retriable: false, summary: 'The model file, directory or hub id could not be found.' },
  ERR_MODEL_INVALID: { retriable: false, summary: 'The model file is not a valid model (e.g. not ONNX) or could not be loaded.' },
  ERR_MODEL_INPUT_MISMATCH: { retriable: false, summary: "The model's input shape or type does not fit its declared input." },
  ERR_MODEL_OFFLINE: { retriable: true, summary: 'The model is not cached locally and downloads are disabled (offline).' },
  ERR_MODEL_RUN: { retriable: false, summary: 'The model failed while running a batch.' },
  ERR_PROVIDER_UNAVAILABLE: { retriable: false, summary: 'The requested execution provider (cuda, tensorrt, webgpu, …) is not installed and fallback was disabled.' },
  ERR_INVALID_CONFIG: { retriable: false, summary: 'A pipeline config file is invalid; the message gives the path to the bad field and what is expected.' },
  ERR_ALGORITHM: { retriable: false, summary: 'An algorithm of a pipeline threw while running a window.' },
  ERR_SINK_WRITE: { retriable: true, summary: 'A result sink could not write (path not writable, server unreachable, bad response).' },
  ERR_ABORTED: { retriable: false, summary: 'The operation was cancelled by an AbortSignal or close().' },
  ERR_CLOSED: { retriable: false, summary: 'The video was already closed.' },
  ERR_INTERNAL: { retriable: false, summary: 'An unexpected internal failure; please report it with the message.' },
} as const;

/** A stable error code; see `docs/errors.md`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Construction options for {@link FramepipeError}. */
export interface FramepipeErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Overrides the catalog's default for whether a retry can help. */
  retriable?: boolean;
  /** Structured facts about the failure (HTTP status, frame index, byte offset, …). */
  details?: Record<string, unknown>;
}

/**
 * The only error type framepipe throws or reports.
 *
 * @example
 * ```ts
 * try { await openVideo('missing.mp4'); }
 * catch (err) { if (isFramepipeError(err) && err.code === 'ERR_NOT_FOUND') console.error(err.message); }
 * ```
 */
export class FramepipeError extends Error {
  /** Stable code from {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** Whether repeating the same request could succeed. */
  readonly retriable: boolean;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FramepipeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FramepipeError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.details = options.details ?? {};
  }

  /** A plain object that survives `postMessage` and `JSON.stringify`. */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, retriable: this.retriable, details: this.details };
  }

  /** Rebuilds an error from {@link FramepipeError.toJSON}'s output. */
  static fromJSON(data: SerializedError): FramepipeError {
    return new FramepipeError(data.code, data.message, { retriable: data.retriable, details: data.details });
  }
}

/** The wire form of a {@link FramepipeError}. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  retriable: boolean;
  details: Record<string, unknown>;
}

/** Type guard for {@link FramepipeError}. */
export function isFramepipeError(err: unknown): err is FramepipeError {
  return err instanceof FramepipeError;
}

/** Wraps anything thrown into a {@link FramepipeError}, keeping ours unchanged. */
export function toFramepipeError(err: unknown, fallback: ErrorCode = 'ERR_INTERNAL'): FramepipeError {
  if (err instanceof FramepipeError) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new FramepipeError('ERR_ABORTED', 'The operation was aborted.', { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new FramepipeError(fallback, message, { cause: err });
}

/** The error raised when an AbortSignal fires; keeps the signal's reason as the cause. */
export function abortError(signal?: AbortSignal): FramepipeError {
  return new FramepipeError('ERR_ABORTED', 'The operation was aborted by its AbortSignal or by close().', {
    cause: signal?.reason,
  });
}
