/**
 * The fallback for HTTP sources that can neither seek (no Range support) nor be read front to back
 * (an MP4 whose index is at the end): download the whole file to the cache, then open it as a file.
 */
import { join } from 'node:path';
import { FramepipeError } from '../core/errors.ts';
import { acquireCacheFile, cacheKey, ensureCacheDir, findCached, releaseCacheFile, spoolToFile } from './cache.ts';
import { fillReconnect, type ResolvedSourceOptions } from './options.ts';
import type { Preflight } from './preflight.ts';
import { withRetries } from './retry.ts';
import { extensionFor } from './sniff.ts';
import { budgetError, type ByteMeter, createSource } from './source.ts';
import type { OpenableSource } from './types.ts';
import { chunksWithStallTimeout, requestUpstream, statusError } from './upstream.ts';

/** The cache path stem for a URL fetched with the given options' headers. */
export function cacheStem(url: URL, o: ResolvedSourceOptions): string {
  return join(o.cacheDir, cacheKey(url.href, o.headers));
}

/**
 * With `keepCache`, returns a source for a complete earlier download of `url`, emitting `cache-hit`;
 * otherwise null. Checked before any network request, so a kept file is reused even offline.
 */
export async function openCacheHit(url: URL, o: ResolvedSourceOptions, displayName: string): Promise<OpenableSource | null> {
  if (!o.keepCache) return null;
  const path = await findCached(o.cacheDir, cacheKey(url.href, o.headers));
  if (!path) return null;
  o.onWarning({ code: 'cache-hit', message: `${displayName}: reusing the cached download ${path}.`, details: { path } });
  return cachedFileSource(path, o, displayName, null);
}

/**
 * Downloads `url` into the cache (atomically, with retries that restart the download) and returns a
 * source of kind `http-cache` whose `close()` deletes the file unless `keepCache` is set.
 *
 * @throws FramepipeError ERR_BUDGET_EXCEEDED (declared or actual size over maxBytes), ERR_HTTP_STATUS,
 *   ERR_TIMEOUT, ERR_UNREACHABLE, ERR_ABORTED.
 */
export async function openDownloadedSource(
  url: URL,
  pre: Preflight,
  o: ResolvedSourceOptions,
  meter: ByteMeter,
  reason: string,
): Promise<OpenableSource> {
  const name = meter.displayName;
  if (o.maxBytes !== null && pre.totalBytes !== null && pre.totalBytes > o.maxBytes) {
    throw meterRecord(meter, budgetError(name, o.maxBytes, pre.totalBytes, 'downloading'));
  }
  const path = cacheStem(url, o) + extensionFor(pre.url, pre.contentType);
  o.onWarning({
    code: 'download-fallback',
    message: `${name}: ${reason}; downloading it to ${path} before decoding.`,
    details: { path, reason },
  });
  await ensureCacheDir(o.cacheDir);
  const ctx = { retry: o.retry, signal: o.signal, onWarning: o.onWarning, displayName: name };
  await withRetries(ctx, () => downloadOnce(pre.url, path, o, meter));
  return cachedFileSource(path, o, name, meter);
}

async function downloadOnce(url: URL, path: string, o: ResolvedSourceOptions, meter: ByteMeter): Promise<void> {
  const response = await requestUpstream({ url, headers: o.headers, timeoutMs: o.timeoutMs, signal: o.signal });
  if (response.status < 200 || response.status > 299) {
    response.abort();
    throw statusError(response.status, response.url);
  }
  const declared = Number(response.headers['content-length']);
  if (o.maxBytes !== null && declared > o.maxBytes) {
    response.abort();
    throw meterRecord(meter, budgetError(meter.displayName, o.maxBytes, declared, 'downloading'));
  }
  const chunks = chunksWithStallTimeout(response.body, o.timeoutMs, meter.displayName);
  try {
    const written = await spoolToFile(chunks, path, {
      maxBytes: o.maxBytes,
      displayName: meter.displayName,
      onBytes: (n) => meter.count(n),
      signal: o.signal,
      onAbort: () => response.abort(),
    });
    if (written === 0) {
      await releaseCacheFile(path, false);
      throw new FramepipeError('ERR_EMPTY_INPUT', `${meter.displayName} has zero bytes. Check the URL points at a video file.`);
    }
  } catch (err) {
    if (err instanceof FramepipeError) meterRecord(meter, err);
    throw err;
  } finally {
    response.abort();
  }
}

function meterRecord(meter: ByteMeter, err: FramepipeError): FramepipeError {
  if (err.code === 'ERR_BUDGET_EXCEEDED') meter.record(err);
  return err;
}

function cachedFileSource(path: string, o: ResolvedSourceOptions, displayName: string, meter: ByteMeter | null): OpenableSource {
  acquireCacheFile(path);
  return createSource({
    url: path,
    displayName,
    kind: 'http-cache',
    reconnect: fillReconnect(o.reconnect, false),
    ...(meter ? { meter } : {}),
    cleanup: () => releaseCacheFile(path, o.keepCache),
  });
}
