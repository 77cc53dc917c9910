/**
 * Local files: plain paths (relative ones resolve against the working directory) and `file://` URLs.
 * Checked up front so that a typo reports ERR_NOT_FOUND with the path FFmpeg would have tried.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FramepipeError } from '../core/errors.ts';
import { fillReconnect, resolveSourceOptions } from './options.ts';
import { createSource } from './source.ts';
import type { SourceInput, SourceResolver } from './types.ts';

/** A URI scheme at the start of a string (two letters or more, so `C:\…` stays a Windows path). */
export const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/** The local path an input names, or null when it is not a file input. */
export function filePathOf(input: SourceInput): string | null {
  const fileUrl = input instanceof URL ? input : typeof input === 'string' && /^file:/i.test(input) ? input : null;
  if (fileUrl !== null) {
    if (fileUrl instanceof URL && fileUrl.protocol !== 'file:') return null;
    try {
      return fileURLToPath(fileUrl);
    } catch (err) {
      const shown = JSON.stringify(String(fileUrl));
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `The file URL ${shown} is invalid (${(err as Error).message}). Use file:///absolute/path.`,
        { cause: err },
      );
    }
  }
  if (typeof input !== 'string' || input === '') return null;
  if (SCHEME.test(input) && !WINDOWS_DRIVE.test(input)) return null;
  return input;
}

/**
 * Resolves local files. Missing → ERR_NOT_FOUND (naming the working directory for relative paths);
 * unreadable → ERR_NOT_FOUND with `details.reason: 'permission'`; a directory → ERR_NOT_A_VIDEO;
 * zero bytes → ERR_EMPTY_INPUT.
 *
 * @example
 * ```ts
 * const source = await fileResolver.resolve('clips/a.mp4', {});
 * source.url; // '/home/me/project/clips/a.mp4'
 * ```
 */
export const fileResolver: SourceResolver = {
  name: 'file',
  canResolve(input) {
    try {
      return filePathOf(input) !== null;
    } catch {
      return true; // a malformed file:// URL: resolve() reports it precisely
    }
  },
  async resolve(input, options) {
    const o = resolveSourceOptions(options);
    const given = filePathOf(input);
    if (given === null) throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', 'The file resolver accepts only paths and file:// URLs.');
    const path = resolve(given);
    await checkFile(given, path);
    return createSource({ url: path, displayName: path, kind: 'file', reconnect: fillReconnect(o.reconnect, false) });
  },
};

async function checkFile(given: string, path: string): Promise<void> {
  const where = isAbsolute(given)
    ? ''
    : ` (the relative path ${JSON.stringify(given)} was resolved against the working directory ${process.cwd()})`;
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      throw new FramepipeError('ERR_NOT_FOUND', `File not found: ${path}${where}. Check the path.`, { cause: err, details: { path } });
    }
    const reason = err.code ?? err.message;
    throw new FramepipeError('ERR_NOT_FOUND', `File ${path} cannot be accessed (${reason})${where}. Check the path and its permissions.`, {
      cause: err,
      details: { path, reason: err.code ?? 'unknown' },
    });
  });
  if (info.isDirectory()) {
    const message = `${path} is a directory, not a video file. Pass the path of a file inside it.`;
    throw new FramepipeError('ERR_NOT_A_VIDEO', message, { details: { path } });
  }
  await access(path, constants.R_OK).catch((err: NodeJS.ErrnoException) => {
    throw new FramepipeError('ERR_NOT_FOUND', `File ${path} exists but cannot be read (permission denied). Check its permissions.`, {
      cause: err,
      details: { path, reason: 'permission' },
    });
  });
  // Only regular files have a meaningful size; FIFOs and devices report 0 and are read as streams.
  if (info.isFile() && info.size === 0) {
    const message = `File ${path} has zero bytes. Check that it was written completely.`;
    throw new FramepipeError('ERR_EMPTY_INPUT', message, { details: { path } });
  }
}
