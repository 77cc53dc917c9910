/**
 * The first request to an HTTP source: `GET` with `Range: bytes=0-65535`. Its answer tells whether the
 * server can seek (206 + Content-Range), how big the resource is, its type, and gives the first bytes to
 * sniff (MP4 index position, HLS playlist). Retried per the retry policy.
 */
import { FramepipeError } from '../core/errors.ts';
import type { ResolvedSourceOptions } from './options.ts';
import { withRetries } from './retry.ts';
import { displayNameOf } from './sniff.ts';
import type { ByteMeter } from './source.ts';
import { chunksWithStallTimeout, requestUpstream, statusError, type UpstreamResponse } from './upstream.ts';

/** Bytes asked for by the preflight: enough to find `moov` after a typical `ftyp` and `free`. */
export const PREFLIGHT_BYTES = 64 * 1024;

/** What the preflight learned. */
export interface Preflight {
  /** The URL that answered, after redirects. */
  url: URL;
  /** True when the server answered the range with 206 and a Content-Range. */
  rangeSupported: boolean;
  /** Total size in bytes, or null when the server did not say. */
  totalBytes: number | null;
  contentType: string | null;
  /** The first bytes of the resource (up to {@link PREFLIGHT_BYTES}). */
  head: Buffer;
}

/**
 * Runs the preflight request with retries.
 *
 * @throws FramepipeError ERR_HTTP_STATUS, ERR_UNREACHABLE, ERR_TIMEOUT, ERR_EMPTY_INPUT,
 *   ERR_BUDGET_EXCEEDED or ERR_ABORTED.
 */
export async function preflight(url: URL, o: ResolvedSourceOptions, meter: ByteMeter): Promise<Preflight> {
  // Never ask for more than the byte budget allows (maxBytes is at least 1).
  const wanted = Math.max(1, Math.min(PREFLIGHT_BYTES, meter.remaining));
  const ctx = { retry: o.retry, signal: o.signal, onWarning: o.onWarning, displayName: displayNameOf(url) };
  return withRetries(ctx, async (attempt) => {
    const response = await requestUpstream({
      url,
      headers: o.headers,
      range: `bytes=0-${wanted - 1}`,
      timeoutMs: o.timeoutMs,
      signal: o.signal,
    });
    return readPreflight(response, wanted, o, meter, attempt + 1);
  });
}

async function readPreflight(
  response: UpstreamResponse,
  wanted: number,
  o: ResolvedSourceOptions,
  meter: ByteMeter,
  attempts: number,
): Promise<Preflight> {
  const { status, headers, url } = response;
  if (status === 416 || (status === 200 && headers['content-length'] === '0')) {
    response.abort();
    throw emptyError(url);
  }
  if (status < 200 || status > 299) {
    response.abort();
    throw statusError(status, url, attempts);
  }
  const contentRange = status === 206 ? parseContentRange(headers['content-range']) : null;
  const head = await readHead(response, wanted, o, meter);
  if (head.byteLength === 0) throw emptyError(url);
  const declaredLength = Number(headers['content-length']);
  return {
    url,
    rangeSupported: contentRange !== null,
    totalBytes: contentRange ? contentRange.total : status === 200 && declaredLength > 0 ? declaredLength : null,
    contentType: headers['content-type'] ?? null,
    head,
  };
}

/** Reads up to `limit` body bytes, then stops the transfer (a server that ignored Range sends everything). */
async function readHead(response: UpstreamResponse, limit: number, o: ResolvedSourceOptions, meter: ByteMeter): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  const onAbort = () => response.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of chunksWithStallTimeout(response.body, o.timeoutMs, displayNameOf(response.url))) {
      meter.count(chunk.byteLength);
      const part = chunk.subarray(0, limit - length);
      parts.push(part);
      length += part.byteLength;
      if (length >= limit) break;
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    response.abort();
  }
  return Buffer.concat(parts, length);
}

/**
 * Parses `Content-Range: bytes <start>-<end>/<total|*>`.
 *
 * @example
 * ```ts
 * parseContentRange('bytes 0-99/1000'); // { start: 0, end: 99, total: 1000 }
 * ```
 */
export function parseContentRange(value: string | undefined): { start: number; end: number; total: number | null } | null {
  const match = value ? /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value) : null;
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? null : Number(match[3]) };
}

function emptyError(url: URL): FramepipeError {
  const name = displayNameOf(url);
  return new FramepipeError('ERR_EMPTY_INPUT', `${name} has zero bytes. Check the URL points at a video file.`, {
    details: { url: name },
  });
}
