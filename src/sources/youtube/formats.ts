/**
 * Stream choice for a YouTube video: a pure function over the formats InnerTube offers (youtubei.js
 * `Format` objects, or anything of the same shape), so every rule is unit-tested without a network.
 *
 * Rules, in order: a format must carry video in a codec from `codecs`, be a single file (not an OTF
 * segmented stream), carry no DRM, be at most `maxHeight` tall, and have a URL (a `signatureCipher`
 * counts only when deciphering is possible). Among the rest: the tallest wins; then the earlier codec in
 * `codecs`; then progressive (video and audio in one file, `streamingData.formats`) over adaptive;
 * then the higher frame rate, the higher bitrate, the lower itag. `preferProgressive` moves the
 * progressive test to the front.
 */
import { FramepipeError } from '../../core/errors.ts';

/** A video codec framepipe asks YouTube for; FFmpeg decodes all three. */
export type YoutubeCodec = 'h264' | 'vp9' | 'av1';

/** Every codec {@link chooseYoutubeFormat} knows, in the default order of preference. */
export const YOUTUBE_CODECS: readonly YoutubeCodec[] = ['h264', 'vp9', 'av1'];

/** The fields of a youtubei.js `Format` that the choice reads. */
export interface YoutubeFormatLike {
  itag: number;
  mime_type: string;
  width?: number | undefined;
  height?: number | undefined;
  quality_label?: string | undefined;
  fps?: number | undefined;
  bitrate: number;
  has_video: boolean;
  is_type_otf?: boolean | undefined;
  drm_families?: string[] | undefined;
  url?: string | undefined;
  signature_cipher?: string | undefined;
  cipher?: string | undefined;
}

/** How to choose; every field filled (the resolver applies the defaults). */
export interface FormatPolicy {
  /** Largest allowed shorter side in pixels (YouTube's "1080p" number, so a 1080x1920 Short is 1080). */
  maxHeight: number;
  /** Allowed codecs, most preferred first. */
  codecs: readonly YoutubeCodec[];
  /** Any progressive format beats any adaptive one. */
  preferProgressive: boolean;
  /** A youtubei.js player is loaded, so `signatureCipher` URLs can be deciphered. */
  canDecipher: boolean;
}

/** One offered format as reported in errors: what it is and why it was passed over (null: suitable). */
export interface OfferedFormat {
  itag: number;
  mimeType: string;
  /** `WIDTHxHEIGHT`, or null when InnerTube gave no size. */
  size: string | null;
  progressive: boolean;
  rejected: string | null;
}

/** The chosen format and the facts the choice was made on. */
export interface FormatChoice<F extends YoutubeFormatLike> {
  format: F;
  codec: YoutubeCodec;
  progressive: boolean;
  /** The shorter side in pixels (0 when unknown). */
  heightPx: number;
}

/**
 * Picks the stream to decode; see the module comment for the rules. `offered` lists every format with
 * the reason it was passed over, for the "no suitable stream" message.
 *
 * @example
 * ```ts
 * const { choice } = chooseYoutubeFormat(info.streaming_data, { maxHeight: 720, codecs: ['h264', 'vp9'], preferProgressive: false, canDecipher: false });
 * choice?.format.itag; // e.g. 22 (720p H.264, progressive) before 136 (720p H.264, adaptive)
 * ```
 */
export function chooseYoutubeFormat<F extends YoutubeFormatLike>(
  streaming: { formats: readonly F[]; adaptive_formats: readonly F[] },
  policy: FormatPolicy,
): { choice: FormatChoice<F> | null; offered: OfferedFormat[] } {
  const offered: OfferedFormat[] = [];
  const suitable: FormatChoice<F>[] = [];
  const all = [
    ...streaming.formats.map((format) => ({ format, progressive: true })),
    ...streaming.adaptive_formats.map((format) => ({ format, progressive: false })),
  ];
  for (const { format, progressive } of all) {
    const codec = videoCodecOf(format.mime_type);
    const heightPx = shorterSide(format);
    const rejected = rejection(format, codec, heightPx, policy);
    const size = format.width && format.height ? `${format.width}x${format.height}` : null;
    offered.push({ itag: format.itag, mimeType: format.mime_type, size, progressive, rejected });
    if (rejected === null && codec !== null) suitable.push({ format, codec, progressive, heightPx });
  }
  suitable.sort((a, b) => compareChoices(a, b, policy));
  return { choice: suitable[0] ?? null, offered };
}

/**
 * The video codec named first in a MIME type's `codecs` parameter, or null for audio-only and codecs
 * framepipe does not ask YouTube for.
 *
 * @example
 * ```ts
 * videoCodecOf('video/mp4; codecs="avc1.64001F, mp4a.40.2"'); // 'h264'
 * videoCodecOf('video/webm; codecs="vp09.00.40.08"');         // 'vp9'
 * videoCodecOf('audio/webm; codecs="opus"');                  // null
 * ```
 */
export function videoCodecOf(mimeType: string): YoutubeCodec | null {
  const first = codecNames(mimeType)[0]?.toLowerCase() ?? '';
  if (!mimeType.toLowerCase().startsWith('video/')) return null;
  if (first.startsWith('avc1') || first.startsWith('avc3')) return 'h264';
  if (first === 'vp9' || first.startsWith('vp09')) return 'vp9';
  if (first.startsWith('av01')) return 'av1';
  return null;
}

function codecNames(mimeType: string): string[] {
  const list = /codecs\s*=\s*"?([^";]*)"?/i.exec(mimeType)?.[1] ?? '';
  return list
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

function shorterSide(format: YoutubeFormatLike): number {
  if (format.width && format.height) return Math.min(format.width, format.height);
  const label = /^(\d+)p/.exec(format.quality_label ?? '')?.[1];
  return label === undefined ? 0 : Number(label);
}

function rejection(format: YoutubeFormatLike, codec: YoutubeCodec | null, heightPx: number, policy: FormatPolicy): string | null {
  const codecText = codecNames(format.mime_type).join(', ') || format.mime_type;
  if (!format.has_video || format.mime_type.toLowerCase().startsWith('audio/')) return 'audio only';
  if (codec === null) return `codec ${codecText} is not one framepipe asks YouTube for`;
  if (!policy.codecs.includes(codec)) return `codec ${codec} is not in codecs [${policy.codecs.join(', ')}]`;
  if (format.is_type_otf) return 'segmented (OTF) stream, not readable as one file';
  if (format.drm_families && format.drm_families.length > 0) return 'DRM-protected';
  if (heightPx > policy.maxHeight) return `${heightPx}p is above maxHeight ${policy.maxHeight}`;
  if (!format.url && !format.signature_cipher && !format.cipher) return 'no URL (server-side ABR only)';
  if (!format.url && !policy.canDecipher) return 'its URL needs signature deciphering (no youtubei.js player loaded)';
  return null;
}

function compareChoices<F extends YoutubeFormatLike>(a: FormatChoice<F>, b: FormatChoice<F>, policy: FormatPolicy): number {
  const progressive = Number(b.progressive) - Number(a.progressive);
  if (policy.preferProgressive && progressive !== 0) return progressive;
  return (
    b.heightPx - a.heightPx ||
    policy.codecs.indexOf(a.codec) - policy.codecs.indexOf(b.codec) ||
    progressive ||
    (b.format.fps ?? 0) - (a.format.fps ?? 0) ||
    b.format.bitrate - a.format.bitrate ||
    a.format.itag - b.format.itag
  );
}

/** How many offered formats a message lists before "and N more". */
const LISTED = 12;

/**
 * The error when no offered format is suitable. `ERR_UNSUPPORTED_SOURCE` when some format would do but
 * for a URL that needs deciphering (the fix is a session that can decipher), else `ERR_UNSUPPORTED_CODEC`
 * (the fix is a larger `maxHeight` or more `codecs`). `details.offered` holds every format.
 *
 * @example
 * ```ts
 * const { choice, offered } = chooseYoutubeFormat(streaming, policy);
 * if (!choice) throw noSuitableFormatError('dQw4w9WgXcQ', offered, policy);
 * ```
 */
export function noSuitableFormatError(videoId: string, offered: readonly OfferedFormat[], policy: FormatPolicy): FramepipeError {
  const lines = offered.slice(0, LISTED).map((f) => {
    const what = [`itag ${f.itag}`, f.mimeType, f.size, f.progressive ? 'progressive' : null].filter(Boolean).join(' ');
    return `${what}: ${f.rejected ?? 'suitable'}`;
  });
  if (offered.length > LISTED) lines.push(`and ${offered.length - LISTED} more`);
  const needsDecipher = offered.some((f) => f.rejected?.includes('deciphering'));
  const fix = needsDecipher
    ? 'Pass `innertube`: a youtubei.js session created with its player (retrieve_player) and a JavaScript evaluator, so URLs can be deciphered (see docs/sources.md, YouTube).'
    : 'Raise `maxHeight`, add codecs to `codecs`, or try another InnerTube `client`.';
  const policyText = `maxHeight ${policy.maxHeight}, codecs [${policy.codecs.join(', ')}]`;
  return new FramepipeError(
    needsDecipher ? 'ERR_UNSUPPORTED_SOURCE' : 'ERR_UNSUPPORTED_CODEC',
    `YouTube video ${videoId} offers no stream framepipe can use (${policyText}). Offered: ${lines.join('; ') || 'nothing'}. ${fix}`,
    { details: { videoId, offered, maxHeight: policy.maxHeight, codecs: [...policy.codecs] } },
  );
}
