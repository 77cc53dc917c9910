/**
 * The schema of a pipeline config file (`framepipe run pipeline.yaml`), in zod: strict objects (an unknown
 * key is an error), and on every field an error text that says what is expected, so a mistake reads
 * `algorithms[1].intervalSeconds: expected a number > 0, got "fast"`. `docs/pipelines-config.md` documents
 * each field; `docs/pipeline.schema.json` is generated from this file (`scripts/gen-pipeline-schema.ts`).
 */
import { z } from 'zod';

/** A schema whose every failure says `expected <what>`: the type check and each refinement share one text. */
const num = (what: string) => z.number({ error: what });
const positive = (what = 'a number > 0') => num(what).positive({ error: what });
const positiveInt = (what = 'an integer ≥ 1') => num(what).int({ error: what }).min(1, { error: what });
const nonNegative = (what = 'a number ≥ 0') => num(what).min(0, { error: what });
const text = (what = 'a non-empty string') => z.string({ error: what }).min(1, { error: what });
const bool = () => z.boolean({ error: 'true or false' });
const stringMap = (what: string) => z.record(z.string(), z.string({ error: 'a string' }), { error: what });
const freeOptions = (description: string) => z.record(z.string(), z.unknown(), { error: 'a mapping of option names to values' }).meta({ description });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `one of ${values.join(', ')}` });

const retrySchema = z
  .strictObject({
    retries: num('an integer ≥ 0').int({ error: 'an integer ≥ 0' }).min(0, { error: 'an integer ≥ 0' }).optional().meta({ description: 'Attempts after the first. Default 3.' }),
    baseDelayMs: positive('a number of ms > 0').optional().meta({ description: 'First backoff delay, ms; doubles each attempt. Default 250.' }),
    maxDelayMs: positive('a number of ms > 0').optional().meta({ description: 'Largest backoff delay, ms. Default 5000.' }),
  }, { error: 'a mapping { retries, baseDelayMs, maxDelayMs }' });

const reconnectSchema = z.strictObject({
  enabled: bool().optional().meta({ description: 'Reconnect after a live source drops. Default true for live sources.' }),
  maxAttempts: positiveInt().optional().meta({ description: 'Give up after this many consecutive failed attempts. Default 10.' }),
  baseDelayMs: positive('a number of ms > 0').optional().meta({ description: 'First backoff delay, ms; doubles each attempt. Default 500.' }),
  maxDelayMs: positive('a number of ms > 0').optional().meta({ description: 'Largest backoff delay, ms. Default 10000.' }),
}, { error: 'a mapping { enabled, maxAttempts, baseDelayMs, maxDelayMs }' });

/** How a source is reached: `SourceOptions` of `openVideo`, as far as a file can express them. */
export const sourceOptionsSchema = z
  .strictObject({
    headers: stringMap('a mapping of header names to values').optional().meta({ description: 'Extra HTTP request headers (HTTP and HLS sources).' }),
    timeoutMs: positiveInt('an integer number of ms ≥ 1').optional().meta({ description: 'Connect timeout and longest silence while reading, ms. Default 15000.' }),
    retry: retrySchema.optional().meta({ description: 'Retry policy for retriable network failures.' }),
    cacheDir: text().optional().meta({ description: 'Where sources that cannot be streamed are downloaded (relative to the config file).' }),
    keepCache: bool().optional().meta({ description: 'Keep downloads after the run and reuse them. Default false.' }),
    maxDataUriBytes: positiveInt('an integer number of bytes ≥ 1').optional().meta({ description: 'Largest data: URI payload, bytes. Default 64 MiB.' }),
    reconnect: reconnectSchema.optional().meta({ description: 'Live sources: reconnect policy.' }),
    format: text().optional().meta({ description: 'Force an FFmpeg input format (mpegts, v4l2, …).' }),
    ffmpegOptions: stringMap('a mapping of FFmpeg option names to string values').optional().meta({ description: 'Extra FFmpeg input options (AVOptions as strings).' }),
  }, { error: 'a mapping of source options (headers, timeoutMs, retry, reconnect, …)' })
  .meta({ description: 'How the source is reached; see docs/sources.md.' });

const sourceObject = z.strictObject({
  url: text('a path or URL').meta({ description: 'A path (relative to the config file) or a URL: anything openVideo opens.' }),
  id: text().optional().meta({ description: 'Source id in results, events and the summary; also `{source}` in record.path. Default: the path or URL as written (URLs without credentials or query).' }),
  options: sourceOptionsSchema.optional(),
});

/** One source: a path or URL, or `{ url, id?, options? }`. */
export const sourceSchema = z.union([text('a path or URL'), sourceObject], {
  error: 'a path or URL, or a mapping { url, id?, options? }',
});

const moduleUse = z.strictObject({
  module: text('a path to a .ts/.js/.mjs file').meta({ description: "Path of the user's module, relative to the config file." }),
  export: text('an export name').optional().meta({ description: 'The export to use. Default `default`.' }),
  options: freeOptions('Passed to the export when it is a factory function or a class.').optional(),
});

/** What an algorithm runs: a model spec string or `{ module, export?, options? }`. */
export const useSchema = z.union([text('a model spec (builtin:NAME, hf:ID_OR_DIR or a path to an .onnx file)'), moduleUse], {
  error: 'a model spec (builtin:NAME, hf:ID_OR_DIR, PATH.onnx) or a mapping { module, export?, options? }',
});

/** One algorithm registration. */
export const algorithmSchema = z.strictObject({
  name: text().meta({ description: 'Unique name; results, events and the summary use it.' }),
  use: useSchema.meta({
    description: 'builtin:NAME (histogram, phash, stats, motion, scene), hf:HUB_ID_OR_DIR, a path to an .onnx file, or { module, export?, options? }.',
  }),
  frameCount: positiveInt().optional().meta({ description: 'Frames per call. Default 1.' }),
  frameStep: positiveInt().optional().meta({ description: 'Distance between the frames of one call, in buffered frames. Default 1.' }),
  intervalSeconds: positive('a number > 0').meta({ description: 'Media time between calls, seconds (fractional allowed).' }),
  isolate: bool().optional().meta({ description: 'Run each instance in its own worker thread, so synchronous inference never holds playback. Default false.' }),
  options: freeOptions(
    'builtin: the model’s options; hf:/.onnx: inputSize, mean, std, providers, threads, cacheDir, offline. For { module } use `use.options`.',
  ).optional(),
});

const jsonlSinkSchema = z.strictObject({
  type: z.literal('jsonl'),
  path: text('a file path').meta({ description: 'JSONL file (relative to the output directory).' }),
  fsync: bool().optional().meta({ description: 'fdatasync each batch before it counts as written. Default true.' }),
});
const lanceSinkSchema = z.strictObject({
  type: z.literal('lance'),
  path: text('a directory path').meta({ description: 'LanceDB directory (relative to the output directory).' }),
  table: text().optional().meta({ description: 'Table name. Default `frames`.' }),
  compactOnClose: bool().optional().meta({ description: 'Compact fragments on close. Default true.' }),
});
const redisSinkSchema = z.strictObject({
  type: z.literal('redis'),
  url: text('a redis:// URL').regex(/^rediss?:\/\//i, { error: 'a redis:// or rediss:// URL' }).meta({ description: 'redis://[user:password@]host[:port][/db][#stream]' }),
  stream: text().optional().meta({ description: 'Stream key. Default: the URL’s #fragment, else framepipe:results.' }),
  maxLen: positiveInt().optional().meta({ description: 'Trim the stream to about this many entries.' }),
  connectTimeoutMs: positiveInt('an integer number of ms ≥ 1').optional(),
  reconnectAttempts: num('an integer ≥ 0').int({ error: 'an integer ≥ 0' }).min(0, { error: 'an integer ≥ 0' }).optional(),
});
const webhookSinkSchema = z.strictObject({
  type: z.literal('webhook'),
  url: text('an http(s):// URL').regex(/^https?:\/\//i, { error: 'an http(s):// URL' }),
  headers: stringMap('a mapping of header names to values').optional(),
  batchSize: positiveInt().optional().meta({ description: 'Most records per request. Default 100.' }),
  timeoutMs: positiveInt('an integer number of ms ≥ 1').optional(),
  retry: retrySchema.optional(),
});
const sinkObject = z.discriminatedUnion('type', [jsonlSinkSchema, lanceSinkSchema, redisSinkSchema, webhookSinkSchema], {
  error: 'type: jsonl, lance, redis or webhook',
});

/** One sink: a spec string as `--out` takes it, or a mapping with `type`. */
export const sinkSchema = z.union([text('a sink spec (FILE.jsonl, DIR.lance, redis://…, http(s)://…)'), sinkObject], {
  error: 'a sink spec (FILE.jsonl, DIR.lance, redis://…, http(s)://…) or a mapping { type, … }',
});

/** Recording of the played frames: `RecordOptions` of the runner. */
export const recordSchema = z.strictObject({
  path: text('a path ending in .mp4')
    .regex(/\.mp4$/i, { error: 'a path ending in .mp4' })
    .meta({ description: 'Output .mp4 (relative to the output directory); `{source}` is replaced by the source id.' }),
  width: positiveInt('an integer number of pixels ≥ 1').optional().meta({ description: 'Encoded width. Default: the playback width.' }),
  height: positiveInt('an integer number of pixels ≥ 1').optional().meta({ description: 'Encoded height. Default: the playback height.' }),
  crf: num('an integer from 0 to 51').int({ error: 'an integer from 0 to 51' }).min(0, { error: 'an integer from 0 to 51' }).max(51, { error: 'an integer from 0 to 51' }).optional()
    .meta({ description: 'x264 constant rate factor. Default 23.' }),
  preset: oneOf(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow']).optional().meta({ description: 'x264 preset. Default veryfast.' }),
  maxQueuedFrames: positiveInt().optional().meta({ description: 'Realtime: frames waiting for the encoder before new ones are dropped. Default 30.' }),
  overlay: bool().optional().meta({ description: 'Draw every algorithm’s latest result on the recorded frames: detections as labelled boxes, other results as text. Default false.' }),
}, { error: 'a mapping { path, width?, height?, crf?, preset?, maxQueuedFrames?, overlay? }' });

/**
 * How `framepipe run` shows progress: bars (plain lines off a terminal), JSON event lines, or nothing.
 *
 * @example
 * ```ts
 * PROGRESS_DISPLAYS.includes('events'); // true
 * ```
 */
export const PROGRESS_DISPLAYS = ['bar', 'events', 'none'] as const;

const httpProgressSchema = z.union([
  text('an http(s):// URL').regex(/^https?:\/\//i, { error: 'an http(s):// URL' }),
  z.strictObject({
    url: text('an http(s):// URL').regex(/^https?:\/\//i, { error: 'an http(s):// URL' }),
    intervalMs: positiveInt('an integer number of ms ≥ 1').optional().meta({ description: 'Most one update per this many ms. Default 500.' }),
  }),
], { error: 'an http(s):// URL or a mapping { url, intervalMs? }' });

/** `progress`: a display, or `{ display?, http? }`. */
export const progressSchema = z.union([
  oneOf(PROGRESS_DISPLAYS),
  z.strictObject({
    display: oneOf(PROGRESS_DISPLAYS).optional().meta({ description: 'bar (default), events (JSON lines on stdout) or none.' }),
    http: httpProgressSchema.optional().meta({ description: 'POST { total_frames } then { current_frame } to this URL (lit_video_stream’s hook).' }),
  }),
], { error: `one of ${PROGRESS_DISPLAYS.join(', ')}, or a mapping { display?, http? }` });

const playbackSchema = z.strictObject({
  width: positiveInt('an integer number of pixels from 1 to 16384').max(16384, { error: 'an integer number of pixels from 1 to 16384' }).optional().meta({ description: 'Width of the played frames. Default: the displayed width.' }),
  height: positiveInt('an integer number of pixels from 1 to 16384').max(16384, { error: 'an integer number of pixels from 1 to 16384' }).optional().meta({ description: 'Height of the played frames. Default: the displayed height.' }),
}, { error: 'a mapping { width?, height? }' });

/**
 * The zod schema of a whole config file. Rules between fields (unique names, range order, `{source}`) and
 * everything `use` names are checked by `loadPipelineConfig` / `validatePipelineConfig`, not here.
 *
 * @example
 * ```ts
 * const ok = pipelineConfigSchema.safeParse({ sources: ['a.mp4'], algorithms: [{ name: 'h', use: 'builtin:histogram', intervalSeconds: 1 }] }).success;
 * ```
 */
export const pipelineConfigSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Editor hint, ignored: e.g. ../../docs/pipeline.schema.json' }),
    sources: z.array(sourceSchema, { error: 'a list of sources' }).min(1, { error: 'a list of at least one source' }).meta({ description: 'One pipeline runs per source, all at once.' }),
    mode: oneOf(['offline', 'realtime']).optional().meta({ description: 'offline (every frame, as fast as possible; default) or realtime (playback never waits for inference).' }),
    startSeconds: nonNegative('a number of seconds ≥ 0').optional().meta({ description: 'Start on the media timeline, seconds.' }),
    endSeconds: positive('a number of seconds > 0').optional().meta({ description: 'Stop at this media time (exclusive), seconds. Default: the end.' }),
    targetFps: positive('a frame rate > 0 and ≤ 1000').max(1000, { error: 'a frame rate > 0 and ≤ 1000' }).optional().meta({ description: 'Play at this frame rate, skipping frames in between. Default: every frame.' }),
    speed: positive('a speed factor > 0 and ≤ 100').max(100, { error: 'a speed factor > 0 and ≤ 100' }).optional().meta({ description: 'Realtime playback speed for files (1 = own pace). Default 1.' }),
    maxLatenessMs: positive('a number of ms > 0').optional().meta({ description: 'Realtime: drop (and count) frames that would play more than this many ms late, to catch up with the clock or the live edge. Default: no limit.' }),
    bufferFrames: positiveInt('an integer from 1 to 16384').max(16384, { error: 'an integer from 1 to 16384' }).optional().meta({ description: 'Frames in the bounded frame buffer. Default: the largest window an algorithm needs.' }),
    playback: playbackSchema.optional().meta({ description: 'Size of the played frames. Default: the displayed size.' }),
    algorithms: z.array(algorithmSchema, { error: 'a list of algorithms' }).min(1, { error: 'a list of at least one algorithm' }),
    sinks: z.array(sinkSchema, { error: 'a list of sinks' }).optional().meta({ description: 'Where every result goes, shared by all sources (records carry `source`).' }),
    record: recordSchema.optional().meta({ description: 'Record the played frames to H.264 MP4.' }),
    progress: progressSchema.optional().meta({ description: 'How framepipe run shows progress. Default bar.' }),
    onAlgorithmError: oneOf(['fail', 'report']).optional().meta({ description: 'fail (default): the run fails; report: count it and go on.' }),
  }, { error: 'a mapping with sources and algorithms' })
  .meta({ title: 'framepipe pipeline config', description: 'Config of `framepipe run FILE`; see docs/pipelines-config.md.' });

/**
 * A validated pipeline config, as written (relative paths not yet resolved, defaults not filled).
 *
 * @example
 * ```ts
 * const config: PipelineConfig = { sources: ['clip.mp4'], algorithms: [{ name: 'hist', use: 'builtin:histogram', intervalSeconds: 1 }] };
 * ```
 */
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
/** One entry of {@link PipelineConfig}'s `algorithms`. */
export type AlgorithmConfig = z.output<typeof algorithmSchema>;
/** One entry of {@link PipelineConfig}'s `sources`. */
export type SourceConfig = z.output<typeof sourceSchema>;
/** One entry of {@link PipelineConfig}'s `sinks`. */
export type SinkConfig = z.output<typeof sinkSchema>;

/**
 * The JSON Schema (draft 2020-12) of a pipeline config, for editors and other tools. Cross-field rules are
 * not in it (unique names, endSeconds after startSeconds).
 *
 * @example
 * ```ts
 * writeFileSync('docs/pipeline.schema.json', `${JSON.stringify(pipelineConfigJsonSchema(), null, 2)}\n`);
 * ```
 */
export function pipelineConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(pipelineConfigSchema, { io: 'input' }) as Record<string, unknown>;
}
