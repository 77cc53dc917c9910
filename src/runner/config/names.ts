/**
 * How a configured source is named: its id in records and events, and what `{source}` in `record.path`
 * becomes. Shared by validation (two recordings must not collide) and `configToPipelines`.
 */
import { basename, extname, isAbsolute, resolve } from 'node:path';
import type { SourceConfig } from './schema.ts';

/**
 * Whether a source string is a URL: it starts with a scheme of two letters or more, so `C:\…` stays a path.
 *
 * @example
 * ```ts
 * isUrl('rtsp://cam/stream'); // true
 * isUrl('clips/a.mp4');       // false
 * ```
 */
export function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(text);
}

/**
 * What the runner opens: URLs as they are, paths resolved against the config file's directory.
 *
 * @example
 * ```ts
 * sourceInput('clips/a.mp4', '/work'); // '/work/clips/a.mp4'
 * ```
 */
export function sourceInput(entry: SourceConfig, baseDir: string): string {
  const url = typeof entry === 'string' ? entry : entry.url;
  return isUrl(url) || isAbsolute(url) ? url : resolve(baseDir, url);
}

/**
 * The source id: the entry's `id`, else the path or URL as written, URLs without credentials or query.
 *
 * @example
 * ```ts
 * sourceLabel('https://u:p@cdn.example/b.mp4?token=x'); // 'https://cdn.example/b.mp4'
 * sourceLabel({ url: 'a.mp4', id: 'cam' });             // 'cam'
 * ```
 */
export function sourceLabel(entry: SourceConfig): string {
  if (typeof entry !== 'string' && entry.id !== undefined) return entry.id;
  const url = typeof entry === 'string' ? entry : entry.url;
  if (!isUrl(url)) return url;
  try {
    const parsed = new URL(url);
    return parsed.host === '' ? (url.split('?')[0] as string) : `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/**
 * What `{source}` becomes in a file name: the id, else the file name without its extension; characters
 * other than letters, digits, `.`, `_` and `-` become `_`.
 *
 * @example
 * ```ts
 * recordName('clips/match 1.mp4');         // 'match_1'
 * recordName({ url: 'rtsp://x', id: 'gate' }); // 'gate'
 * ```
 */
export function recordName(entry: SourceConfig): string {
  const label = sourceLabel(entry);
  const name = typeof entry !== 'string' && entry.id !== undefined ? label : basename(label, extname(label));
  return name.replace(/[^\w.-]+/g, '_') || 'source';
}
