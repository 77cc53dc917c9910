/**
 * Pure HLS playlist helpers: live/VOD detection, the first variant of a master playlist, and rewriting
 * every URI so that segments, keys and variant playlists are fetched through the loopback proxy too.
 */

/** What a playlist says about itself. */
export interface PlaylistInfo {
  /** A master playlist lists variants (`#EXT-X-STREAM-INF`) instead of segments. */
  isMaster: boolean;
  /** Variant playlist URIs of a master playlist, in order, as written. */
  variants: string[];
  /** `#EXT-X-ENDLIST` present, or `#EXT-X-PLAYLIST-TYPE:VOD`: no segments will be added. */
  isEnded: boolean;
}

/**
 * Reads the tags that decide live vs VOD.
 *
 * @example
 * ```ts
 * parsePlaylist('#EXTM3U\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n').isEnded; // true
 * ```
 */
export function parsePlaylist(text: string): PlaylistInfo {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const variants: string[] = [];
  let isEnded = false;
  let nextIsVariant = false;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-STREAM-INF')) nextIsVariant = true;
    else if (line === '#EXT-X-ENDLIST' || /^#EXT-X-PLAYLIST-TYPE:\s*VOD$/i.test(line)) isEnded = true;
    else if (line && !line.startsWith('#') && nextIsVariant) {
      variants.push(line);
      nextIsVariant = false;
    }
  }
  return { isMaster: variants.length > 0, variants, isEnded };
}

/**
 * Rewrites every URI in a playlist (URI lines and `URI="…"` attributes) to the URL `mapUrl` returns for
 * its absolute form. URIs that are not http(s) after resolution (`data:`, `skd:`) stay as written.
 *
 * @param playlistUrl the upstream URL the playlist came from; relative URIs resolve against it.
 * @example
 * ```ts
 * rewritePlaylist('#EXTM3U\na.ts\n', new URL('https://cdn/x/p.m3u8'), (u) => `http://127.0.0.1:9/s/id${u.pathname}`);
 * // '#EXTM3U\nhttp://127.0.0.1:9/s/id/x/a.ts\n'
 * ```
 */
export function rewritePlaylist(text: string, playlistUrl: URL, mapUrl: (url: URL) => string): string {
  const map = (uri: string): string => {
    let absolute: URL;
    try {
      absolute = new URL(uri, playlistUrl);
    } catch {
      return uri;
    }
    return absolute.protocol === 'http:' || absolute.protocol === 'https:' ? mapUrl(absolute) : uri;
  };
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (!trimmed.startsWith('#')) return line.replace(trimmed, () => map(trimmed));
      return line.replace(/URI="([^"]*)"/g, (_all, uri: string) => `URI="${map(uri)}"`);
    })
    .join('\n');
}
