/**
 * Pure inspection of the first bytes of a source: which container it is, and for MP4 whether the index
 * (`moov`) comes before the media data (`mdat`). The HTTP resolver uses this to decide between streaming
 * and downloading when the server cannot seek. No I/O here.
 */

/** Containers told apart by their first bytes. */
export type ContainerGuess =
  | 'mp4'
  | 'mpegts'
  | 'matroska'
  | 'flv'
  | 'ogg'
  | 'avi'
  | 'mpegps'
  | 'annexb'
  | 'ivf'
  | 'y4m'
  | 'hls'
  | 'unknown';

/** Where an MP4's `moov` box lies relative to `mdat`, as far as the given bytes show. */
export type Mp4IndexPosition = 'front' | 'end' | 'unknown';

/** Box types that can open an ISO-BMFF / QuickTime file. */
const MP4_FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'styp']);

/**
 * Containers FFmpeg can demux front to back without seeking, so a server without Range support can be
 * streamed. MP4 is sequential only when its index is at the front; that is checked separately.
 */
export const SEQUENTIAL_CONTAINERS: ReadonlySet<ContainerGuess> = new Set<ContainerGuess>([
  'mpegts', 'matroska', 'flv', 'ogg', 'avi', 'mpegps', 'annexb', 'ivf', 'y4m',
]);

/**
 * Guesses the container from its first bytes (64 KiB is plenty; 16 bytes is enough for most).
 *
 * @example
 * ```ts
 * sniffContainer(Buffer.from('#EXTM3U\n')); // 'hls'
 * ```
 */
export function sniffContainer(head: Uint8Array): ContainerGuess {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const ascii = (start: number, end: number) => b.subarray(start, end).toString('latin1');
  if (startsWithPlaylistTag(b)) return 'hls';
  if (b.length >= 8 && MP4_FIRST_BOXES.has(ascii(4, 8))) return 'mp4';
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) return 'matroska';
  if (isTransportStream(b)) return 'mpegts';
  if (ascii(0, 3) === 'FLV') return 'flv';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'avi';
  if (ascii(0, 4) === 'DKIF') return 'ivf';
  if (ascii(0, 9) === 'YUV4MPEG2') return 'y4m';
  if (b.length >= 4 && b.readUInt32BE(0) === 0x000001ba) return 'mpegps';
  if (b.length >= 4 && (b.readUInt32BE(0) === 0x00000001 || b.readUIntBE(0, 3) === 0x000001)) return 'annexb';
  return 'unknown';
}

/** MPEG-TS (188-byte packets) or M2TS (192 bytes: a 4-byte timestamp before each packet). */
function isTransportStream(b: Buffer): boolean {
  const syncAt = (offset: number, stride: number) =>
    b.length > offset && b[offset] === 0x47 && (b.length <= offset + stride || b[offset + stride] === 0x47);
  return syncAt(0, 188) || syncAt(4, 192);
}

function startsWithPlaylistTag(b: Buffer): boolean {
  const text = b.subarray(0, 16).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('#EXTM3U');
}

/**
 * Walks the top-level ISO-BMFF boxes in `head` and reports whether `moov` comes before `mdat`.
 * 'unknown' when the bytes end before either box is reached, or the box sizes are malformed.
 *
 * @example
 * ```ts
 * mp4IndexPosition(bytesOf(['ftyp', 'moov', 'mdat'])); // 'front'
 * ```
 */
export function mp4IndexPosition(head: Uint8Array): Mp4IndexPosition {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  let offset = 0;
  while (offset + 8 <= b.length) {
    const type = b.subarray(offset + 4, offset + 8).toString('latin1');
    // The type is known before the size matters, so a huge box at the edge of the bytes still counts.
    if (type === 'moov') return 'front';
    if (type === 'mdat') return 'end';
    let size = b.readUInt32BE(offset);
    if (size === 1) {
      if (offset + 16 > b.length) return 'unknown';
      size = Number(b.readBigUInt64BE(offset + 8));
    }
    // size 0 means "to the end of the file": no box follows, so neither moov nor mdat can come later.
    if (size === 0 || size < 8) return 'unknown';
    offset += size;
  }
  return 'unknown';
}

/**
 * True when a URL, content type or the first bytes say this is an HLS playlist.
 *
 * @example
 * ```ts
 * isHlsPlaylist(new URL('https://cdn.example/live/index.m3u8')); // true
 * ```
 */
export function isHlsPlaylist(url: URL | null, contentType?: string | null, head?: Uint8Array): boolean {
  if (url && /\.m3u8$/i.test(url.pathname)) return true;
  if (contentType && /mpegurl/i.test(contentType)) return true;
  return head !== undefined && startsWithPlaylistTag(Buffer.from(head.buffer, head.byteOffset, head.byteLength));
}

/**
 * True when a server without Range support can still be streamed: a sequential container, or an MP4
 * whose index the first bytes show to be at the front.
 */
export function canStreamWithoutSeeking(head: Uint8Array): boolean {
  const container = sniffContainer(head);
  if (container === 'mp4') return mp4IndexPosition(head) === 'front';
  return SEQUENTIAL_CONTAINERS.has(container);
}

const EXTENSION_BY_TYPE: Record<string, string> = {
  'video/mp4': '.mp4', 'video/quicktime': '.mov', 'video/webm': '.webm', 'video/x-matroska': '.mkv',
  'video/mp2t': '.ts', 'video/x-flv': '.flv', 'video/ogg': '.ogv', 'video/x-msvideo': '.avi',
};

/** A file extension for a cached copy, from the URL path or else the content type ('' when unknown). */
export function extensionFor(url: URL, contentType?: string | null): string {
  const fromPath = /\.([a-z0-9]{1,5})$/i.exec(url.pathname)?.[1];
  if (fromPath) return `.${fromPath.toLowerCase()}`;
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return (type && EXTENSION_BY_TYPE[type]) || '';
}

/**
 * The URL as shown in messages: scheme, host and path, without credentials or query string.
 *
 * @example
 * ```ts
 * displayNameOf(new URL('https://u:p@cdn.example/v.mp4?token=x')); // 'https://cdn.example/v.mp4'
 * ```
 */
export function displayNameOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
