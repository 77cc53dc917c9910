/**
 * The contract of a pipeline run: one source played offline or in realtime, several algorithms each with
 * its own window and cadence, results collected into callbacks and sinks, a per-frame hook and an optional
 * recording. `docs/pipelines.md` describes the semantics; `src/schedule` decides which window runs when.
 */
import type { Frame } from '../core/types.ts';
import type { Model } from '../models/types.ts';
import type { OpenVideoOptions } from '../pipeline/options.ts';
import type { DropCause, LatencySummary } from '../schedule/index.ts';
import type { Sink } from '../sinks/types.ts';
import type { SourceInput } from '../sources/types.ts';

/** Offline: every frame, in order, as fast as the machine allows. Realtime: playback never waits for inference. */
export type PipelineMode = 'offline' | 'realtime';

/** The life cycle of a run; see `docs/pipelines.md` for every transition. */
export type PipelineState = 'created' | 'running' | 'paused' | 'stopping' | 'stopped' | 'failed';

/** What an algorithm's `run` is told besides its frames. */
export interface AlgorithmContext {
  /** The registration's name. */
  name: string;
  /** Where the window ends (its newest frame) and which due time it serves. */
  position: Position;
  /** Aborted when the run stops; long algorithms should give up early. */
  signal: AbortSignal;
}

/**
 * A plain algorithm: `init` once, then `run` with a window of frames (oldest first, packed RGB at the
 * playback size), returning any result. Stream-infer's `BaseAlgo`, with a context and an abort signal.
 *
 * @example
 * ```ts
 * const brightness: Algorithm<number> = {
 *   run: (frames) => frames[0]!.data.reduce((a, b) => a + b, 0) / frames[0]!.data.length,
 * };
 * ```
 */
export interface Algorithm<Out = unknown> {
  /** Loads weights or state. Called once before the first `run`. */
  init?(): Promise<void> | void;
  /** Computes a result from `frames` (length = the registration's `frameCount`). */
  run(frames: readonly Frame[], context: AlgorithmContext): Promise<Out> | Out;
  /** Releases resources. Called once when the run ends. */
  dispose?(): Promise<void> | void;
}

/** One algorithm on the stream, with its window and cadence. */
export interface AlgorithmRegistration {
  /** Unique name; results, latest values and drop counts are reported under it. */
  name: string;
  /**
   * A framepipe {@link Model} (frames are converted to its declared input and the result is its output
   * per frame: the single output when `frameCount` is 1, else the array) or a plain {@link Algorithm}.
   */
  algorithm: Model | Algorithm;
  /** Frames per call (integer ≥ 1). Default 1. */
  frameCount?: number;
  /** Distance between the frames of one call, in buffered frames (integer ≥ 1). Default 1. */
  frameStep?: number;
  /** Media time between calls, in seconds (fractional allowed). */
  intervalSeconds: number;
}

/** Where a result was computed: the window's newest frame and the due time it serves. */
export interface Position {
  /** Frame index in the decoded stream (display order). */
  index: number;
  /** Media time of that frame, seconds. */
  ptsSeconds: number;
  /** Wall-clock time the frame was played (realtime) or decoded (offline), ms since the epoch. */
  wallclockMs: number;
  /** The due time on the media timeline this call serves, seconds. */
  dueSeconds: number;
  /** Indices of the window's frames, oldest first. */
  frames: readonly number[];
}

/** Called with every result, in completion order. May be async; the run waits for it (offline) or counts it as part of the algorithm's time (realtime). */
export type CollectFunction = (position: Position, algorithm: string, result: unknown) => void | Promise<void>;

/** The most recent result of one algorithm, as the per-frame hook sees it. */
export interface LatestResult {
  result: unknown;
  position: Position;
  /** Wall-clock time the result arrived, ms since the epoch. */
  receivedAtMs: number;
}

/** What the per-frame hook receives besides the frame. */
export interface HookContext {
  /** The latest result of each algorithm that has produced one, by name. */
  latest: ReadonlyMap<string, LatestResult>;
  /** The run's mode. */
  mode: PipelineMode;
}

/**
 * Called once per played frame, after the algorithms due at it were dispatched (offline: after they
 * finished). `frame.data` is the hook's own copy: draw on it (see the overlay helpers) and the recording
 * shows the drawing; the algorithms never see it.
 */
export type FrameHook = (frame: Frame, context: HookContext) => void | Promise<void>;

/** Recording of the played frames, after the hook, to H.264 MP4. */
export interface RecordOptions {
  /** Output path (`.mp4`). */
  path: string;
  /** Encoded width. Default: the playback width. */
  width?: number;
  /** Encoded height. Default: the playback height. */
  height?: number;
  /** x264 constant rate factor 0–51. Default 23. */
  crf?: number;
  /** x264 preset. Default `veryfast`. */
  preset?: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium' | 'slow' | 'slower' | 'veryslow';
  /** Realtime only: frames waiting for the encoder before new ones are dropped (and counted). Default 30. */
  maxQueuedFrames?: number;
}

/** Size of the played frames (packed RGB, uint8, HWC). */
export interface PlaybackSize {
  /** Width in pixels. Default: the displayed width (or derived from `height`, keeping the aspect ratio). */
  width?: number;
  /** Height in pixels. Default: the displayed height (or derived from `width`). */
  height?: number;
}

/** Options of {@link createPipeline}. */
export interface PipelineOptions {
  /** A path, URL, live URL, bytes or stream: anything `openVideo` opens. */
  source: SourceInput;
  /** Options passed to `openVideo` (source retries and reconnects, decode, budget). Sampling and output are the pipeline's. */
  open?: Pick<OpenVideoOptions, 'source' | 'decode' | 'budget' | 'onWarning'>;
  /** Default `offline`. */
  mode?: PipelineMode;
  /** The algorithms, in the order calls due at one frame are made. At least one, unless a hook is given. */
  algorithms?: readonly AlgorithmRegistration[];
  /** Start position on the media timeline, seconds (fractional allowed). The decoder seeks there. */
  startSeconds?: number;
  /** Stop at this media time (exclusive), seconds. Default: the end of the source. */
  endSeconds?: number;
  /** Play at this frame rate, skipping frames in between (like `sampling.fps`). Default: every frame. */
  targetFps?: number;
  /** Realtime playback speed for files (1 = their own pace). Live sources always play as they arrive. Default 1. */
  speed?: number;
  /**
   * Realtime: a frame that would be played more than this many ms after it was due (a file: its paced play
   * time; live: when it was decoded) is dropped instead, counted in `framesSkipped.late`, so a run that falls
   * behind catches up with the clock or the live edge instead of lagging further. Default: no limit (late
   * frames are played and counted in `framesLate`).
   */
  maxLatenessMs?: number;
  /** Frames in the bounded frame buffer. Default: the largest window a registration needs. */
  bufferFrames?: number;
  /** Size of the played frames. Default: the source's displayed size. */
  playback?: PlaybackSize;
  /** Receives every result. */
  collect?: CollectFunction;
  /** Sinks receiving every result as a `ResultRecord` (model = the algorithm's name). */
  sinks?: readonly Sink[];
  /**
   * The caller opens and closes the sinks (several pipelines sharing them). Default false: the run calls
   * each sink's `open()` before the first frame and `close()` at the end.
   */
  keepSinksOpen?: boolean;
  /** Per-frame hook; see {@link FrameHook}. */
  onFrame?: FrameHook;
  /** Record the played frames (after the hook) to MP4. */
  record?: RecordOptions;
  /**
   * What an algorithm that throws does: `fail` ends the run in state `failed` (default); `report` counts
   * the error, emits an `algorithm-error` event and goes on.
   */
  onAlgorithmError?: 'fail' | 'report';
  /** Source id used in records and events. Default: the source's display name. */
  sourceId?: string;
  /** Receives state changes, drops, errors and warnings as they happen. */
  onEvent?: (event: PipelineEvent) => void;
  /** Stops the run like `stop()`. */
  signal?: AbortSignal;
}

/** Something that happened during a run. */
export type PipelineEvent =
  | { type: 'state'; state: PipelineState; previous: PipelineState }
  | { type: 'frame'; index: number; ptsSeconds: number }
  | { type: 'result'; algorithm: string; position: Position; latencyMs: number }
  | { type: 'drop'; algorithm: string; cause: DropCause; count: number; dueSeconds: number | null }
  | { type: 'algorithm-error'; algorithm: string; position: Position; error: Error }
  | { type: 'warning'; code: string; message: string };

/** Counters of one algorithm. */
export interface AlgorithmReport {
  /** Calls started. */
  fired: number;
  /** Calls that returned a result. */
  completed: number;
  /** Calls that threw (with `onAlgorithmError: 'report'`). */
  errors: number;
  /** Drops by cause (firings; frames for `buffer-overflow`). */
  dropped: Record<DropCause, number>;
  /** Frame-to-result latency in ms (realtime: from the newest frame's arrival; offline: run time). */
  latency: LatencySummary;
}

/** What a finished run did. */
export interface PipelineReport {
  mode: PipelineMode;
  /** How the run ended. */
  state: 'stopped' | 'failed';
  /** Why it ended: the media ended, `stop()` was called, or an error. */
  reason: 'ended' | 'stopped' | 'error';
  /** The error, when `state` is `failed`. */
  error?: Error;
  /** Frames received from the decoder. */
  framesDecoded: number;
  /** Frames played (offered to the schedule, the hook and the recording). */
  framesPlayed: number;
  /** Frames not played: skipped by `targetFps`, before the start, discarded while paused (live), or later than `maxLatenessMs`. */
  framesSkipped: { targetFps: number; beforeStart: number; paused: number; late: number };
  /** Realtime files: frames played more than one frame interval after their due wall time. */
  framesLate: number;
  /** Per algorithm, in registration order. */
  algorithms: Record<string, AlgorithmReport>;
  /** Frame-to-result latency over all algorithms, ms. */
  latency: LatencySummary;
  /** The recording, when one was made. */
  recording?: RecordingReport;
  /** Wall time of the run, ms. */
  wallMs: number;
  /** Largest frame buffer occupancy seen (frames). */
  peakBufferedFrames: number;
}

/** What the recorder wrote. */
export interface RecordingReport {
  path: string;
  width: number;
  height: number;
  framesWritten: number;
  /** Frames not written: the encoder queue was full (realtime) or timestamps did not increase. */
  framesDropped: number;
}


