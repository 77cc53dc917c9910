/**
 * `extract`: run one model over many sources. Sources are decoded concurrently (bounded), their frames are
 * batched together as they arrive, each batch goes through the model as soon as it is full, and its results
 * are written to the sinks before the next one — so results appear while the run goes on, a crash loses at
 * most the batch in flight, and one broken source is recorded while the others finish.
 */
import { createHash } from 'node:crypto';
import { abortError, FramepipeError, type SerializedError, toFramepipeError } from '../core/errors.ts';
import type { SamplingOptions } from '../core/types.ts';
import { type Model, type ModelBatch, type ModelFunction, type ModelInput, type SourcedFrameMeta, defineModel } from '../models/types.ts';
import { plannedFrameCount } from '../sampling/planned.ts';
import { validateSampling } from '../sampling/validate.ts';
import type { ResultRecord, Sink } from '../sinks/types.ts';
import type { SourceInput } from '../sources/types.ts';
import { FrameQueue } from './frame-queue.ts';
import { outputForModel } from './model-input.ts';
import type { OpenVideoOptions, VideoWarning } from './options.ts';
import type { ExtractListener, ProgressHook, SourceProgress } from './progress.ts';
import { openVideo } from './video.ts';

/** A source with the id its results are filed under. */
export interface NamedSource {
  id: string;
  input: SourceInput;
}

/** Options of {@link extract}. */
export interface ExtractOptions<Out> {
  /** Videos to process: paths, URLs, bytes, streams, or `{ id, input }` to choose the id results carry. */
  sources: readonly (SourceInput | NamedSource)[];
  /** A {@link Model}, or a plain (async) function with `modelInput`. */
  model: Model<Out> | ModelFunction<Out>;
  /** The input a plain-function model needs. */
  modelInput?: ModelInput;
  /** Which frames of each source (default: every frame). */
  sampling?: SamplingOptions;
  /** Frames per model call. Default 32. */
  batchSize?: number;
  /** Sources decoded at the same time. Default 2. */
  concurrency?: number;
  /** Longest wait for a batch to fill once it has a frame, ms, applied while a live source is open. Default 500. */
  maxBatchDelayMs?: number;
  /** The seed's progress hook: `reset(total)` / `update(current)`. */
  progress?: ProgressHook;
  /** Richer events: per source opened/done/failed, per batch with counts, fps and ETA. */
  onEvent?: ExtractListener;
  /** Where results go, batch by batch. */
  sink?: Sink<Out> | readonly Sink<Out>[];
  /** Cancels the extraction; results written so far stay written. */
  signal?: AbortSignal;
  /** How to open each source (headers, timeouts, budgets, decoder). */
  open?: Omit<OpenVideoOptions, 'sampling' | 'output' | 'signal' | 'onWarning'>;
  /** Recoverable problems (decode errors, retries), with the source they came from. */
  onWarning?: (warning: VideoWarning & { source: string }) => void;
}

/** What happened to one source. */
export interface SourceSummary {
  id: string;
  status: 'done' | 'failed' | 'aborted';
  /** Frames delivered and processed. */
  frames: number;
  error: SerializedError | null;
}

/** The outcome of {@link extract}. */
export interface ExtractSummary {
  sources: SourceSummary[];
  framesProcessed: number;
  batches: number;
  seconds: number;
  framesPerSecond: number;
}

interface QueuedFrame {
  meta: SourcedFrameMeta;
  data: Uint8Array | Float32Array;
  key: string;
}

/**
 * Extracts model outputs for sampled frames of many sources.
 *
 * @example
 * ```ts
 * const summary = await extract({
 *   sources: ['a.mp4', 'https://host/b.mp4'],
 *   model: builtinModel('histogram'),
 *   sampling: { fps: 1 },
 *   sink: jsonlSink('features.jsonl'),
 *   progress: { reset: (t) => console.log('total', t), update: (c) => console.log(c) },
 * });
 * ```
 */
export async function extract<Out>(options: ExtractOptions<Out>): Promise<ExtractSummary> {
  const run = new Extraction(options);
  return run.run();
}

class Extraction<Out> {
  readonly #o: ExtractOptions<Out>;
  readonly #model: Model<Out>;
  readonly #sinks: readonly Sink<Out>[];
  readonly #sampling: SamplingOptions;
  readonly #batchSize: number;
  readonly #queue: FrameQueue<QueuedFrame>;
  readonly #progress = new Map<string, SourceProgress>();
  readonly #summaries: SourceSummary[] = [];
  readonly #abort = new AbortController();
  #processed = 0;
  #liveSources = 0;
  #batches = 0;
  #started = 0;

  constructor(o: ExtractOptions<Out>) {
    this.#o = o;
    if (!Array.isArray(o.sources) || o.sources.length === 0) throw invalid('sources', o.sources, 'pass at least one path, URL or { id, input }');
    this.#batchSize = positiveInt('batchSize', o.batchSize ?? 32, 65536);
    positiveInt('concurrency', o.concurrency ?? 2, 256);
    this.#sampling = validateSampling(o.sampling ?? {});
    this.#model = toModel(o.model, o.modelInput);
    this.#sinks = o.sink === undefined ? [] : Array.isArray(o.sink) ? (o.sink as Sink<Out>[]) : [o.sink as Sink<Out>];
    this.#queue = new FrameQueue(this.#batchSize * 2);
  }

  async run(): Promise<ExtractSummary> {
    this.#started = performance.now();
    const signal = this.#o.signal ? AbortSignal.any([this.#o.signal, this.#abort.signal]) : this.#abort.signal;
    const onAbort = () => this.#queue.fail(abortError(this.#o.signal));
    this.#o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.#o.signal?.aborted) throw abortError(this.#o.signal);
      await this.#model.init?.();
      for (const sink of this.#sinks) await sink.open?.();
      const producing = this.#produce(signal).finally(() => this.#queue.close());
      await Promise.all([producing, this.#consume()]);
      return this.#summary();
    } catch (err) {
      this.#abort.abort(err);
      this.#queue.fail(toFramepipeError(err));
      throw toFramepipeError(err);
    } finally {
      this.#o.signal?.removeEventListener('abort', onAbort);
      await this.#closeAll();
    }
  }

  async #produce(signal: AbortSignal): Promise<void> {
    const pending = this.#o.sources.map(named);
    const lanes = Array.from({ length: Math.min(this.#o.concurrency ?? 2, pending.length) }, async () => {
      for (let next = pending.shift(); next; next = pending.shift()) await this.#source(next, signal);
    });
    await Promise.all(lanes);
  }

  async #source(source: NamedSource, signal: AbortSignal): Promise<void> {
    const summary: SourceSummary = { id: source.id, status: 'done', frames: 0, error: null };
    this.#summaries.push(summary);
    try {
      const onWarning = (w: VideoWarning) => this.#o.onWarning?.({ ...w, source: source.id });
      await using video = await openVideo(source.input, { ...this.#o.open, sampling: this.#sampling, signal, onWarning });
      if (video.info.isLive) this.#liveSources++;
      const planned = plannedFrameCount(this.#sampling, video.info);
      const progress = { planned, sampled: 0, inferred: 0 };
      this.#progress.set(source.id, progress);
      this.#emit({ type: 'source-opened', source: source.id, info: video.info, planned });
      this.#resetTotal();
      const fingerprint = contentKey(source.id, video.info, this.#sampling, this.#model);
      const output = outputForModel(this.#model.input);
      for await (const frame of video.frames({ output })) {
        const { data, width: _w, height: _h, format: _f, layout: _l, dtype: _d, ...meta } = frame;
        progress.sampled++;
        summary.frames++;
        await this.#queue.push({ meta: { ...meta, source: source.id }, data, key: `${fingerprint}:${meta.index}` });
      }
      this.#emit({ type: 'source-done', source: source.id, delivered: summary.frames, manifest: video.manifest, stats: video.stats });
    } catch (err) {
      const error = toFramepipeError(err);
      if (signal.aborted) {
        summary.status = 'aborted';
        return;
      }
      summary.status = 'failed';
      summary.error = error.toJSON();
      this.#emit({ type: 'source-failed', source: source.id, error: summary.error });
    }
  }

  async #consume(): Promise<void> {
    for (;;) {
      // Files fill batches as fast as they decode; only live sources need a bound on how long a result waits.
      const delay = () => (this.#liveSources > 0 ? (this.#o.maxBatchDelayMs ?? 500) : null);
      const frames = await this.#queue.take(this.#batchSize, delay);
      if (frames.length === 0) return;
      const started = performance.now();
      const records = await this.#infer(frames);
      for (const sink of this.#sinks) await sink.write(records);
      this.#processed += frames.length;
      this.#batches++;
      for (const f of frames) {
        const p = this.#progress.get(f.meta.source);
        if (p) p.inferred++;
      }
      this.#o.progress?.update(this.#processed);
      this.#emitBatch(frames.length, performance.now() - started);
    }
  }

  async #infer(frames: QueuedFrame[]): Promise<ResultRecord<Out>[]> {
    const max = this.#model.maxBatchSize ?? frames.length;
    const records: ResultRecord<Out>[] = [];
    for (let from = 0; from < frames.length; from += max) {
      const part = frames.slice(from, from + max);
      const outputs = await this.#runModel(batchOf(part, this.#model.input));
      part.forEach((f, i) => {
        const { source, index, ptsSeconds, decodedAtMs } = f.meta;
        records.push({ key: f.key, source, index, ptsSeconds, decodedAtMs, model: this.#model.id, output: outputs[i] as Out });
      });
    }
    return records;
  }

  async #runModel(batch: ModelBatch): Promise<Out[]> {
    let outputs: Out[];
    try {
      outputs = await this.#model.run(batch, this.#abort.signal);
    } catch (err) {
      if (err instanceof FramepipeError) throw err;
      throw new FramepipeError('ERR_MODEL_RUN', `Model ${this.#model.id} failed on a batch of ${batch.frames.length}: ${(err as Error).message}`, { cause: err });
    }
    if (!Array.isArray(outputs) || outputs.length !== batch.frames.length) {
      throw new FramepipeError('ERR_MODEL_RUN', `Model ${this.#model.id} returned ${Array.isArray(outputs) ? outputs.length : typeof outputs} outputs for ${batch.frames.length} frames; it must return one per frame.`);
    }
    return outputs;
  }

  #resetTotal(): void {
    const total = this.#total();
    if (total !== null) this.#o.progress?.reset(total);
  }

  #total(): number | null {
    let total = 0;
    let known = false;
    for (const p of this.#progress.values()) {
      if (p.planned !== null) {
        total += p.planned;
        known = true;
      }
    }
    return known ? total : null;
  }

  #emitBatch(frames: number, modelMs: number): void {
    const seconds = (performance.now() - this.#started) / 1000;
    const fps = seconds > 0 ? this.#processed / seconds : 0;
    const total = this.#total();
    const eta = total !== null && fps > 0 ? Math.max(0, (total - this.#processed) / fps) : null;
    const sources = Object.fromEntries([...this.#progress].map(([k, v]) => [k, { ...v }]));
    this.#emit({ type: 'batch-done', frames, modelMs, processed: this.#processed, total, framesPerSecond: fps, etaSeconds: eta, sources });
  }

  #emit(event: Parameters<ExtractListener>[0]): void {
    this.#o.onEvent?.(event);
  }

  #summary(): ExtractSummary {
    const seconds = (performance.now() - this.#started) / 1000;
    const framesPerSecond = seconds > 0 ? this.#processed / seconds : 0;
    this.#emit({ type: 'finished', processed: this.#processed, seconds, framesPerSecond });
    return { sources: this.#summaries, framesProcessed: this.#processed, batches: this.#batches, seconds, framesPerSecond };
  }

  async #closeAll(): Promise<void> {
    const results = await Promise.allSettled([...this.#sinks.map((s) => s.close()), this.#model.dispose?.()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && failed.status === 'rejected') throw toFramepipeError(failed.reason, 'ERR_SINK_WRITE');
  }
}

function named(source: SourceInput | NamedSource): NamedSource {
  if (source && typeof source === 'object' && 'input' in source && 'id' in source) return source as NamedSource;
  const input = source as SourceInput;
  if (typeof input === 'string') return { id: input, input };
  if (input instanceof URL) return { id: input.href, input };
  return { id: `<${input instanceof Uint8Array || input instanceof ArrayBuffer ? 'bytes' : 'stream'}>`, input };
}

function toModel<Out>(model: Model<Out> | ModelFunction<Out>, input?: ModelInput): Model<Out> {
  if (typeof model === 'function') {
    if (!input) throw invalid('modelInput', input, 'a plain-function model needs modelInput: { width, height, … }');
    return defineModel(model, input);
  }
  if (!model || typeof model.run !== 'function' || !model.input) throw invalid('model', model, 'pass a Model ({ id, input, run }) or a function with modelInput');
  return model;
}

/** Copies queued frames (all the same size) into one contiguous batch. */
function batchOf(frames: QueuedFrame[], input: ModelInput): ModelBatch {
  const first = frames[0] as QueuedFrame;
  const size = first.data.length;
  const data = first.data instanceof Float32Array ? new Float32Array(size * frames.length) : new Uint8Array(size * frames.length);
  frames.forEach((f, i) => data.set(f.data, i * size));
  const channels = input.pixelFormat === 'gray' ? 1 : input.pixelFormat === 'rgba' ? 4 : 3;
  const layout = input.layout ?? 'chw';
  const n = frames.length;
  const shape: ModelBatch['shape'] = layout === 'chw' ? [n, channels, input.height, input.width] : [n, input.height, input.width, channels];
  return { frames: frames.map((f) => f.meta), shape, format: input.pixelFormat ?? 'rgb24', layout, dtype: input.dtype ?? 'float32', data };
}

/** Identifies (content, sampling, preprocessing, model): the same inputs give the same keys on a re-run. */
function contentKey(id: string, info: object, sampling: SamplingOptions, model: Model<unknown>): string {
  const material = JSON.stringify([id, info, sampling, model.input, model.id]);
  return createHash('sha256').update(material).digest('hex').slice(0, 20);
}

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw invalid(name, value, `use a whole number from 1 to ${max}`);
  return value;
}

function invalid(option: string, value: unknown, fix: string): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', `extract: ${option} is invalid (got ${String(value)}); ${fix}.`, { details: { option } });
}
