/**
 * YouTube videos as sources. The resolver asks InnerTube (through youtubei.js) for a video's streaming
 * data, picks one video stream ({@link chooseYoutubeFormat}), deciphers its URL through youtubei.js when
 * the session can, and hands the media URL to the HTTP resolver — so Range streaming through the
 * loopback proxy, retries, headers, timeouts, `maxBytes` and `bytesRead()` apply exactly as for any URL.
 * A live stream goes to the HLS path through its `hlsManifestUrl`. Audio is never needed, so
 * video-only adaptive streams are as good as progressive ones.
 */
import type { Innertube, Types } from 'youtubei.js';
import { z } from 'zod';
import { FramepipeError } from '../core/errors.ts';
import { httpResolver } from './http.ts';
import { describe, type ResolvedSourceOptions, resolveSourceOptions } from './options.ts';
import { withRetries } from './retry.ts';
import type { OpenableSource, SourceResolver } from './types.ts';
import { innertubeFailure, playabilityError } from './youtube/errors.ts';
import { chooseYoutubeFormat, type FormatPolicy, noSuitableFormatError, YOUTUBE_CODECS, type YoutubeCodec } from './youtube/formats.ts';
import { MemoryCache, openInnertube, untilAborted } from './youtube/session.ts';
import { parseYoutubeInput, watchUrl, YOUTUBE_FORMS } from './youtube/url.ts';

export { chooseYoutubeFormat, videoCodecOf, YOUTUBE_CODECS, type YoutubeCodec } from './youtube/formats.ts';
export { parseYoutubeInput, type YoutubeRef } from './youtube/url.ts';

/** Options of {@link createYoutubeResolver}. Every field is optional. */
export interface YoutubeResolverOptions {
  /** Largest stream chosen, compared with the shorter side in pixels (YouTube's "1080p"). Default 1080. */
  maxHeight?: number;
  /** Codecs allowed, most preferred first; others are never chosen. Default `['h264', 'vp9', 'av1']`. */
  codecs?: readonly YoutubeCodec[];
  /** Any progressive stream (video and audio in one file, e.g. itag 18) beats any adaptive one. Default false. */
  preferProgressive?: boolean;
  /** The InnerTube client asked for streaming data. Default `'ANDROID_VR'` (see docs/sources.md, YouTube). */
  client?: Types.InnerTubeClient;
  /** fetch for every InnerTube request framepipe makes (session bootstrap and `/player`). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * A ready youtubei.js session, used as is: its own fetch, cookies, PO token, and player (with a
   * JavaScript evaluator set in youtubei.js's `Platform.shim.eval`) for deciphering. `fetch` is then unused.
   */
  innertube?: Innertube;
}

/** {@link YoutubeResolverOptions} with the defaults filled. */
const DEFAULTS = { maxHeight: 1080, codecs: YOUTUBE_CODECS, preferProgressive: false, client: 'ANDROID_VR' } as const;

/** The clients youtubei.js 18 can ask as (its `InnerTubeClient`). */
const CLIENTS = [
  'ANDROID_VR',
  'IOS',
  'WEB',
  'MWEB',
  'ANDROID',
  'VISIONOS',
  'YTMUSIC',
  'YTMUSIC_ANDROID',
  'YTSTUDIO_ANDROID',
  'TV',
  'TV_SIMPLY',
  'TV_EMBEDDED',
  'YTKIDS',
  'WEB_EMBEDDED',
  'WEB_CREATOR',
] as const satisfies readonly Types.InnerTubeClient[];

const optionsSchema = z.strictObject({
  maxHeight: z.number().int().positive().optional(),
  codecs: z
    .array(z.enum(['h264', 'vp9', 'av1']))
    .min(1)
    .optional(),
  preferProgressive: z.boolean().optional(),
  client: z.enum(CLIENTS).optional(),
  fetch: z.custom<typeof fetch>((v) => typeof v === 'function', 'expected a fetch function').optional(),
  innertube: z
    .custom<Innertube>((v) => typeof (v as Innertube | null)?.getBasicInfo === 'function', 'expected a youtubei.js Innertube')
    .optional(),
});

/**
 * A YouTube resolver with its own settings and session cache. The built-in {@link youtubeResolver} is
 * `createYoutubeResolver()`; register another to change the settings (newest first wins).
 *
 * @throws FramepipeError ERR_INVALID_OPTIONS naming the bad option.
 * @example
 * ```ts
 * import { registerResolver, resolveSource } from 'framepipe';
 * registerResolver(createYoutubeResolver({ maxHeight: 720, codecs: ['h264'] }));
 * await using source = await resolveSource('https://youtu.be/dQw4w9WgXcQ');
 * ```
 */
export function createYoutubeResolver(options: YoutubeResolverOptions = {}): SourceResolver {
  const settings = validate(options);
  const cache = new MemoryCache();
  return {
    name: 'youtube',
    canResolve: (input) => parseYoutubeInput(input) !== null,
    async resolve(input, sourceOptions) {
      const ref = parseYoutubeInput(input);
      if (ref === null || ref.kind === 'not-a-video') {
        const what = ref === null ? describe(input) : describe(ref.text);
        throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', `${what} is not a YouTube video address. Supported: ${YOUTUBE_FORMS}.`);
      }
      const o = resolveSourceOptions(sourceOptions);
      const innertube = await openInnertube({ ...settings, cache, timeoutMs: o.timeoutMs, signal: o.signal });
      const info = await fetchInfo(innertube, ref.videoId, settings.client, o);
      const source = await openStream(info, ref.videoId, innertube, settings, o);
      source.displayName = watchUrl(ref.videoId);
      return source;
    },
  };
}

/**
 * Resolves YouTube video URLs (`youtube.com/watch?v=`, `youtu.be/`, `/shorts/`, `/live/`, `/embed/`, on
 * www, m, music and youtube-nocookie hosts) and `youtube:ID`, with the default settings of
 * {@link createYoutubeResolver}. Registered by default ahead of the HTTP resolver.
 *
 * @example
 * ```ts
 * await using source = await youtubeResolver.resolve('https://www.youtube.com/watch?v=dQw4w9WgXcQ', {});
 * source.url;         // a loopback proxy URL in front of the chosen googlevideo stream
 * source.displayName; // 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'
 * ```
 */
export const youtubeResolver: SourceResolver = createYoutubeResolver();

type Settings = Omit<FormatPolicy, 'canDecipher'> & {
  client: Types.InnerTubeClient;
  fetch: typeof fetch;
  innertube: Innertube | undefined;
};

/** youtubei.js's `VideoInfo`, as `getBasicInfo` returns it. */
type VideoInfo = Awaited<ReturnType<Innertube['getBasicInfo']>>;

/** `/player` for one video, with the shared retry policy for network errors, 5xx and 429. */
async function fetchInfo(
  innertube: Innertube,
  videoId: string,
  client: Types.InnerTubeClient,
  o: ResolvedSourceOptions,
): Promise<VideoInfo> {
  const ctx = { retry: o.retry, signal: o.signal, onWarning: o.onWarning, displayName: watchUrl(videoId) };
  const info = await withRetries(ctx, async () => {
    try {
      return await untilAborted(innertube.getBasicInfo(videoId, { client }), o.signal);
    } catch (err) {
      throw innertubeFailure(err, videoId, o.timeoutMs, o.signal);
    }
  });
  const status = info.playability_status?.status ?? 'OK';
  if (status !== 'OK') throw playabilityError(videoId, status, info.playability_status?.reason ?? '');
  return info;
}

/** Live → the HLS manifest; otherwise the chosen stream's (deciphered) URL; both through the HTTP resolver. */
async function openStream(
  info: VideoInfo,
  videoId: string,
  innertube: Innertube,
  settings: Settings,
  o: ResolvedSourceOptions,
): Promise<OpenableSource> {
  const streaming = info.streaming_data;
  if (info.basic_info.is_live) {
    const manifest = streaming?.hls_manifest_url;
    if (!manifest) throw noStreamingData(videoId, settings.client, 'a live stream without an HLS manifest (hlsManifestUrl)');
    return httpResolver.resolve(manifest, o);
  }
  if (!streaming || streaming.formats.length + streaming.adaptive_formats.length === 0) {
    throw noStreamingData(videoId, settings.client, 'no streaming data');
  }
  const player = innertube.session.player;
  const policy: FormatPolicy = { ...settings, canDecipher: player !== undefined };
  const { choice, offered } = chooseYoutubeFormat(streaming, policy);
  if (!choice) throw noSuitableFormatError(videoId, offered, policy);
  let url: string;
  try {
    url = await choice.format.decipher(player);
  } catch (err) {
    throw new FramepipeError(
      'ERR_UNSUPPORTED_SOURCE',
      `youtubei.js could not decipher the URL of itag ${choice.format.itag} of YouTube video ${videoId}: ${(err as Error).message}`,
      {
        cause: err,
        details: { videoId, itag: choice.format.itag },
      },
    );
  }
  return httpResolver.resolve(url, o);
}

function noStreamingData(videoId: string, client: string, what: string): FramepipeError {
  return new FramepipeError(
    'ERR_UNSUPPORTED_SOURCE',
    `YouTube sent ${what} for video ${videoId} to the InnerTube client ${client}. Try another \`client\` (e.g. 'IOS', 'TV', 'WEB'), or pass \`innertube\`.`,
    { details: { videoId, client } },
  );
}

function validate(options: YoutubeResolverOptions): Settings {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const value = i.path.length > 0 ? (options as Record<string, unknown>)[String(i.path[0])] : options;
      return `\`${i.path.map(String).join('.') || 'options'}\`: ${i.message} (got ${describe(value)})`;
    });
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `Invalid YouTube resolver options: ${problems.join('; ')}. See docs/sources.md, YouTube.`,
      {
        cause: parsed.error,
      },
    );
  }
  const o = parsed.data;
  return {
    maxHeight: o.maxHeight ?? DEFAULTS.maxHeight,
    codecs: o.codecs ?? DEFAULTS.codecs,
    preferProgressive: o.preferProgressive ?? DEFAULTS.preferProgressive,
    client: o.client ?? DEFAULTS.client,
    fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    innertube: o.innertube,
  };
}
