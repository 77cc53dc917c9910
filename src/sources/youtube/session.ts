/**
 * youtubei.js sessions for the YouTube resolver. youtubei.js is imported on first use only, so loading
 * framepipe costs nothing until a YouTube URL is resolved.
 *
 * Each resolve gets its own `Innertube` whose fetch carries that resolve's `signal` and a per-request
 * `timeoutMs`; the session data youtubei.js bootstraps (`/sw.js_data`, `/youtubei/v1/config`) lives in a
 * per-resolver memory cache, so it is fetched once per resolver, not once per video. The JS player is
 * not downloaded (`retrieve_player: false`): deciphering needs a JavaScript evaluator that runs
 * YouTube's player code, which framepipe does not install on its own — a caller who wants that passes a
 * ready session (`innertube`).
 */
import type { Innertube, Types } from 'youtubei.js';

/** A youtubei.js cache held in memory only (nothing written to disk). */
export class MemoryCache implements Types.ICache {
  readonly cache_dir = '';
  readonly #entries = new Map<string, ArrayBuffer>();

  async get(key: string): Promise<ArrayBuffer | undefined> {
    return this.#entries.get(key);
  }

  async set(key: string, value: ArrayBuffer): Promise<void> {
    this.#entries.set(key, value);
  }

  async remove(key: string): Promise<void> {
    this.#entries.delete(key);
  }
}

/** What {@link openInnertube} needs for one resolve. */
export interface SessionRequest {
  /** The caller's own session; used as is (its fetch, cookies, player, PO token). */
  innertube?: Innertube | undefined;
  /** The fetch for a session framepipe creates. */
  fetch: typeof fetch;
  cache: MemoryCache;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * The session to ask InnerTube with: the caller's, or a new one bound to this resolve's signal and
 * timeout.
 *
 * @example
 * ```ts
 * const innertube = await openInnertube({ fetch, cache: new MemoryCache(), timeoutMs: 15000 });
 * const info = await innertube.getBasicInfo('dQw4w9WgXcQ', { client: 'ANDROID_VR' });
 * ```
 */
export async function openInnertube(request: SessionRequest): Promise<Innertube> {
  if (request.innertube) return request.innertube;
  const { Innertube } = await import('youtubei.js');
  return Innertube.create({
    fetch: boundedFetch(request.fetch, request.timeoutMs, request.signal),
    cache: request.cache,
    retrieve_player: false,
  });
}

/**
 * `fetch` with a deadline of `timeoutMs` per request (headers and body) and the caller's signal. A cut
 * request rejects with a `TimeoutError` or the signal's reason, which `innertubeFailure` tells apart.
 */
export function boundedFetch(base: typeof fetch, timeoutMs: number, signal?: AbortSignal): typeof fetch {
  return (input, init) => {
    // An explicit controller and timer, not AbortSignal.any([AbortSignal.timeout(…), signal]): a timeout signal
    // inside a composite can be garbage-collected before it fires (nodejs/node#57736), leaving a stalled
    // request waiting forever. The timer's closure holds the controller until the deadline.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      controller.abort(new DOMException(`The request took longer than ${timeoutMs} ms.`, 'TimeoutError'));
    }, timeoutMs);
    timer.unref();
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return base(input, { ...init, signal: controller.signal });
  };
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it fires (the work goes on). */
export function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
