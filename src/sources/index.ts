/**
 * The source layer's public face: {@link resolveSource} turns any input (path, URL, bytes, stream) into an
 * {@link OpenableSource} the decoder can open, by asking each registered {@link SourceResolver} in turn,
 * newest first. {@link registerResolver} is the plug-in point (e.g. a YouTube page resolver).
 */
import { abortError, FramepipeError, toFramepipeError } from '../core/errors.ts';
import { SCHEME, fileResolver } from './file.ts';
import { hlsResolver } from './hls.ts';
import { httpResolver } from './http.ts';
import { deviceResolver, liveResolver } from './live.ts';
import { bytesResolver, dataUriResolver } from './memory.ts';
import { describe, resolveSourceOptions } from './options.ts';
import { streamResolver } from './stream.ts';
import { youtubeResolver } from './youtube.ts';
import type { OpenableSource, SourceInput, SourceOptions, SourceResolver } from './types.ts';

export type {
  OpenableSource,
  ReconnectOptions,
  RetryOptions,
  SourceInput,
  SourceOptions,
  SourceResolver,
  SourceWarning,
} from './types.ts';
export { fileResolver } from './file.ts';
export { hlsResolver } from './hls.ts';
export { httpResolver } from './http.ts';
export { deviceResolver, liveFfmpegOptions, liveResolver } from './live.ts';
export { bytesResolver, dataUriResolver, parseRange } from './memory.ts';
export { resolveSourceOptions, SOURCE_DEFAULTS, type ResolvedSourceOptions } from './options.ts';
export { backoffDelayMs, isRetriableStatus } from './retry.ts';
export { mp4IndexPosition, sniffContainer, type ContainerGuess, type Mp4IndexPosition } from './sniff.ts';
export { streamResolver } from './stream.ts';
export { createYoutubeResolver, youtubeResolver, type YoutubeCodec, type YoutubeResolverOptions } from './youtube.ts';

/** What the built-in resolvers accept, for the ERR_UNSUPPORTED_SOURCE message. */
const SUPPORTED = [
  'file paths, file://, http://, https:// (including .m3u8 HLS), data:',
  'YouTube video URLs and youtube:ID',
  'rtsp://, rtsps://, rtmp://, rtmps://, srt://, udp://, tcp://, rtp://, /dev/videoN, v4l2://',
  'Uint8Array/ArrayBuffer/Buffer, Node Readable streams',
].join(', ');

/**
 * The built-in resolvers in the order they are asked (first match wins). A new array on every call.
 *
 * @example
 * ```ts
 * const names = defaultResolvers().map((r) => r.name);
 * // ['device', 'live', 'data', 'youtube', 'hls', 'http', 'bytes', 'stream', 'file']
 * ```
 */
export function defaultResolvers(): SourceResolver[] {
  return [
    deviceResolver,
    liveResolver,
    dataUriResolver,
    youtubeResolver,
    hlsResolver,
    httpResolver,
    bytesResolver,
    streamResolver,
    fileResolver,
  ];
}

let registry: SourceResolver[] = defaultResolvers();

/**
 * Adds a resolver ahead of all others (newest first), so it can also take over inputs a built-in one
 * would handle. Returns a function that removes it again.
 *
 * @example
 * ```ts
 * const unregister = registerResolver({
 *   name: 'myapp',
 *   canResolve: (input) => typeof input === 'string' && input.startsWith('myapp://'),
 *   resolve: (input, options) => resolveSource(`https://media.myapp.example/${String(input).slice(8)}.mp4`, options),
 * });
 * ```
 */
export function registerResolver(resolver: SourceResolver): () => void {
  const valid = typeof resolver?.canResolve === 'function' && typeof resolver.resolve === 'function' && !!resolver.name;
  if (!valid) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `registerResolver needs { name, canResolve(input), resolve(input, options) }, got ${describe(resolver)}.`,
    );
  }
  registry = [resolver, ...registry];
  return () => {
    registry = registry.filter((r) => r !== resolver);
  };
}

/**
 * Resolves a user's input into something FFmpeg can open. Options are validated once here; the user's
 * `format` and `ffmpegOptions` are applied last, over what the resolver chose. Close the result (or use
 * `await using`) to release proxies and temporary files.
 *
 * @param resolvers the resolvers to ask, in order; defaults to the registered ones (newest first).
 * @throws FramepipeError ERR_INVALID_OPTIONS, ERR_UNSUPPORTED_SOURCE, ERR_ABORTED, or the resolver's error
 *   (ERR_NOT_FOUND, ERR_HTTP_STATUS, ERR_UNREACHABLE, ERR_TIMEOUT, ERR_EMPTY_INPUT, ERR_BUDGET_EXCEEDED, …).
 * @example
 * ```ts
 * await using source = await resolveSource('https://cdn.example/clip.mp4', { timeoutMs: 5000 });
 * // hand source.url, source.format and source.ffmpegOptions to the decoder
 * ```
 */
export async function resolveSource(
  input: SourceInput,
  options: SourceOptions = {},
  resolvers: readonly SourceResolver[] = registry,
): Promise<OpenableSource> {
  const o = resolveSourceOptions(options);
  if (o.signal?.aborted) throw abortError(o.signal);
  if (typeof input === 'string' && input.trim() === '') {
    throw new FramepipeError('ERR_INVALID_OPTIONS', 'The source is an empty string. Pass a file path, a URL, bytes or a stream.');
  }
  const resolver = resolvers.find((r) => r.canResolve(input));
  if (!resolver) throw unsupported(input, resolvers);
  let source: OpenableSource;
  try {
    source = await resolver.resolve(input, o);
  } catch (err) {
    // Custom resolvers may throw anything; callers get one error type with a stable code.
    throw toFramepipeError(err);
  }
  if (o.format !== undefined) source.format = o.format;
  source.ffmpegOptions = { ...source.ffmpegOptions, ...o.ffmpegOptions };
  return source;
}

function unsupported(input: SourceInput, resolvers: readonly SourceResolver[]): FramepipeError {
  const custom = resolvers.filter((r) => !defaultResolvers().includes(r)).map((r) => r.name);
  const also = custom.length > 0 ? ` Registered resolvers: ${custom.join(', ')}.` : '';
  const text = input instanceof URL ? input.href : typeof input === 'string' ? input : null;
  const scheme = text === null ? null : (SCHEME.exec(text)?.[1] ?? null);
  const what = scheme !== null ? `the scheme "${scheme}:" (in ${describe(safeText(text ?? ''))})` : `the input ${describe(input)}`;
  return new FramepipeError(
    'ERR_UNSUPPORTED_SOURCE',
    `No source resolver handles ${what}. Supported: ${SUPPORTED}.${also} Add one with registerResolver().`,
    { details: { scheme } },
  );
}

/** Strips credentials and query strings so an unsupported URL can be shown in a message. */
function safeText(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '');
}
