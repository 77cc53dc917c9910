/**
 * Node Readable streams. They are spooled to a file in the cache directory first, because a stream can
 * only be read once, front to back, and common containers need to seek (an MP4's index is often at the
 * end; FFmpeg probes and seeks back). The spool is atomic (`.tmp` then rename) and deleted on close.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FramepipeError } from '../core/errors.ts';
import { acquireCacheFile, ensureCacheDir, releaseCacheFile, spoolToFile } from './cache.ts';
import { fillReconnect, resolveSourceOptions } from './options.ts';
import { createSource } from './source.ts';
import type { SourceInput, SourceResolver } from './types.ts';
import { chunksWithStallTimeout } from './upstream.ts';

/** True for Node Readable streams (and look-alikes from the `readable-stream` package). */
export function isReadableStream(input: SourceInput): input is Readable {
  if (input instanceof Readable) return true;
  const candidate = input as unknown as { read?: unknown; pipe?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  return (
    candidate !== null &&
    typeof candidate === 'object' &&
    typeof candidate.read === 'function' &&
    typeof candidate.pipe === 'function' &&
    typeof candidate[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Resolves a Readable by spooling it to `cacheDir` (kind `stream`; `url` is the spooled file). Enforces
 * `maxBytes`, fails with ERR_TIMEOUT when the stream is silent for `timeoutMs`, and ERR_EMPTY_INPUT when
 * it ends without data. The stream is destroyed on failure or abort.
 *
 * @example
 * ```ts
 * const source = await streamResolver.resolve(createReadStream('clip.mp4'), { maxBytes: 500e6 });
 * ```
 */
export const streamResolver: SourceResolver = {
  name: 'stream',
  canResolve: isReadableStream,
  async resolve(input, options) {
    if (!isReadableStream(input)) throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', 'The stream resolver accepts only Node Readable streams.');
    const o = resolveSourceOptions(options);
    const displayName = '<readable stream>';
    await ensureCacheDir(o.cacheDir);
    const path = join(o.cacheDir, `stream-${randomBytes(8).toString('hex')}`);
    const mapError = (err: unknown) =>
      new FramepipeError('ERR_UNREACHABLE', `The input stream failed: ${(err as Error)?.message ?? String(err)}. Check the stream's producer.`, {
        cause: err,
        retriable: false,
      });
    try {
      const chunks = chunksWithStallTimeout(input, o.timeoutMs, 'the input stream', mapError);
      const written = await spoolToFile(chunks, path, {
        maxBytes: o.maxBytes,
        displayName,
        signal: o.signal,
        onAbort: (err) => input.destroy(err),
      });
      if (written === 0) {
        await releaseCacheFile(path, false);
        throw new FramepipeError('ERR_EMPTY_INPUT', 'The input stream ended without any data. Check the stream.');
      }
    } catch (err) {
      input.destroy();
      throw err;
    }
    acquireCacheFile(path);
    return createSource({
      url: path,
      displayName,
      kind: 'stream',
      reconnect: fillReconnect(o.reconnect, false),
      cleanup: () => releaseCacheFile(path, false),
    });
  },
};
