/**
 * HLS sources. The playlist is served through the loopback proxy with every URI rewritten to a proxy URL,
 * so segments, keys and variant playlists carry the user's headers, are retried, and count towards
 * `bytesRead()` and `maxBytes`. Live vs VOD is decided from the playlist (`#EXT-X-ENDLIST`); for a master
 * playlist, from its first variant.
 */
import { FramepipeError } from '../core/errors.ts';
import { fillReconnect, type ResolvedSourceOptions, resolveSourceOptions } from './options.ts';
import { parsePlaylist } from './playlist.ts';
import type { Preflight } from './preflight.ts';
import { openProxy, proxyFfmpegOptions } from './proxy.ts';
import { withRetries } from './retry.ts';
import { displayNameOf } from './sniff.ts';
import { ByteMeter, createSource } from './source.ts';
import type { OpenableSource, SourceResolver } from './types.ts';
import { chunksWithStallTimeout, requestUpstream, statusError } from './upstream.ts';

/** Largest playlist read while resolving. */
const MAX_PLAYLIST_BYTES = 16 * 1024 * 1024;

/**
 * Resolves an HLS playlist URL. `pre` is the HTTP preflight when one was made (its bytes are reused when
 * they hold the whole playlist).
 */
export async function resolveHlsFromPreflight(
  url: URL,
  pre: Preflight | null,
  o: ResolvedSourceOptions,
  meter: ByteMeter,
): Promise<OpenableSource> {
  const complete = pre !== null && pre.totalBytes !== null && pre.head.byteLength >= pre.totalBytes;
  const playlist = complete && pre ? { text: pre.head.toString('utf8'), url: pre.url } : await fetchPlaylist(pre?.url ?? url, o, meter);
  const isLive = await detectLive(playlist.text, playlist.url, o, meter);
  const route = await openProxy({ base: playlist.url, options: o, meter, rewritePlaylists: true });
  return createSource({
    url: route.url,
    format: 'hls',
    // One connection per request: a cut response (budget, failure) can then never poison a reused one.
    ffmpegOptions: { ...proxyFfmpegOptions(o), http_persistent: '0' },
    displayName: meter.displayName,
    kind: 'hls',
    isLive,
    reconnect: fillReconnect(o.reconnect, isLive),
    meter,
    cleanup: route.release,
  });
}

async function detectLive(text: string, url: URL, o: ResolvedSourceOptions, meter: ByteMeter): Promise<boolean> {
  const info = parsePlaylist(text);
  const firstVariant = info.variants[0];
  if (!info.isMaster || firstVariant === undefined) return !info.isEnded;
  const variant = await fetchPlaylist(new URL(firstVariant, url), o, meter);
  return !parsePlaylist(variant.text).isEnded;
}

/** GETs a playlist with retries and checks that it is one. */
export async function fetchPlaylist(url: URL, o: ResolvedSourceOptions, meter: ByteMeter): Promise<{ text: string; url: URL }> {
  const name = displayNameOf(url);
  const ctx = { retry: o.retry, signal: o.signal, onWarning: o.onWarning, displayName: name };
  const result = await withRetries(ctx, async (attempt) => {
    const response = await requestUpstream({ url, headers: o.headers, timeoutMs: o.timeoutMs, signal: o.signal });
    if (response.status < 200 || response.status > 299) {
      response.abort();
      throw statusError(response.status, response.url, attempt + 1);
    }
    const onAbort = () => response.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const parts: Buffer[] = [];
    let length = 0;
    try {
      for await (const chunk of chunksWithStallTimeout(response.body, o.timeoutMs, name)) {
        const overBudget = meter.add(chunk.byteLength);
        if (overBudget) throw overBudget;
        length += chunk.byteLength;
        if (length > MAX_PLAYLIST_BYTES) throw notAPlaylist(name, `it is larger than ${MAX_PLAYLIST_BYTES} bytes`);
        parts.push(chunk);
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      response.abort();
    }
    return { text: Buffer.concat(parts).toString('utf8'), url: response.url };
  });
  if (!/^\uFEFF?\s*#EXTM3U/.test(result.text)) throw notAPlaylist(name, 'it does not start with #EXTM3U');
  return result;
}

function notAPlaylist(name: string, reason: string): FramepipeError {
  return new FramepipeError('ERR_NOT_A_VIDEO', `${name} is not an HLS playlist: ${reason}. Check the URL.`, {
    details: { url: name, reason },
  });
}

/**
 * Resolves `http(s)://….m3u8` URLs. Playlists found by content (content type or `#EXTM3U`) under other
 * URLs reach the same logic through the http resolver.
 *
 * @example
 * ```ts
 * const source = await hlsResolver.resolve('https://cdn.example/live/index.m3u8', {});
 * source.format; // 'hls'
 * source.isLive; // true when the playlist has no #EXT-X-ENDLIST
 * ```
 */
export const hlsResolver: SourceResolver = {
  name: 'hls',
  canResolve(input) {
    const url = input instanceof URL ? input : typeof input === 'string' && /^https?:\/\//i.test(input) ? URL.parse(input) : null;
    return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && /\.m3u8$/i.test(url.pathname);
  },
  async resolve(input, options) {
    const url = input instanceof URL ? input : URL.parse(String(input));
    if (!url) throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', 'The hls resolver accepts only http(s) URLs of .m3u8 playlists.');
    const o = resolveSourceOptions(options);
    return resolveHlsFromPreflight(url, null, o, new ByteMeter(o.maxBytes, displayNameOf(url)));
  },
};
