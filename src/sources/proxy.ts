/**
 * The loopback proxy between FFmpeg and an HTTP origin. FFmpeg's own HTTP client cannot count bytes,
 * enforce a budget, resume a dropped body at the right offset or tell us *why* a read failed; the proxy
 * does all four and passes status, Content-Range, Content-Length and Accept-Ranges through unchanged so
 * FFmpeg can still seek. Fatal problems are recorded on the source's {@link ByteMeter} (`failure()`).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { FramepipeError, isFramepipeError } from '../core/errors.ts';
import { registerRoute, type RouteRegistration } from './loopback.ts';
import type { ResolvedSourceOptions } from './options.ts';
import { rewritePlaylist } from './playlist.ts';
import { parseContentRange } from './preflight.ts';
import { backoffDelayMs, isRetriableStatus, retryWarning, sleep, withRetries, worstCaseRetryMs } from './retry.ts';
import { isHlsPlaylist } from './sniff.ts';
import { type ByteMeter, microseconds } from './source.ts';
import { chunksWithStallTimeout, networkError, requestUpstream, statusError, type UpstreamResponse } from './upstream.ts';

/** Largest playlist the proxy buffers for rewriting. */
const MAX_PLAYLIST_BYTES = 16 * 1024 * 1024;
/** Response headers FFmpeg needs to size and seek the resource. */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'last-modified', 'etag'];

/** One proxied origin. */
export interface ProxyConfig {
  /** The resource FFmpeg opens first (after redirects); its origin is the route's main origin. */
  base: URL;
  options: ResolvedSourceOptions;
  meter: ByteMeter;
  /** Rewrite URIs inside HLS playlists so that segments go through the proxy too. */
  rewritePlaylists: boolean;
}

/** A registered proxy route. */
export interface ProxyRoute {
  /** The loopback URL for `base`: `http://127.0.0.1:PORT/s/<id>/<path+query>`. */
  url: string;
  /** Maps any upstream URL to its loopback URL (other origins go under `/x/<id>/<origin>/`). */
  proxyUrlFor(url: URL): string;
  release(): Promise<void>;
}

/**
 * FFmpeg options for reading through the proxy. The proxy retries on FFmpeg's behalf, so FFmpeg must not
 * reconnect by itself and must wait out a whole retry cycle of the proxy before calling a read dead.
 */
export function proxyFfmpegOptions(o: ResolvedSourceOptions): Record<string, string> {
  const patienceMs = worstCaseRetryMs(o.timeoutMs, o.retry) + 1_000;
  return { rw_timeout: microseconds(patienceMs), reconnect: '0' };
}

/**
 * Registers a proxy route for `config.base` on the loopback server.
 *
 * @example
 * ```ts
 * const route = await openProxy({ base: new URL('https://cdn.example/v.mp4'), options, meter, rewritePlaylists: false });
 * // FFmpeg opens route.url; await route.release() when done.
 * ```
 */
export async function openProxy(config: ProxyConfig): Promise<ProxyRoute> {
  const active = new Set<{ res: ServerResponse; controller: AbortController }>();
  let registration: RouteRegistration | null = null;
  const proxyUrlFor = (url: URL): string => {
    if (!registration) throw new FramepipeError('ERR_INTERNAL', 'proxy route used before registration');
    const { origin, id } = registration;
    if (url.origin === config.base.origin) return `${origin}/s/${id}${url.pathname}${url.search}`;
    return `${origin}/x/${id}/${Buffer.from(url.origin).toString('base64url')}${url.pathname}${url.search}`;
  };
  registration = await registerRoute({
    prefixes: ['s', 'x'],
    handle(req, res, prefix, rest) {
      const target = targetFor(config.base, prefix, rest);
      if (!target) return void res.writeHead(404).end();
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
      const entry = { res, controller: new AbortController() };
      active.add(entry);
      res.on('close', () => {
        entry.controller.abort();
        active.delete(entry);
      });
      forward({ ...config, proxyUrlFor }, req, res, target, entry.controller.signal).catch((err: unknown) => {
        config.meter.record(isFramepipeError(err) ? err : new FramepipeError('ERR_INTERNAL', String(err), { cause: err }));
        res.destroy();
      });
    },
    stop() {
      for (const entry of active) entry.res.destroy();
    },
  });
  return { url: proxyUrlFor(config.base), proxyUrlFor, release: registration.release };
}

function targetFor(base: URL, prefix: string, rest: string): URL | null {
  try {
    // Concatenated, not resolved: a path like `//other.host/x` must stay a path on the same origin.
    if (prefix === 's') {
      const target = new URL(base.origin + rest);
      // `origin` drops userinfo; keep it so Basic auth given in the URL reaches every request.
      target.username = base.username;
      target.password = base.password;
      return target;
    }
    const match = /^\/([A-Za-z0-9_-]+)(\/.*)?$/s.exec(rest);
    if (!match?.[1]) return null;
    const origin = new URL(Buffer.from(match[1], 'base64url').toString('utf8'));
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') return null;
    return new URL(origin.origin + (match[2] ?? '/'));
  } catch {
    return null;
  }
}

interface ForwardContext extends ProxyConfig {
  proxyUrlFor(url: URL): string;
}

async function forward(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, target: URL, signal: AbortSignal): Promise<void> {
  const method = req.method === 'HEAD' ? 'HEAD' : 'GET';
  // The base URL is a playlist even without `.m3u8` (the resolver sniffed it), so it is rewritten too.
  const isBase = target.pathname === ctx.base.pathname && target.search === ctx.base.search;
  const wantsPlaylist = ctx.rewritePlaylists && (isBase || isHlsPlaylist(target));
  // Playlists are rewritten (their length changes), so they are always fetched and served whole.
  const range = wantsPlaylist ? null : (req.headers.range ?? null);
  let response: UpstreamResponse;
  try {
    response = await openWithRetries(ctx, target, method, range, signal);
  } catch (err) {
    return failResponse(ctx, res, networkError(err, target), signal);
  }
  if (response.status < 200 || response.status > 299) return passError(ctx, res, response);
  if (ctx.rewritePlaylists && (wantsPlaylist || isHlsPlaylist(null, response.headers['content-type']))) {
    return servePlaylist(ctx, res, response, method, signal);
  }
  res.writeHead(response.status, passedHeaders(response.headers));
  if (method === 'HEAD') {
    response.abort();
    return void res.end();
  }
  await pump(ctx, res, response, target, signal);
}

/** Opens the upstream request, retrying connection errors, timeouts and 5xx/408/429 answers. */
function openWithRetries(ctx: ForwardContext, url: URL, method: 'GET' | 'HEAD', range: string | null, signal: AbortSignal) {
  const { options } = ctx;
  const retryCtx = { retry: options.retry, signal, onWarning: options.onWarning, displayName: ctx.meter.displayName };
  return withRetries(retryCtx, async (attempt) => {
    const response = await requestUpstream({ url, method, range, headers: options.headers, timeoutMs: options.timeoutMs, signal });
    // On the last attempt the error status is returned, so it reaches FFmpeg unchanged.
    if (isRetriableStatus(response.status) && attempt < options.retry.retries) {
      response.abort();
      throw statusError(response.status, response.url, attempt + 1);
    }
    return response;
  });
}

/** Passes an HTTP error status through (with Content-Range for 416) and records it unless it is a 416. */
function passError(ctx: ForwardContext, res: ServerResponse, response: UpstreamResponse): void {
  response.abort();
  // 416 is FFmpeg probing past the end while seeking, not a failure of the source.
  if (response.status !== 416) ctx.meter.record(statusError(response.status, response.url, ctx.options.retry.retries + 1));
  const headers: Record<string, string> = {};
  const contentRange = response.headers['content-range'];
  if (contentRange) headers['content-range'] = contentRange;
  res.writeHead(response.status, headers).end();
}

function failResponse(ctx: ForwardContext, res: ServerResponse, err: FramepipeError, signal: AbortSignal): void {
  if (signal.aborted) return void res.destroy();
  ctx.meter.record(err);
  if (res.headersSent) return void res.destroy();
  const status = err.code === 'ERR_TIMEOUT' ? 504 : 502;
  res.writeHead(status, { 'content-type': 'text/plain', 'x-framepipe-error': err.code }).end(`${err.message}\n`);
}

function passedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Where the response body lies in the resource, so a resume can ask for exactly what is missing. */
function spanOf(response: UpstreamResponse): { start: number; end: number | null } {
  const contentRange = response.status === 206 ? parseContentRange(response.headers['content-range']) : null;
  if (contentRange) return { start: contentRange.start, end: contentRange.end };
  const length = Number(response.headers['content-length']);
  return { start: 0, end: length > 0 ? length - 1 : null };
}

/**
 * Copies the body to FFmpeg with backpressure, counting bytes against the budget. A stall or dropped
 * connection is resumed by re-requesting the missing bytes (`Range: bytes=<pos>-<end>`; a server that
 * answers 200 instead is re-read from the start and the bytes already sent are skipped). Attempts reset
 * whenever bytes arrive; after `retry.retries` fruitless ones the error is recorded and the response cut.
 */
async function pump(ctx: ForwardContext, res: ServerResponse, first: UpstreamResponse, target: URL, signal: AbortSignal): Promise<void> {
  const { options, meter } = ctx;
  const span = spanOf(first);
  let position = span.start;
  let skip = 0;
  let failures = 0;
  let response: UpstreamResponse | null = first;
  for (;;) {
    try {
      if (!response) ({ response, skip } = await reopen(ctx, target, position, span.end, signal));
      for await (const chunk of chunksWithStallTimeout(response.body, options.timeoutMs, meter.displayName)) {
        if (meter.add(chunk.byteLength)) {
          response.abort();
          return void res.destroy();
        }
        const data = skip > 0 ? chunk.subarray(Math.min(skip, chunk.byteLength)) : chunk;
        skip -= chunk.byteLength - data.byteLength;
        if (data.byteLength === 0) continue;
        failures = 0;
        position += data.byteLength;
        if (!res.write(data) && !(await drained(res))) return;
      }
      return void res.end();
    } catch (err) {
      response?.abort();
      response = null;
      if (signal.aborted || res.destroyed) return;
      const error = networkError(err, target);
      if (!error.retriable || failures >= options.retry.retries) return failResponse(ctx, res, error, signal);
      failures++;
      const delayMs = backoffDelayMs(failures, options.retry);
      options.onWarning(retryWarning(error, failures, delayMs, meter.displayName));
      const slept = await sleep(delayMs, signal).then(() => true, () => false);
      if (!slept) return void res.destroy();
    }
  }
}

async function reopen(ctx: ForwardContext, url: URL, position: number, end: number | null, signal: AbortSignal) {
  const { options } = ctx;
  const range = `bytes=${position}-${end ?? ''}`;
  const response = await requestUpstream({ url, range, headers: options.headers, timeoutMs: options.timeoutMs, signal });
  if (response.status === 200) return { response, skip: position };
  const contentRange = response.status === 206 ? parseContentRange(response.headers['content-range']) : null;
  if (contentRange && contentRange.start <= position) return { response, skip: position - contentRange.start };
  response.abort();
  if (response.status === 206) {
    const name = ctx.meter.displayName;
    const message = `${name}: resuming at byte ${position} got an unusable Content-Range. The server's Range support is broken; download the file first.`;
    throw new FramepipeError('ERR_HTTP_STATUS', message, {
      details: { status: 206, url: name, contentRange: response.headers['content-range'] ?? null },
    });
  }
  throw statusError(response.status, response.url);
}

/** Resolves true when the client wants more data, false when it went away. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(value);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

async function servePlaylist(
  ctx: ForwardContext,
  res: ServerResponse,
  response: UpstreamResponse,
  method: string,
  signal: AbortSignal,
): Promise<void> {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of chunksWithStallTimeout(response.body, ctx.options.timeoutMs, ctx.meter.displayName)) {
      const overBudget = ctx.meter.add(chunk.byteLength);
      if (overBudget) return void res.destroy();
      length += chunk.byteLength;
      if (length > MAX_PLAYLIST_BYTES) {
        const message = `${ctx.meter.displayName}: a playlist larger than ${MAX_PLAYLIST_BYTES} bytes was refused.`;
        throw new FramepipeError('ERR_BUDGET_EXCEEDED', message);
      }
      parts.push(chunk);
    }
  } catch (err) {
    response.abort();
    return failResponse(ctx, res, networkError(err, response.url), signal);
  }
  const text = rewritePlaylist(Buffer.concat(parts).toString('utf8'), response.url, ctx.proxyUrlFor);
  const body = Buffer.from(text, 'utf8');
  res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': String(body.byteLength) });
  res.end(method === 'HEAD' ? undefined : body);
}
