/**
 * The contract between the source layer (resolve a user's input into something FFmpeg can open) and
 * the decode layer. A resolver is the plug-in point: a YouTube resolver, for example, turns a page URL
 * into a media URL without touching the decoder.
 */
import type { Readable } from 'node:stream';
import type { FramepipeError } from '../core/errors.ts';

/** Anything a user may pass as a video source. */
export type SourceInput = string | URL | Uint8Array | ArrayBuffer | Readable;

/** Retry policy for retriable failures (connection errors, timeouts, HTTP 5xx/408/429). */
export interface RetryOptions {
  /** Attempts after the first. Default 3. */
  retries?: number;
  /** First backoff delay in ms; doubles each attempt with ±20% jitter. Default 250. */
  baseDelayMs?: number;
  /** Largest backoff delay in ms. Default 5000. */
  maxDelayMs?: number;
}

/** Options for resolving and reading a source. Every field is optional. */
export interface SourceOptions {
  /** Extra HTTP request headers (HTTP/HLS sources). */
  headers?: Record<string, string>;
  /** Connect timeout and longest silence while reading, in ms. Default 15000. */
  timeoutMs?: number;
  /** Retry policy for retriable HTTP/network failures. */
  retry?: RetryOptions;
  /** Directory for downloads when a source cannot be streamed. Default `<os tmpdir>/framepipe-cache`. */
  cacheDir?: string;
  /** Keep downloaded files after close and reuse them next time. Default false. */
  keepCache?: boolean;
  /** Refuse to download more than this many bytes over the network. Default: no limit. */
  maxBytes?: number | null;
  /** Largest `data:` URI payload accepted, in bytes. Default 64 MiB. */
  maxDataUriBytes?: number;
  /** Live sources: reconnect policy. */
  reconnect?: ReconnectOptions;
  /** Force an FFmpeg input format (e.g. `v4l2`, `mpegts`). */
  format?: string;
  /** Extra FFmpeg input options (AVOptions as strings), passed through unchanged. */
  ffmpegOptions?: Record<string, string>;
  /** Cancels resolving (downloads, retries). */
  signal?: AbortSignal;
  /** Receives warnings (retries, fallbacks to download). */
  onWarning?: (warning: SourceWarning) => void;
}

/** Reconnect policy for live sources. */
export interface ReconnectOptions {
  /** Reconnect after the source drops. Default true for live sources. */
  enabled?: boolean;
  /** Give up after this many consecutive failed attempts. Default 10. */
  maxAttempts?: number;
  /** First backoff delay in ms; doubles each attempt. Default 500. */
  baseDelayMs?: number;
  /** Largest backoff delay in ms. Default 10000. */
  maxDelayMs?: number;
}

/** A recoverable problem the source layer worked around. */
export interface SourceWarning {
  code: 'retry' | 'download-fallback' | 'reconnect' | 'cache-hit';
  message: string;
  details?: Record<string, unknown>;
}

/** Something FFmpeg can open, plus the means to account for and release it. */
export interface OpenableSource extends AsyncDisposable {
  /** What FFmpeg opens: a path or URL (possibly a loopback URL that framepipe serves). */
  url: string;
  /** FFmpeg input format to force, or null to probe. */
  format: string | null;
  /** Options for avformat_open_input (protocol and demuxer AVOptions), as strings. */
  ffmpegOptions: Record<string, string>;
  /** The source for messages: credentials and query strings removed. */
  displayName: string;
  /** Which resolver produced it (`file`, `http`, `hls`, `memory`, `live`, `device`, …). */
  kind: string;
  /** What the first bytes say the container is (`mp4`, `mpegts`, …), when the source layer looked; else null. */
  container?: string | null;
  /** True for live sources; the decode loop reconnects them per `reconnect`. */
  isLive: boolean;
  /** Reconnect policy, filled with defaults. */
  reconnect: Required<ReconnectOptions>;
  /** Bytes fetched from the network so far (0 for local files). */
  bytesRead(): number;
  /** A fatal error the source layer saw (HTTP status, timeout, budget), to report instead of a generic I/O error. */
  failure(): FramepipeError | null;
  /** Releases servers, sockets and temporary files. Idempotent. */
  close(): Promise<void>;
}

/** Turns a user's input into an {@link OpenableSource}. Register one with `registerResolver`. */
export interface SourceResolver {
  /** Short name, e.g. `http`. */
  readonly name: string;
  /** True when this resolver handles the input. Checked in registration order, newest first. */
  canResolve(input: SourceInput): boolean;
  /** Resolves the input. Throws a FramepipeError on failure. */
  resolve(input: SourceInput, options: SourceOptions): Promise<OpenableSource>;
}
