/**
 * `createPipeline`: several algorithms on one stream, offline or realtime, with results to callbacks and
 * sinks, a per-frame hook and an optional recording. See `docs/pipelines.md`.
 */
import { abortError, FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { Frame } from '../core/types.ts';
import type { AsyncRecorder } from '../decode/async-recorder.ts';
import { openVideo, type Video } from '../pipeline/video.ts';
import { planFilterGraph } from '../preprocess/filter-graph.ts';
import { LatencyHistogram, requiredBufferFrames } from '../schedule/index.ts';
import { prepareAlgorithms, type Runnable, toRegistration } from './algorithms.ts';
import { FrameStore, RunContext } from './context.ts';
import { runOffline } from './offline.ts';
import { validatePipelineOptions, type ValidOptions } from './options.ts';
import { runRealtime } from './realtime.ts';
import { ResultCollector } from './results.ts';
import { RunState } from './state.ts';
import type { PipelineEvent, PipelineOptions, PipelineReport, PipelineState, RecordingReport } from './types.ts';

/** How long a stopping realtime run waits for algorithms still running, ms. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * One run of several algorithms over one source. Create it with {@link createPipeline}, then `run()`;
 * `pause()`, `resume()` and `stop()` work in every state.
 */
export class Pipeline {
  readonly #options: ValidOptions;
  readonly #state: RunState;
  #running: Promise<PipelineReport> | null = null;
  #report: PipelineReport | null = null;
  #stopRequested = false;
  readonly #stop = new AbortController();

  /** @internal Use {@link createPipeline}. */
  constructor(options: ValidOptions) {
    this.#options = options;
    this.#state = new RunState((event) => this.#emit(event));
    options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /** The current state: created, running, paused, stopping, stopped or failed. */
  get state(): PipelineState {
    return this.#state.current;
  }

  /** The report of the finished run, or null while it has not ended. */
  get report(): PipelineReport | null {
    return this.#report;
  }

  /**
   * Opens the source, initialises the algorithms and plays until the media ends or `stop()` is called.
   * Resolves with the report; rejects with the error that failed the run (the report is then on `report`).
   *
   * @throws FramepipeError the source's, an algorithm's (`ERR_ALGORITHM`) or a sink's error; `ERR_ABORTED` when `signal` was aborted before the run.
   */
  async run(): Promise<PipelineReport> {
    if (this.#options.signal?.aborted && this.#state.current === 'created') {
      this.#stopRequested = true;
      this.#state.to('stopped');
      this.#report = this.#emptyReport();
      throw abortError(this.#options.signal);
    }
    if (this.#running !== null || this.#state.current !== 'created') {
      throw new FramepipeError('ERR_INVALID_OPTIONS', `run() can be called once, on a created pipeline; this one is ${this.#state.current}.`, {
        details: { option: 'run', state: this.#state.current },
      });
    }
    this.#running = this.#execute();
    const report = await this.#running;
    if (report.state === 'failed') throw report.error;
    return report;
  }

  /** Pauses playback (before `run()`: the run starts paused). Returns whether anything changed. */
  pause(): boolean {
    return this.#state.pause();
  }

  /** Resumes a paused run. Returns whether anything changed. */
  resume(): boolean {
    return this.#state.resume();
  }

  /**
   * Stops the run: playback ends at the next frame (or at once while waiting for a frame or a reconnect),
   * running algorithms are told through their signal, the recording is finalised and sinks are closed.
   * Resolves with the report once stopped; safe in every state and any number of times.
   */
  async stop(): Promise<PipelineReport> {
    this.#stopRequested = true;
    if (this.#state.current === 'created') {
      this.#state.to('stopped');
      this.#report = this.#emptyReport();
      return this.#report;
    }
    if (this.#state.current === 'running' || this.#state.current === 'paused') this.#state.to('stopping');
    this.#stop.abort();
    if (this.#running) return this.#running;
    return this.#report ?? this.#emptyReport();
  }

  async #execute(): Promise<PipelineReport> {
    const o = this.#options;
    const started = Date.now();
    this.#state.start();
    let video: Video | null = null;
    let recorder: AsyncRecorder | null = null;
    const algorithms: Runnable[] = [];
    let ctx: RunContext | null = null;
    let fired = new Map<string, number>();
    let recording: RecordingReport | undefined;
    const sinksOpened: { close(): Promise<void> }[] = [];
    let earlyError: FramepipeError | null = null;
    try {
      video = await openVideo(o.source, {
        ...o.open,
        signal: this.#stop.signal,
        onWarning: (w) => {
          o.open?.onWarning?.(w);
          this.#emit({ type: 'warning', code: w.code, message: w.message });
        },
      });
      const plan = planFilterGraph(video.info, { ...o.playback, pixelFormat: 'rgb24' });
      const playback = { width: plan.width, height: plan.height };
      const sourceId = o.sourceId ?? video.info.source;
      const prepared = prepareAlgorithms(o.algorithms, playback, sourceId);
      const bufferFrames = o.bufferFrames ?? Math.max(1, ...prepared.map((a) => requiredBufferFrames(a.registration)));
      for (const alg of prepared) {
        this.#checkStopped();
        algorithms.push(alg);
        await alg.init();
      }
      this.#checkStopped();
      if (!o.keepSinksOpen) for (const sink of o.sinks) {
        await sink.open?.();
        sinksOpened.push(sink);
      }
      if (o.record) {
        const fps = o.targetFps ?? video.info.fps ?? video.info.nominalFps ?? 30;
        const { openAsyncRecorder } = await import('../decode/async-recorder.ts');
        recorder = await openAsyncRecorder({
          path: o.record.path, width: playback.width, height: playback.height, fps,
          outputWidth: o.record.width, outputHeight: o.record.height, crf: o.record.crf, preset: o.record.preset,
          maxQueuedFrames: o.record.maxQueuedFrames,
        });
      }
      const fingerprint = JSON.stringify([video.info.durationSeconds, video.info.frameCount, o.startSeconds, o.targetFps, playback]);
      ctx = new RunContext({
        mode: o.mode, state: this.#state, algorithms: prepared,
        collector: new ResultCollector({ collect: o.collect, sinks: o.sinks, source: sourceId, fingerprint }),
        store: new FrameStore(bufferFrames), emit: (e) => this.#emit(e), hook: o.onFrame, recorder,
        reportErrors: o.onAlgorithmError === 'report',
      });
      const runCtx = ctx;
      this.#stop.signal.addEventListener('abort', () => runCtx.abort.abort(), { once: true });
      const frames = this.#frames(video, ctx);
      const loop = { bufferFrames, startSeconds: o.startSeconds, targetFps: o.targetFps };
      fired = o.mode === 'offline'
        ? await runOffline(ctx, frames, loop)
        : await runRealtime(ctx, frames, { ...loop, live: video.info.isLive, speed: o.speed, maxLatenessMs: o.maxLatenessMs, drainTimeoutMs: DRAIN_TIMEOUT_MS });
      if (ctx.failure) throw ctx.failure;
      await ctx.collector.drain();
    } catch (err) {
      if (!(this.#stopRequested && isStopError(err))) {
        if (ctx) ctx.fail(err);
        else earlyError = toFramepipeError(err);
      }
    } finally {
      this.#state.to('stopping');
      ctx?.abort.abort();
      if (recorder) recording = await closeRecorder(recorder, ctx);
    }
    return this.#finish(started, ctx, fired, recording, ctx?.failure ?? earlyError, algorithms, sinksOpened, video);
  }

  /** Throws the stop's abort error when stop() came during setup, so nothing more is started. */
  #checkStopped(): void {
    if (this.#stop.signal.aborted) throw abortError(this.#stop.signal);
  }

  /** Frames from the video, ending quietly when the run is stopped. */
  async *#frames(video: Video, ctx: RunContext): AsyncGenerator<Frame> {
    const o = this.#options;
    const sampling = o.startSeconds !== undefined || o.endSeconds !== undefined ? { startSeconds: o.startSeconds, endSeconds: o.endSeconds } : undefined;
    try {
      yield* video.frames({ sampling, output: { ...o.playback, pixelFormat: 'rgb24', layout: 'hwc', dtype: 'uint8' }, signal: ctx.abort.signal });
    } catch (err) {
      if (this.#stopRequested && isStopError(err)) return;
      throw err;
    }
  }

  async #finish(
    started: number, ctx: RunContext | null, fired: Map<string, number>, recording: RecordingReport | undefined,
    failure: FramepipeError | null, algorithms: readonly Runnable[], sinks: readonly { close(): Promise<void> }[], video: Video | null,
  ): Promise<PipelineReport> {
    const cleanup = await Promise.allSettled([
      ...algorithms.map((a) => a.dispose()),
      ...sinks.map((s) => s.close()),
      video?.close(),
    ]);
    const cleanupError = cleanup.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const error = failure ?? (cleanupError ? toFramepipeError(cleanupError.reason) : null);
    ctx?.store.clear();
    const base = ctx?.partialReport() ?? this.#emptyReport();
    const report: PipelineReport = {
      ...base,
      state: error ? 'failed' : 'stopped',
      reason: error ? 'error' : this.#stopRequested ? 'stopped' : 'ended',
      algorithms: ctx?.algorithmReports((name) => fired.get(name) ?? 0) ?? {},
      wallMs: Date.now() - started,
      ...(error ? { error } : {}),
      ...(recording ? { recording } : {}),
    };
    this.#report = report;
    this.#state.to(error ? 'failed' : 'stopped');
    return report;
  }

  #emptyReport(): PipelineReport {
    const latency = new LatencyHistogram().summary();
    return {
      mode: this.#options.mode, state: 'stopped', reason: 'stopped', framesDecoded: 0, framesPlayed: 0,
      framesSkipped: { targetFps: 0, beforeStart: 0, paused: 0, late: 0 }, framesLate: 0, algorithms: {}, latency, wallMs: 0, peakBufferedFrames: 0,
    };
  }

  #emit(event: PipelineEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A listener's failure must not break the run.
    }
  }
}

async function closeRecorder(recorder: AsyncRecorder, ctx: RunContext | null): Promise<RecordingReport | undefined> {
  try {
    const r = await recorder.close();
    return { path: r.path, width: r.width, height: r.height, framesWritten: r.framesWritten, framesDropped: r.framesDropped + r.framesRejected };
  } catch (err) {
    ctx?.fail(err);
    return undefined;
  }
}

/** The errors a stop produces on purpose: the run's own abort and a closed video. */
function isStopError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ERR_ABORTED' || code === 'ERR_CLOSED';
}

/**
 * Checks the options (registrations, buffer size, modes, numbers) and returns a pipeline in state
 * `created`. Nothing is opened until `run()`.
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` naming the option and the fix, e.g. a buffer too small for
 *   a registration's window (with the size needed).
 * @example
 * ```ts
 * const pipeline = createPipeline({
 *   source: 'clip.mp4',
 *   mode: 'offline',
 *   algorithms: [{ name: 'scene', algorithm: builtinModel('scene'), intervalSeconds: 0.5 }],
 *   collect: (position, algorithm, result) => console.log(position.ptsSeconds, algorithm, result),
 * });
 * const report = await pipeline.run();
 * ```
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const valid = validatePipelineOptions(options, toRegistration);
  return new Pipeline(valid);
}
