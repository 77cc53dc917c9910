/**
 * The one HTTP client of the source layer (preflight, proxy, download). Built on node:http(s) rather than
 * fetch because the proxy needs the raw status and headers, per-chunk stall timers and byte-exact bodies
 * (`accept-encoding: identity`). Errors come out as FramepipeErrors that say whether a retry can help.
 */
import http, { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { abortError, FramepipeError, isFramepipeError } from '../core/errors.ts';
import { isRetriableStatus } from './retry.ts';
import { displayNameOf } from './sniff.ts';

/** One request to an origin server. */
export interface UpstreamRequest {
  url: URL;
  method?: 'GET' | 'HEAD';
  /** The user's headers, sent on every request. */
  headers: Record<string, string>;
  /** A `Range` header value, or null for the whole resource. */
  range?: string | null;
  /** Longest wait for the response headers, in ms (covers connecting too). */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** A response whose headers arrived; the body is not read yet. */
export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: URL;
  body: IncomingMessage;
  /** Stops the transfer and frees the socket. */
  abort(): void;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Connection problems where the same request may work a moment later. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'EHOSTDOWN', 'ECONNABORTED', 'ENETDOWN', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET',
]);
/** Headers that must not follow a redirect to another origin (the same rule as fetch). */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * Sends one request and resolves once the response headers arrive, following up to 5 redirects.
 * Rejects with ERR_UNREACHABLE, ERR_TIMEOUT (no headers within `timeoutMs`) or ERR_ABORTED; HTTP error
 * statuses are returned, not thrown, because the proxy passes them through.
 */
export async function requestUpstream(request: UpstreamRequest): Promise<UpstreamResponse> {
  let current = request;
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current);
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.status) || !location || hop >= MAX_REDIRECTS) return response;
    response.abort();
    const next = new URL(location, current.url);
    const headers = { ...current.headers };
    if (next.origin !== current.url.origin) {
      for (const name of Object.keys(headers)) if (ORIGIN_BOUND_HEADERS.includes(name.toLowerCase())) delete headers[name];
    }
    current = { ...current, url: next, headers };
  }
}

function requestOnce(request: UpstreamRequest): Promise<UpstreamResponse> {
  const { url, signal, timeoutMs } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const transport = url.protocol === 'https:' ? https : http;
    const clientRequest = transport.request(url, { method: request.method ?? 'GET', headers: requestHeaders(request) });
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: FramepipeError) => {
      if (settled) return;
      settle();
      clientRequest.destroy();
      reject(err);
    };
    const onAbort = () => fail(abortError(signal));
    const timer = setTimeout(() => fail(timeoutError(url, timeoutMs, 'no response')), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Stays attached after the response: late socket errors then surface on the body instead.
    clientRequest.on('error', (err) => fail(networkError(err, url)));
    clientRequest.on('response', (body) => {
      if (settled) return void body.destroy();
      settle();
      const abort = () => {
        body.destroy();
        clientRequest.destroy();
      };
      resolve({ status: body.statusCode ?? 0, headers: body.headers, url, body, abort });
    });
    clientRequest.end();
  });
}

function requestHeaders(request: UpstreamRequest): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'framepipe', 'accept-encoding': 'identity' };
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  // Byte counts, Content-Length and Range offsets only hold for the identity encoding.
  headers['accept-encoding'] = 'identity';
  if (request.range) headers.range = request.range;
  return headers;
}

/**
 * Yields a body's chunks, failing with ERR_TIMEOUT when nothing arrives for `timeoutMs`. The timer only
 * runs while this generator waits for data, so a slow consumer (backpressure) never counts as a stall.
 */
export async function* chunksWithStallTimeout(
  body: Readable,
  timeoutMs: number,
  name: string,
  mapError: (err: unknown) => FramepipeError = (err) => networkError(err, null, name),
): AsyncGenerator<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => body.destroy(timeoutError(null, timeoutMs, `${name}: no data`)), timeoutMs);
  };
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      arm();
      const next = await iterator.next();
      clearTimeout(timer);
      if (next.done) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
    }
  } catch (err) {
    throw isFramepipeError(err) ? err : mapError(err);
  } finally {
    clearTimeout(timer);
    await iterator.return?.();
  }
}

/** The error for an HTTP error status; retriable for 5xx, 408 and 429. */
export function statusError(status: number, url: URL, attempts = 1): FramepipeError {
  const name = displayNameOf(url);
  const reason = STATUS_CODES[status] ?? 'Unknown';
  const hint = statusHint(status, attempts);
  return new FramepipeError('ERR_HTTP_STATUS', `${name} answered HTTP ${status} ${reason}. ${hint}`, {
    retriable: isRetriableStatus(status),
    details: { status, url: name },
  });
}

function statusHint(status: number, attempts: number): string {
  if (status === 401 || status === 403) return 'Pass credentials with options.headers (e.g. { Authorization: "Bearer …" }).';
  if (status === 404 || status === 410) return 'Check the URL.';
  if (status === 429) return `Still refused after ${attempts} attempt(s); raise retry.baseDelayMs or slow down.`;
  if (isRetriableStatus(status)) return `Still failing after ${attempts} attempt(s); raise retry.retries or try later.`;
  return 'The server refused the request; check the URL and options.headers.';
}

/** The error for a silent server or source. */
export function timeoutError(url: URL | null, timeoutMs: number, what: string): FramepipeError {
  const name = url ? `${displayNameOf(url)}: ${what}` : what;
  return new FramepipeError('ERR_TIMEOUT', `${name} for ${timeoutMs} ms. Raise timeoutMs or check the server.`, {
    details: { timeoutMs, ...(url ? { url: displayNameOf(url) } : {}) },
  });
}

/** Maps a socket/DNS error to ERR_UNREACHABLE (retriable when transient) or ERR_TIMEOUT. */
export function networkError(err: unknown, url: URL | null, name = url ? displayNameOf(url) : 'source'): FramepipeError {
  if (isFramepipeError(err)) return err;
  const code = (err as { code?: string } | null)?.code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ABORT_ERR') return abortError();
  if (code === 'ETIMEDOUT') {
    return new FramepipeError('ERR_TIMEOUT', `${name}: the connection timed out (${message}). Check the host and port.`, {
      cause: err,
      details: { errno: code },
    });
  }
  const transient = TRANSIENT_CODES.has(code) || message === 'aborted' || message === 'socket hang up';
  return new FramepipeError('ERR_UNREACHABLE', `${name}: ${unreachableText(code, message)}`, {
    cause: err,
    retriable: transient,
    details: { errno: code || null, ...(url ? { url: displayNameOf(url) } : {}) },
  });
}

function unreachableText(code: string, message: string): string {
  if (code === 'ECONNREFUSED') return 'connection refused. Check that the server runs and the port is right.';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name could not be resolved (${code}). Check the URL.`;
  if (code.startsWith('ERR_TLS') || code.includes('CERT')) return `TLS failed (${code}: ${message}). Check the certificate.`;
  return `the connection failed or was dropped (${code || message}). Check the network or retry later.`;
}
