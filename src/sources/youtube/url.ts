/**
 * Which inputs name a YouTube video. Pure: no network, no youtubei.js, so `canResolve` stays cheap for
 * every input the registry asks about.
 */
import type { SourceInput } from '../types.ts';
import { httpUrlOf } from '../http.ts';

/** What a YouTube input names: a video, or a YouTube address that is not a video (a channel, a playlist). */
export type YoutubeRef = { kind: 'video'; videoId: string } | { kind: 'not-a-video'; text: string };

/** YouTube video ids are 11 characters of the URL-safe base64 alphabet. */
const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;

const HOSTS = new Set([
  'youtube.com',
  'www.youtube.com',
  'm.youtube.com',
  'music.youtube.com',
  'youtu.be',
  'www.youtu.be',
  'youtube-nocookie.com',
  'www.youtube-nocookie.com',
]);

/** `/shorts/ID`, `/embed/ID`, `/live/ID`, `/v/ID`, `/e/ID`, with or without a trailing slash. */
const PATH_FORMS = /^\/(?:shorts|embed|live|v|e)\/([^/]+)\/?$/;

/** The forms accepted, for messages. */
export const YOUTUBE_FORMS =
  'https://www.youtube.com/watch?v=ID, https://youtu.be/ID, https://www.youtube.com/shorts/ID, /live/ID, /embed/ID ' +
  '(also on m.youtube.com, music.youtube.com, youtube-nocookie.com), or youtube:ID';

/**
 * Reads a YouTube video id from an input. Returns null for anything that is not YouTube's (so other
 * resolvers get it), `not-a-video` for a YouTube address without a video id (a channel, a playlist, a
 * malformed id), and the id otherwise. A bare 11-character id is only read when written `youtube:ID`,
 * because on its own it is a valid relative file name.
 *
 * @example
 * ```ts
 * parseYoutubeInput('https://youtu.be/dQw4w9WgXcQ?t=42');        // { kind: 'video', videoId: 'dQw4w9WgXcQ' }
 * parseYoutubeInput('youtube:dQw4w9WgXcQ');                      // { kind: 'video', videoId: 'dQw4w9WgXcQ' }
 * parseYoutubeInput('https://www.youtube.com/@RickAstleyYT');    // { kind: 'not-a-video', … }
 * parseYoutubeInput('https://vimeo.com/76979871');               // null
 * ```
 */
export function parseYoutubeInput(input: SourceInput): YoutubeRef | null {
  if (typeof input === 'string' && /^youtube:/i.test(input)) {
    const id = input.slice('youtube:'.length);
    return VIDEO_ID.test(id) ? { kind: 'video', videoId: id } : { kind: 'not-a-video', text: input };
  }
  const url = httpUrlOf(input);
  if (url === null || !HOSTS.has(url.hostname.toLowerCase())) return null;
  const id = videoIdOf(url);
  if (id !== null && VIDEO_ID.test(id)) return { kind: 'video', videoId: id };
  return { kind: 'not-a-video', text: `${url.protocol}//${url.host}${url.pathname}` };
}

/**
 * The canonical watch URL of a video, used as the resolved source's `displayName`.
 *
 * @example
 * ```ts
 * watchUrl('dQw4w9WgXcQ'); // 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'
 * ```
 */
export function watchUrl(videoId: string): string {
  return `https://www.youtube.com/watch?v=${videoId}`;
}


function videoIdOf(url: URL): string | null {
  const host = url.hostname.toLowerCase();
  if (host === 'youtu.be' || host === 'www.youtu.be') return /^\/([^/]+)\/?$/.exec(url.pathname)?.[1] ?? null;
  if (url.pathname === '/watch' || url.pathname === '/watch/') return url.searchParams.get('v');
  return PATH_FORMS.exec(url.pathname)?.[1] ?? null;
}
