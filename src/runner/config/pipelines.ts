/**
 * A loaded config turned into runner options: one `PipelineOptions` per source, each with its own algorithm
 * instances, all writing to the same sinks (opened once; records carry `source`). Relative inputs are
 * resolved against the config file's directory, relative outputs (file sinks, the recording) against the
 * output directory.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FramepipeError } from '../../core/errors.ts';
import type { Frame } from '../../core/types.ts';
import type { VideoWarning } from '../../pipeline/options.ts';
import { jsonlSink } from '../../sinks/jsonl.ts';
import { lanceSink } from '../../sinks/lance.ts';
import { openSink, parseSinkSpec } from '../../sinks/open.ts';
import { webhookSink } from '../../sinks/webhook.ts';
import type { Sink } from '../../sinks/types.ts';
import { resultsOverlay } from '../results-overlay.ts';
import type { FrameHook, HookContext, PipelineEvent, PipelineOptions, Position, RecordOptions } from '../types.ts';
import type { LoadedPipelineConfig } from './load.ts';
import { recordName, sourceInput, sourceLabel } from './names.ts';
import type { SinkConfig, SourceConfig } from './schema.ts';

/** Hooks and places that are the caller's, not the file's. Every field is optional. */
export interface ConfigToPipelinesOptions {
  /** Directory relative output paths (JSONL and Lance sinks, `record.path`) are resolved against. Default: the current directory. */
  outDir?: string;
  /** Stops every pipeline. */
  signal?: AbortSignal;
  /** Receives each pipeline's events, with its source id. */
  onEvent?: (source: string, event: PipelineEvent) => void;
  /** Receives each pipeline's results, with its source id. */
  collect?: (source: string, position: Position, algorithm: string, result: unknown) => void | Promise<void>;
  /** Per-frame hook of every pipeline, with its source id. Leave it out when not needed: frames are then not copied for it. */
  onFrame?: (source: string, frame: Frame, context: HookContext) => void | Promise<void>;
  /** Receives each source's warnings (retries, reconnects, decode errors), with its source id. */
  onWarning?: (source: string, warning: VideoWarning) => void;
}

/** One source's pipeline. */
export interface ConfiguredPipeline {
  /** The source id in records and events: the entry's `id`, else the path or URL as written (URLs without credentials or query). */
  sourceId: string;
  /** Options for `createPipeline`. */
  options: PipelineOptions;
  /** Absolute path of the recording, when `record` is set. */
  recordPath?: string;
}

/** What {@link configToPipelines} made. `close()` (or `await using`) closes the shared sinks once every pipeline is done. */
export interface ConfiguredPipelines extends AsyncDisposable {
  /** One per source, in config order. */
  pipelines: ConfiguredPipeline[];
  /** The sinks shared by all pipelines (`keepSinksOpen`: the pipelines neither open nor close them). */
  sinks: readonly Sink[];
  /** Opens every sink and creates the recordings' folders, so an unwritable output fails before any pipeline starts. */
  prepare(): Promise<void>;
  /** Flushes and closes the shared sinks. Idempotent. */
  close(): Promise<void>;
}

/**
 * One `PipelineOptions` per source of a loaded config. Algorithms are instantiated per source (the first
 * source gets the instances made while loading); sinks are opened once and shared.
 *
 * @example
 * ```ts
 * const loaded = await loadPipelineConfig('pipeline.yaml');
 * await using run = await configToPipelines(loaded, { outDir: 'out' });
 * const reports = await Promise.all(run.pipelines.map((p) => createPipeline(p.options).run()));
 * ```
 */
export async function configToPipelines(loaded: LoadedPipelineConfig, options: ConfigToPipelinesOptions = {}): Promise<ConfiguredPipelines> {
  const { config, baseDir } = loaded;
  const outDir = resolve(options.outDir ?? '.');
  const sinks = (config.sinks ?? []).map((spec) => openConfiguredSink(spec, outDir));
  const pipelines: ConfiguredPipeline[] = [];
  for (const entry of config.sources) {
    const source = sourceInput(entry, baseDir);
    const sourceId = sourceLabel(entry);
    const algorithms = [];
    for (const a of loaded.algorithms) {
      const registration = { name: a.name, algorithm: await a.instantiate(), frameCount: a.frameCount, frameStep: a.frameStep, intervalSeconds: a.intervalSeconds };
      algorithms.push(registration);
    }
    const recordPath = config.record ? resolve(outDir, config.record.path.replaceAll('{source}', recordName(entry))) : undefined;
    const pipeline: PipelineOptions = {
      source,
      sourceId,
      mode: config.mode,
      algorithms,
      startSeconds: config.startSeconds,
      endSeconds: config.endSeconds,
      targetFps: config.targetFps,
      speed: config.speed,
      maxLatenessMs: config.maxLatenessMs,
      bufferFrames: config.bufferFrames,
      playback: config.playback,
      sinks,
      keepSinksOpen: true,
      record: config.record && recordPath ? recordOptions(config.record, recordPath) : undefined,
      onAlgorithmError: config.onAlgorithmError,
      signal: options.signal,
      open: sourceOpenOptions(entry, baseDir, (w) => options.onWarning?.(sourceId, w)),
      onEvent: options.onEvent && ((event) => options.onEvent?.(sourceId, event)),
      collect: options.collect && ((position, algorithm, result) => options.collect?.(sourceId, position, algorithm, result)),
      onFrame: frameHook(config.record?.overlay === true ? resultsOverlay() : undefined, options.onFrame && ((frame, context) => options.onFrame?.(sourceId, frame, context))),
    };
    pipelines.push({ sourceId, options: dropUndefined(pipeline), ...(recordPath ? { recordPath } : {}) });
  }
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= Promise.allSettled(sinks.map((s) => s.close())).then((results) => {
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }));
  return {
    pipelines,
    sinks,
    async prepare() {
      await Promise.all(sinks.map((s) => s.open?.()));
      for (const { recordPath } of pipelines) {
        if (recordPath === undefined) continue;
        await mkdir(dirname(recordPath), { recursive: true }).catch((err: unknown) => {
          const why = (err as Error).message;
          throw new FramepipeError('ERR_SINK_WRITE', `Cannot create the folder of the recording ${recordPath}: ${why}. Check that the output directory is writable.`, { cause: err, retriable: false, details: { path: recordPath } });
        });
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function sourceOpenOptions(entry: SourceConfig, baseDir: string, onWarning: (w: VideoWarning) => void): PipelineOptions['open'] {
  const source = typeof entry === 'string' ? undefined : entry.options;
  if (source === undefined) return { onWarning };
  return { onWarning, source: { ...source, ...(source.cacheDir ? { cacheDir: resolve(baseDir, source.cacheDir) } : {}) } };
}

function openConfiguredSink(spec: SinkConfig, outDir: string): Sink {
  if (typeof spec === 'string') {
    const parsed = parseSinkSpec(spec);
    if (parsed.kind === 'jsonl') return jsonlSink(resolve(outDir, parsed.path));
    if (parsed.kind === 'lance') return lanceSink(resolve(outDir, parsed.dir));
    return openSink(spec);
  }
  switch (spec.type) {
    case 'jsonl':
      return jsonlSink(resolve(outDir, spec.path), dropUndefined({ fsync: spec.fsync }));
    case 'lance':
      return lanceSink(resolve(outDir, spec.path), dropUndefined({ table: spec.table, compactOnClose: spec.compactOnClose }));
    case 'redis': {
      const options = dropUndefined({ stream: spec.stream, maxLen: spec.maxLen, connectTimeoutMs: spec.connectTimeoutMs, reconnectAttempts: spec.reconnectAttempts });
      return openSink(spec.url, { redis: options });
    }
    case 'webhook':
      return webhookSink(spec.url, dropUndefined({ headers: spec.headers, batchSize: spec.batchSize, timeoutMs: spec.timeoutMs, retry: spec.retry }));
  }
}

/** The runner's record options: the config's, minus `overlay` (which is a hook), at the resolved path. */
function recordOptions(record: NonNullable<LoadedPipelineConfig['config']['record']>, path: string): RecordOptions {
  const { overlay: _overlay, ...rest } = record;
  return { ...rest, path };
}

/** The built-in results overlay, then the caller's hook; undefined when neither is set (no frame copies). */
function frameHook(overlay: FrameHook | undefined, caller: FrameHook | undefined): FrameHook | undefined {
  if (!overlay || !caller) return overlay ?? caller;
  return async (frame, context) => {
    await overlay(frame, context);
    await caller(frame, context);
  };
}
