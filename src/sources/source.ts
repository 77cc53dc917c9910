/**
 * The pieces every built-in resolver shares: a byte meter that enforces `maxBytes` and remembers the first
 * fatal error, and the one {@link OpenableSource} implementation with an idempotent `close()`.
 */
import { FramepipeError } from '../core/errors.ts';
import type { OpenableSource, ReconnectOptions } from './types.ts';

/**
 * Counts network bytes for one source, enforces its byte budget and keeps the first fatal error seen,
 * so the decoder can report "HTTP 404" or "budget exceeded" instead of a generic I/O error.
 */
export class ByteMeter {
  readonly maxBytes: number | null;
  readonly displayName: string;
  #bytes = 0;
  #budgetUsed = 0;
  #failure: FramepipeError | null = null;

  constructor(maxBytes: number | null, displayName: string) {
    this.maxBytes = maxBytes;
    this.displayName = displayName;
  }

  /** Bytes received from the network so far, overhead included. */
  get bytesRead(): number {
    return this.#bytes;
  }

  /** Bytes still allowed under the budget, or Infinity without one. */
  get remaining(): number {
    return this.maxBytes === null ? Number.POSITIVE_INFINITY : Math.max(0, this.maxBytes - this.#budgetUsed);
  }

  /**
   * Counts `n` received bytes against the budget. Returns ERR_BUDGET_EXCEEDED (and records it) instead of
   * counting when they would take the total past `maxBytes`; the caller must then stop reading.
   */
  add(n: number): FramepipeError | null {
    if (this.maxBytes !== null && this.#budgetUsed + n > this.maxBytes) {
      const err = budgetError(this.displayName, this.maxBytes, this.#budgetUsed + n);
      this.record(err);
      return err;
    }
    this.#budgetUsed += n;
    this.#bytes += n;
    return null;
  }

  /**
   * Counts `n` bytes in {@link bytesRead} only: the preflight's first bytes (at most 64 KiB, our overhead,
   * not the user's data) and downloads, which enforce the budget per attempt themselves.
   */
  count(n: number): void {
    this.#bytes += n;
  }

  /** Keeps `err` unless an earlier fatal error is already recorded. */
  record(err: FramepipeError): void {
    this.#failure ??= err;
  }

  /** The first recorded fatal error, or null. */
  failure(): FramepipeError | null {
    return this.#failure;
  }
}

/** ERR_BUDGET_EXCEEDED naming the limit and the size that broke it. */
export function budgetError(displayName: string, maxBytes: number, wantedBytes: number, what = 'reading'): FramepipeError {
  return new FramepipeError(
    'ERR_BUDGET_EXCEEDED',
    `${displayName}: ${what} ${wantedBytes} bytes exceeds maxBytes (${maxBytes} bytes). Raise maxBytes or use a smaller source.`,
    { details: { maxBytes, bytes: wantedBytes } },
  );
}

/** Everything a resolver decides about a source; `cleanup` releases what it holds. */
export interface SourceParts {
  url: string;
  format?: string | null;
  ffmpegOptions?: Record<string, string>;
  displayName: string;
  kind: string;
  isLive?: boolean;
  container?: string | null;
  reconnect: Required<ReconnectOptions>;
  meter?: ByteMeter;
  cleanup?: () => Promise<void>;
}

/**
 * The built-in {@link OpenableSource}: plain fields plus an idempotent `close()` that runs the cleanup once
 * and returns the same promise to every caller.
 *
 * @example
 * ```ts
 * await using source = createSource({ url: '/v.mp4', displayName: '/v.mp4', kind: 'file', reconnect });
 * ```
 */
export function createSource(parts: SourceParts): OpenableSource {
  let closing: Promise<void> | null = null;
  const meter = parts.meter;
  const close = (): Promise<void> => {
    closing ??= (parts.cleanup ?? (async () => {}))();
    return closing;
  };
  return {
    url: parts.url,
    format: parts.format ?? null,
    ffmpegOptions: { ...parts.ffmpegOptions },
    displayName: parts.displayName,
    kind: parts.kind,
    isLive: parts.isLive ?? false,
    container: parts.container ?? null,
    reconnect: parts.reconnect,
    bytesRead: () => meter?.bytesRead ?? 0,
    failure: () => meter?.failure() ?? null,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** FFmpeg's `rw_timeout` and similar AVOptions are in microseconds, as strings. */
export function microseconds(ms: number): string {
  return String(Math.round(ms * 1000));
}
