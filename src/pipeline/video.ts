/**
 * `openVideo`: the public entry point of the frame engine. Resolves the source, starts a decode worker,
 * and hands out frames and batches as async iterables with backpressure, cancellation and a manifest.
 */
import { Worker } from 'node:worker_threads';
import { abortError, FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { Batch, DecodeStats, Frame, FrameMeta, OutputOptions, SamplingManifest, SamplingOptions, VideoInfo } from '../core/types.ts';
import { resolveSource } from '../sources/index.ts';
import type { OpenableSource, SourceInput } from '../sources/types.ts';
import { normalizeOpenOptions, type OpenVideoOptions, type NormalizedOptions, type VideoWarning } from './options.ts';
import { RunChannel } from './run-channel.ts';
import type { OpenRequest, ToMain } from './worker-protocol.ts';

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './decode-worker.ts' : './decode-worker.js', import.meta.url);

/** Per-run overrides of the options given to {@link openVideo}. */
export interface RunOptions {
  sampling?: SamplingOptions;
  output?: OutputOptions;
  signal?: AbortSignal;
}

/**
 * An open video. Iterate {@link Video.frames} or {@link Video.batches}; each iteration is one run over the
 * sampling plan. Close it (or use `await using`) to release the decoder.
 *
 * @example
 * ```ts
 * await using video = await openVideo('clip.mp4', { sampling: { fps: 1 }, output: { width: 224, height: 224 } });
 * for await (const frame of video.frames()) console.log(frame.index, frame.ptsSeconds);
 * console.log(video.manifest);
 * ```
 */
export class Video implements AsyncDisposable {
  /** What is known about the video before decoding. */
  readonly info: VideoInfo;
  readonly #worker: Worker;
  readonly #source: OpenableSource;
  readonly #options: NormalizedOptions;
  #manifest: SamplingManifest | null = null;
  #stats: DecodeStats | null = null;
  #channel: RunChannel | null = null;
  #closed = false;

  /** @internal Use {@link openVideo}. */
  constructor(info: VideoInfo, worker: Worker, source: OpenableSource, options: NormalizedOptions) {
    this.info = info;
    this.#worker = worker;
    this.#source = source;
    this.#options = options;
  }

  /** The sampling manifest of the last finished run: requested vs delivered, and why anything was skipped. */
  get manifest(): SamplingManifest | null {
    return this.#manifest;
  }

  /** Work counters of the last finished run (packets read and decoded, seeks, bytes). */
  get stats(): DecodeStats | null {
    return this.#stats;
  }

  /** Delivers the sampled frames one by one. A `break` stops the decoder at once. */
  async *frames(options: RunOptions = {}): AsyncGenerator<Frame, void, undefined> {
    const output = this.#output(options);
    for await (const chunk of this.#run(options, 1)) {
      const meta = chunk.metas[0];
      if (!meta) continue;
      yield { ...meta, ...output, data: chunk.data };
    }
  }

  /** Delivers the sampled frames in contiguous batches of `size` (the last may be smaller, never empty). */
  async *batches(size: number, options: RunOptions = {}): AsyncGenerator<Batch, void, undefined> {
    if (!Number.isInteger(size) || size < 1 || size > 4096) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', `batches(size) needs an integer from 1 to 4096, got ${size}.`, { details: { option: 'size', value: size } });
    }
    const output = this.#output(options);
    const c = output.format === 'gray' ? 1 : output.format === 'rgba' ? 4 : 3;
    for await (const chunk of this.#run(options, size)) {
      const n = chunk.metas.length;
      const shape: Batch['shape'] = output.layout === 'chw' ? [n, c, output.height, output.width] : [n, output.height, output.width, c];
      yield { frames: chunk.metas, shape, format: output.format, layout: output.layout, dtype: output.dtype, data: chunk.data };
    }
  }

  /** Stops any run, ends the worker and releases the source. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Stop a run first, and release the source before waiting on the worker: closing the source ends any
    // read the decoder is blocked in, so the worker can notice the cancel at once.
    this.#channel?.fail(new FramepipeError('ERR_CLOSED', 'The video was closed during the run.'));
    const exited = new Promise((r) => this.#worker.once('exit', r));
    await this.#source.close();
    this.#worker.postMessage({ type: 'close' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.#worker.terminate();
  }

  #finishRun(channel: RunChannel): void {
    this.#manifest = withoutUnreceived(channel.manifest, channel.discarded);
    this.#stats = channel.stats && { ...channel.stats, bytesRead: this.#source.bytesRead() };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #output(options: RunOptions) {
    const out = { ...this.#options.output, ...options.output };
    const plan = this.#options.planOutput(this.info, out);
    return { width: plan.width, height: plan.height, format: plan.format, layout: plan.layout, dtype: out.dtype ?? 'uint8' };
  }

  async *#run(options: RunOptions, chunkFrames: number) {
    if (this.#closed) throw new FramepipeError('ERR_CLOSED', 'This video is closed; open it again.');
    if (this.#channel) throw new FramepipeError('ERR_INVALID_OPTIONS', 'A run is already in progress on this video; finish or break out of it first.');
    const sampling = options.sampling ? this.#options.validateSampling(options.sampling) : this.#options.sampling;
    const output = { ...this.#options.output, ...options.output };
    this.#options.planOutput(this.info, output);
    const signal = anySignal(this.#options.signal, options.signal);
    if (signal?.aborted) throw abortError(signal);
    const channel = new RunChannel(this.#worker, signal, this.#options.onWarning);
    this.#channel = channel;
    try {
      this.#worker.postMessage({ type: 'run', sampling, output, chunkFrames, budget: this.#options.budget, control: channel.control });
      yield* channel.chunks();
      this.#finishRun(channel);
      const failure = this.#source.failure();
      if (channel.error) throw failure ?? channel.error;
      // The source layer may have worked around a failure FFmpeg then skipped (e.g. a missing HLS segment).
      if (failure) this.#options.onWarning({ code: 'source-error', message: `Part of the input could not be read: ${failure.message}`, details: { code: failure.code, ...failure.details } });
    } finally {
      this.#channel = null;
      if (!channel.ended) {
        const stopped = await channel.cancel();
        this.#finishRun(channel);
        if (!stopped) await this.close();
      }
    }
  }
}

/** Frames the worker sent but the consumer never received are `aborted`, not delivered. */
function withoutUnreceived(manifest: SamplingManifest | null, unreceived: readonly FrameMeta[]): SamplingManifest | null {
  if (!manifest || unreceived.length === 0) return manifest;
  const lost = new Set(unreceived.map((m) => m.index));
  let targets = 0;
  const entries = manifest.entries.map((e) => {
    if (e.status !== 'delivered' || e.frameIndex === undefined || !lost.has(e.frameIndex)) return e;
    targets++;
    return { ...e, status: 'aborted' as const, detail: 'sent but not consumed before the run stopped' };
  });
  const skipped = { ...manifest.skipped, aborted: (manifest.skipped.aborted ?? 0) + (targets || lost.size) };
  return { ...manifest, entries, skipped, delivered: Math.max(0, manifest.delivered - lost.size) };
}

function anySignal(a?: AbortSignal, b?: AbortSignal): AbortSignal | undefined {
  if (a && b) return AbortSignal.any([a, b]);
  return a ?? b;
}

/**
 * Opens a video from a path, URL (`file:`, `http(s):`, `data:`, HLS, `rtsp:`, `rtmp:`, `srt:`, `udp:`,
 * `tcp:`), device, bytes or a Node readable stream, and reads what is known about it.
 *
 * @example
 * ```ts
 * const video = await openVideo('https://example.com/clip.mp4', { sampling: { count: 16 }, output: { width: 224, height: 224, fit: 'cover' } });
 * for await (const batch of video.batches(8)) console.log(batch.shape);
 * await video.close();
 * ```
 */
export async function openVideo(input: SourceInput, options: OpenVideoOptions = {}): Promise<Video> {
  const normalized = normalizeOpenOptions(options);
  if (normalized.signal?.aborted) throw abortError(normalized.signal);
  const source = await resolveSource(input, { ...normalized.source, signal: normalized.signal });
  let worker: Worker | null = null;
  try {
    worker = new Worker(WORKER_URL);
    const request: OpenRequest = {
      type: 'open',
      spec: { url: source.url, format: source.format, ffmpegOptions: source.ffmpegOptions, displayName: source.displayName, isLive: source.isLive },
      decoder: normalized.decoder,
      budget: normalized.budget,
      reconnect: source.reconnect,
    };
    const info = await openInWorker(worker, request, normalized.signal);
    return new Video(info, worker, source, normalized);
  } catch (err) {
    await worker?.terminate();
    const failure = source.failure();
    await source.close();
    throw failure ?? explainOpenError(toFramepipeError(err), source);
  }
}

/** FFmpeg calls an MP4 without its moov box "invalid data"; when the first bytes were MP4, say what is wrong. */
function explainOpenError(err: FramepipeError, source: OpenableSource): FramepipeError {
  if (err.code !== 'ERR_NOT_A_VIDEO' || source.container !== 'mp4') return err;
  return new FramepipeError('ERR_NO_INDEX', `${source.displayName} starts like an MP4 file but its index (moov box) is missing or damaged: the file was probably cut before it was finalised. Re-download it, or repair it with a tool such as untrunc.`, {
    cause: err,
    details: { ...err.details, source: source.displayName },
  });
}

function openInWorker(worker: Worker, request: OpenRequest, signal?: AbortSignal): Promise<VideoInfo> {
  return new Promise((resolve, reject) => {
    const onAbort = () => finish(abortError(signal));
    const onError = (err: Error) => finish(toFramepipeError(err));
    const onMessage = (message: ToMain) => {
      if (message.type === 'opened') finish(null, message.info);
      else if (message.type === 'error') finish(FramepipeError.fromJSON(message.error));
    };
    const finish = (err: FramepipeError | null, info?: VideoInfo) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(info as VideoInfo);
    };
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    worker.on('message', onMessage);
    worker.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.postMessage(request);
  });
}

export type { OpenVideoOptions, VideoWarning };
