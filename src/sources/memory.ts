/**
 * In-memory sources (`data:` URIs and byte buffers). FFmpeg opens them through the loopback server with
 * full Range support, so even an MP4 with its index at the end can be seeked without copying to disk.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FramepipeError } from '../core/errors.ts';
import { decodedSize, decodeDataUri, parseDataUri } from './data-uri.ts';
import { registerRoute } from './loopback.ts';
import { fillReconnect, resolveSourceOptions } from './options.ts';
import { createSource, microseconds } from './source.ts';
import type { OpenableSource, SourceInput, SourceOptions, SourceResolver } from './types.ts';

/** A byte range, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a single-range `Range` header against a resource of `size` bytes (RFC 9110 §14).
 * Returns null when the header is absent, not `bytes=`, or names several ranges (the full body is then
 * served, which the RFC allows); 'unsatisfiable' when no byte of the range exists.
 *
 * @example
 * ```ts
 * parseRange('bytes=-10', 100); // { start: 90, end: 99 }
 * parseRange('bytes=200-', 100); // 'unsatisfiable'
 * ```
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const match = header ? /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  const [first, last] = [match[1] ?? '', match[2] ?? ''];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Answers GET and HEAD for `bytes`, with Range, 206, 416 and Accept-Ranges as FFmpeg expects. */
export function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, contentType: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const size = bytes.byteLength;
  const range = parseRange(req.headers.range, size);
  const common = { 'accept-ranges': 'bytes', 'content-type': contentType };
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...common, 'content-range': `bytes */${size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const headers: Record<string, string> = { ...common, 'content-length': String(end - start + 1) };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') res.end();
  else res.end(bytes.subarray(start, end + 1));
}

/** Serves `bytes` from the loopback server as a seekable source of kind 'memory'. */
export async function openMemorySource(
  bytes: Buffer,
  contentType: string,
  displayName: string,
  options: SourceOptions,
): Promise<OpenableSource> {
  const o = resolveSourceOptions(options);
  if (bytes.byteLength === 0) {
    throw new FramepipeError('ERR_EMPTY_INPUT', `${displayName} has zero bytes. Pass the bytes of a video file.`);
  }
  if (isMp4WithoutIndex(bytes)) {
    throw new FramepipeError('ERR_NO_INDEX', `${displayName} is an MP4/MOV file without its index (no moov box): it was probably cut before the recording finished. Re-download it, or repair it with a tool such as untrunc.`, {
      details: { source: displayName },
    });
  }
  const route = await registerRoute({ prefixes: ['m'], handle: (req, res) => serveBytes(req, res, bytes, contentType) });
  return createSource({
    url: `${route.origin}/m/${route.id}/media`,
    // The server answers at once, so a short read timeout only guards against a wedged process.
    ffmpegOptions: { rw_timeout: microseconds(o.timeoutMs) },
    displayName,
    kind: 'memory',
    reconnect: fillReconnect(o.reconnect, false),
    cleanup: route.release,
  });
}

function isDataUri(input: SourceInput): input is string | URL {
  if (input instanceof URL) return input.protocol === 'data:';
  return typeof input === 'string' && /^data:/i.test(input);
}

/**
 * Resolves `data:` URIs (base64 or percent-encoded). The decoded size is checked against
 * `maxDataUriBytes` before decoding.
 *
 * @example
 * ```ts
 * const source = await dataUriResolver.resolve('data:video/mp4;base64,AAAA…', {});
 * ```
 */
export const dataUriResolver: SourceResolver = {
  name: 'data',
  canResolve: isDataUri,
  async resolve(input, options) {
    const o = resolveSourceOptions(options);
    const text = input instanceof URL ? input.href : String(input);
    const data = parseDataUri(text);
    const size = decodedSize(data);
    const displayName = `data:${data.mediaType} (${size} bytes)`;
    if (size > o.maxDataUriBytes) {
      throw new FramepipeError(
        'ERR_BUDGET_EXCEEDED',
        `${displayName}: the data: URI decodes to ${size} bytes, more than maxDataUriBytes ` +
          `(${o.maxDataUriBytes} bytes). Raise maxDataUriBytes or pass a file or URL instead.`,
        { details: { bytes: size, maxDataUriBytes: o.maxDataUriBytes } },
      );
    }
    return openMemorySource(decodeDataUri(data), data.mediaType, displayName, o);
  },
};

/** Accepts Buffer, any Uint8Array and ArrayBuffer without copying. */
function asBuffer(input: Uint8Array | ArrayBuffer): Buffer {
  return input instanceof ArrayBuffer ? Buffer.from(input) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * Resolves raw bytes (Buffer, Uint8Array, ArrayBuffer). The bytes are served without copying: do not
 * modify them until the source is closed.
 *
 * @example
 * ```ts
 * const source = await bytesResolver.resolve(await readFile('clip.mp4'), {});
 * ```
 */
export const bytesResolver: SourceResolver = {
  name: 'bytes',
  canResolve: (input) => input instanceof Uint8Array || input instanceof ArrayBuffer,
  async resolve(input, options) {
    if (!(input instanceof Uint8Array || input instanceof ArrayBuffer)) {
      throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', 'The bytes resolver accepts Uint8Array, Buffer, ArrayBuffer.');
    }
    const bytes = asBuffer(input);
    return openMemorySource(bytes, 'application/octet-stream', `<${bytes.byteLength} bytes in memory>`, options);
  },
};

/** True for complete ISO-BMFF bytes (first box `ftyp`) whose top-level boxes include no `moov`. */
function isMp4WithoutIndex(bytes: Buffer): boolean {
  if (bytes.byteLength < 8 || bytes.toString('latin1', 4, 8) !== 'ftyp') return false;
  let offset = 0;
  while (offset + 8 <= bytes.byteLength) {
    if (bytes.toString('latin1', offset + 4, offset + 8) === 'moov') return false;
    let size = bytes.readUInt32BE(offset);
    if (size === 1 && offset + 16 <= bytes.byteLength) size = Number(bytes.readBigUInt64BE(offset + 8));
    if (size < 8) return false;
    offset += size;
  }
  return true;
}
