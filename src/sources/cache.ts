/**
 * The download cache. Files are written as `<final>.<unique>.tmp` and renamed into place only when complete,
 * so a file under its final name is always whole; a failed or aborted write removes its `.tmp`.
 * Files that are not kept are reference-counted inside the process and deleted by the last close.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { abortError, FramepipeError, isFramepipeError } from '../core/errors.ts';
import { budgetError } from './source.ts';

/**
 * The cache file stem for a URL and the headers it is fetched with: 16 hex chars of a SHA-256.
 * Headers are part of the key because they can change the answer (authorisation, language).
 *
 * @example
 * ```ts
 * cacheKey('https://cdn.example/v.mp4', {}); // e.g. '3f9a0c2b7d1e4a56'
 * ```
 */
export function cacheKey(url: string, headers: Record<string, string>): string {
  const sorted = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v])
    .sort(([a], [b]) => ((a ?? '') < (b ?? '') ? -1 : 1));
  return createHash('sha256').update(url).update('\n').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** A complete cached file for `key` in `dir`, or null. `.tmp` files never count. */
export async function findCached(dir: string, key: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  for (const name of names) {
    if (!name.startsWith(key) || name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && info.size > 0) return path;
  }
  return null;
}

/** What {@link spoolToFile} needs besides the data. */
export interface SpoolOptions {
  /** Refuse to write more than this many bytes (null: no limit). */
  maxBytes: number | null;
  /** Named in errors. */
  displayName: string;
  /** Told about every chunk received, before it is written (for `bytesRead()`). */
  onBytes?: (n: number) => void;
  signal?: AbortSignal | undefined;
  /** Called to stop the producer when the signal fires. */
  onAbort?: (err: FramepipeError) => void;
}

/**
 * Writes `chunks` to `finalPath` atomically: into a unique `.tmp` beside it, renamed when complete.
 * Enforces `maxBytes` on this write alone. On any failure the `.tmp` is removed and the error
 * rethrown (ERR_BUDGET_EXCEEDED, ERR_ABORTED, or whatever the producer threw).
 *
 * @returns the number of bytes written.
 */
export async function spoolToFile(chunks: AsyncIterable<Buffer>, finalPath: string, options: SpoolOptions): Promise<number> {
  const { maxBytes, signal } = options;
  const tmpPath = `${finalPath}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(tmpPath, 'w');
  let written = 0;
  let aborted: FramepipeError | null = null;
  const onAbort = () => {
    aborted = abortError(signal);
    options.onAbort?.(aborted);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw abortError(signal);
    for await (const chunk of chunks) {
      if (aborted) throw aborted;
      options.onBytes?.(chunk.byteLength);
      if (maxBytes !== null && written + chunk.byteLength > maxBytes) {
        throw budgetError(options.displayName, maxBytes, written + chunk.byteLength, 'downloading');
      }
      await file.write(chunk);
      written += chunk.byteLength;
    }
    if (aborted) throw aborted;
    await file.close();
    await rename(tmpPath, finalPath);
    return written;
  } catch (err) {
    await file.close().catch(() => {});
    await rm(tmpPath, { force: true });
    throw aborted ?? (isFramepipeError(err) ? err : new FramepipeError('ERR_INTERNAL', `Writing ${tmpPath} failed: ${String(err)}`, { cause: err }));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Creates the cache directory, with a message that names it when that fails. */
export async function ensureCacheDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `The cache directory ${dir} cannot be created (${(err as Error).message}). Pass a writable cacheDir.`,
      { cause: err, details: { cacheDir: dir } },
    );
  }
}

const users = new Map<string, number>();

/** Notes one more open source using the cached file. */
export function acquireCacheFile(path: string): void {
  users.set(path, (users.get(path) ?? 0) + 1);
}

/** Notes one source closing; the last one deletes the file unless it is kept. */
export async function releaseCacheFile(path: string, keep: boolean): Promise<void> {
  const left = (users.get(path) ?? 1) - 1;
  if (left > 0) {
    users.set(path, left);
    return;
  }
  users.delete(path);
  if (!keep) await rm(path, { force: true });
}
