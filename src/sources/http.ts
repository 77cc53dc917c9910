/**
 * HTTP(S) sources. One preflight request decides how FFmpeg reads the resource:
 *  (a) the server supports Range → stream through the loopback proxy, seekable;
 *  (b) no Range, and the bytes cannot be read front to back (MP4 index at the end, or unknown) → download
 *      to the cache first;
 *  (c) no Range, but a front-to-back container (MP4 with `moov` first, MPEG-TS, Matroska/WebM, FLV, …) →
 *      stream through the proxy without seeking (`seekable=0`), saving the wait and the disk.
 * HLS playlists go to the HLS logic.
 */
import { FramepipeError } from '../core/errors.ts';
import { openCacheHit, openDownloadedSource } from './download.ts';
import { resolveHlsFromPreflight } from './hls.ts';
import { fillReconnect, type ResolvedSourceOptions, resolveSourceOptions } from './options.ts';
import { type Preflight, preflight } from './preflight.ts';
import { openProxy, proxyFfmpegOptions } from './proxy.ts';
import { canStreamWithoutSeeking, displayNameOf, isHlsPlaylist, mp4IndexPosition, sniffContainer } from './sniff.ts';
import { ByteMeter, createSource } from './source.ts';
import type { OpenableSource, SourceInput, SourceResolver } from './types.ts';

/** The input as an http(s) URL, or null. */
export function httpUrlOf(input: SourceInput): URL | null {
  let url: URL;
  if (input instanceof URL) url = input;
  else if (typeof input === 'string' && /^https?:\/\//i.test(input)) {
    try {
      url = new URL(input);
    } catch {
      return null;
    }
  } else return null;
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

/**
 * Resolves `http://` and `https://` URLs (see the module comment for the stream/download rules).
 *
 * @example
 * ```ts
 * const source = await httpResolver.resolve('https://cdn.example/clip.mp4', { timeoutMs: 5000 });
 * // source.url is a loopback URL FFmpeg opens; source.bytesRead() counts network bytes.
 * await source.close();
 * ```
 */
export const httpResolver: SourceResolver = {
  name: 'http',
  canResolve: (input) => httpUrlOf(input) !== null,
  async resolve(input, options) {
    const url = httpUrlOf(input);
    if (!url) throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', 'The http resolver accepts only http:// and https:// URLs.');
    const o = resolveSourceOptions(options);
    const meter = new ByteMeter(o.maxBytes, displayNameOf(url));
    const cached = await openCacheHit(url, o, meter.displayName);
    if (cached) return cached;
    if (isHlsPlaylist(url)) return resolveHlsFromPreflight(url, null, o, meter);
    const pre = await preflight(url, o, meter);
    if (isHlsPlaylist(pre.url, pre.contentType, pre.head)) return resolveHlsFromPreflight(url, pre, o, meter);
    if (pre.rangeSupported) return openStreamed(pre, o, meter, true);
    if (canStreamWithoutSeeking(pre.head)) return openStreamed(pre, o, meter, false);
    return openDownloadedSource(url, pre, o, meter, downloadReason(pre));
  },
};

/** Size of FFmpeg's HTTP range requests on seekable sources. */
const SEEKABLE_REQUEST_BYTES = 128 * 1024;

/** Streams through the proxy; `seekable` false tells FFmpeg not to send Range requests at all. */
async function openStreamed(pre: Preflight, o: ResolvedSourceOptions, meter: ByteMeter, seekable: boolean): Promise<OpenableSource> {
  const route = await openProxy({ base: pre.url, options: o, meter, rewritePlaylists: false });
  const ffmpegOptions = proxyFfmpegOptions(o);
  if (!seekable) ffmpegOptions.seekable = '0';
  // Bounded requests: FFmpeg otherwise asks for "the rest of the file" at every seek, and the loopback and
  // upstream socket buffers fill with megabytes nobody reads before the next seek. 128 KiB keeps a sparse
  // plan (16 frames of a 1-hour file) under 5% of the file, at the cost of one request per 128 KiB when
  // reading straight through (raise it with source.ffmpegOptions.request_size for slow, distant servers).
  else ffmpegOptions.request_size = String(SEEKABLE_REQUEST_BYTES);
  return createSource({
    url: route.url,
    ffmpegOptions,
    displayName: meter.displayName,
    kind: 'http',
    container: sniffContainer(pre.head),
    reconnect: fillReconnect(o.reconnect, false),
    meter,
    cleanup: route.release,
  });
}

function downloadReason(pre: Preflight): string {
  const container = sniffContainer(pre.head);
  if (container === 'mp4') {
    const where =
      mp4IndexPosition(pre.head) === 'end'
        ? 'its index (moov) comes after the media data'
        : `its index (moov) is not in the first ${pre.head.byteLength} bytes`;
    return `the server does not support Range requests and ${where}`;
  }
  return 'the server does not support Range requests and the format cannot be confirmed as readable front to back';
}
