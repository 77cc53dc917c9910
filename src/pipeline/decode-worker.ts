/**
 * The decode worker thread: owns the FFmpeg handles of one video and runs the synchronous decode loop, so
 * decoding never blocks the caller's event loop. Frames travel to the caller as transferred buffers; the
 * caller grants credits through a shared counter, so at most `credits` chunks are ever in flight.
 */
import { parentPort } from 'node:worker_threads';
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { FrameMeta } from '../core/types.ts';
import { FrameConverter, VideoDecoder } from '../decode/decoder.ts';
import { closeInput, type OpenedInput, openInput, rewind, setFfmpegLogLevel } from '../decode/input.ts';
import { PacketReader } from '../decode/packets.ts';
import { planFilterGraph } from '../preprocess/filter-graph.ts';
import { createTensorWriter, type TensorWriter } from '../preprocess/tensor.ts';
import { createSelector } from '../sampling/selector.ts';
import { type LoopHost, type LoopResult, runGopLoop } from './decode-loop.ts';
import { runLiveLoop } from './live-loop.ts';
import { CONTROL, type ToMain, type ToWorker, type RunRequest, type OpenRequest } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('decode-worker must run as a worker thread');
setFfmpegLogLevel('quiet');

let opened: OpenedInput | null = null;
let openRequest: OpenRequest | null = null;

function post(message: ToMain, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function warn(code: string, message: string, details?: Record<string, unknown>): void {
  post({ type: 'warning', code, message, details: details ?? {} });
}

let running: Promise<void> | null = null;

port.on('message', async (message: ToWorker) => {
  try {
    if (message.type === 'open') handleOpen(message);
    else if (message.type === 'run') {
      running = handleRun(message);
      await running;
    } else if (message.type === 'close') {
      // A run yields to the event loop between GOPs, so a close can arrive mid-run: let it finish first
      // (the caller has already set the cancel flag).
      await running?.catch(() => {});
      if (opened) closeInput(opened.formatContext);
      opened = null;
      port.close();
    }
  } catch (err) {
    post({ type: 'error', error: toFramepipeError(err).toJSON() });
  } finally {
    if (message.type === 'run') running = null;
  }
});

function handleOpen(request: OpenRequest): void {
  openRequest = request;
  opened = openInput(request.spec);
  checkOpenBudget(opened, request);
  // Reading the first GOP costs a rewind: cheap for MP4 (index seek) and local files (reopen), not for
  // HLS or HTTP streams, which would be fetched twice — those report the interval as unknown.
  if (opened.info.seekable && (opened.info.container.startsWith('mov,') || request.spec.url.startsWith('/'))) {
    opened.info.keyframeIntervalEstimate = estimateKeyframeInterval(opened);
    opened = rewind(opened, request.spec);
  }
  post({ type: 'opened', info: opened.info });
}

function checkOpenBudget(input: OpenedInput, request: OpenRequest): void {
  const { maxPixelsPerFrame, maxDurationSeconds } = request.budget;
  const pixels = input.info.codedWidth * input.info.codedHeight;
  if (maxPixelsPerFrame !== null && pixels > maxPixelsPerFrame) {
    throw new FramepipeError('ERR_BUDGET_EXCEEDED', `${input.info.source} is ${input.info.codedWidth}x${input.info.codedHeight} (${pixels} pixels per frame), above budget.maxPixelsPerFrame=${maxPixelsPerFrame}; raise the limit if this is expected.`, {
      details: { limit: 'maxPixelsPerFrame', value: pixels, max: maxPixelsPerFrame },
    });
  }
  const duration = input.info.durationSeconds;
  if (maxDurationSeconds !== null && duration !== null && duration > maxDurationSeconds) {
    throw new FramepipeError('ERR_BUDGET_EXCEEDED', `${input.info.source} lasts ${duration.toFixed(3)}s, above budget.maxDurationSeconds=${maxDurationSeconds}; raise the limit or use sampling.endSeconds.`, {
      details: { limit: 'maxDurationSeconds', value: duration, max: maxDurationSeconds },
    });
  }
}

/** Reads up to two keyframes from the start to estimate the GOP length, then rewinds. Seekable inputs only. */
function estimateKeyframeInterval(input: OpenedInput): number | null {
  if (!input.info.seekable) return null;
  const reader = new PacketReader(input);
  try {
    const first = reader.readGop();
    if (!first) return null;
    const interval = first.nextPts === null ? null : first.packets.length;
    reader.release(first);
    return interval;
  } finally {
    reader.close();
  }
}

async function handleRun(request: RunRequest): Promise<void> {
  const control = new Int32Array(request.control);
  if (!opened || !openRequest) throw new FramepipeError('ERR_CLOSED', 'The video is not open.');
  const input = opened;
  const plan = planFilterGraph(input.info, request.output);
  const writer = createTensorWriter(plan, request.output);
  const selector = createSelector(request.sampling, {
    startSeconds: input.info.startSeconds,
    durationSeconds: input.info.durationSeconds,
    frameCount: input.info.frameCount,
    fps: input.info.fps,
    constantFrameRate: input.info.constantFrameRate,
    isLive: input.info.isLive,
  });
  const chunker = new Chunker(writer, request.chunkFrames, control, plan);
  const host: LoopHost = {
    deliver: (meta, pixels, lost) => chunker.add(meta, pixels, lost),
    abandon: () => chunker.abandon(),
    cancelled: () => Atomics.load(control, CONTROL.CANCEL) !== 0,
    warn,
    breathe: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
  const decoder = new VideoDecoder(input, { ...openRequest.decoder, onWarning: warn });
  const converter = new FrameConverter(plan.description, input);
  const reader = new PacketReader(input);
  let result: LoopResult;
  try {
    const parts = { input, reader, decoder, converter, selector, budget: request.budget };
    const liveHost = {
      ...host,
      sleep: (ms: number) => void Atomics.wait(control, CONTROL.CANCEL, 0, ms),
      replaced: (next: OpenedInput) => {
        opened = next;
      },
    };
    result = input.info.isLive ? await runLiveLoop(parts, liveHost, openRequest) : await runGopLoop(parts, host);
    if (!result.error || result.error.code !== 'ERR_ABORTED') chunker.flush(host);
  } finally {
    reader.close();
    converter.close();
    decoder.close();
  }
  post({ type: 'end', manifest: result.manifest, stats: result.stats, error: result.error?.toJSON() ?? null });
  if (input.info.seekable) opened = rewind(input, openRequest.spec);
}


/** Packs delivered frames into chunks of `size` frames and posts each when the consumer has credit. */
class Chunker {
  readonly #writer: TensorWriter;
  readonly #size: number;
  readonly #control: Int32Array;
  readonly #plan: { width: number; height: number; channels: number };
  #metas: FrameMeta[] = [];
  /** For frames added but not yet posted: how to tell the plan they never reached the consumer. */
  #lost: (() => void)[] = [];
  #data: Uint8Array | Float32Array | null = null;

  constructor(writer: TensorWriter, size: number, control: Int32Array, plan: { width: number; height: number; channels: number }) {
    this.#writer = writer;
    this.#size = size;
    this.#control = control;
    this.#plan = plan;
  }

  add(meta: FrameMeta, pixels: Uint8Array, lost: () => void): void {
    if (pixels.length !== this.#writer.frameElements) {
      throw new FramepipeError('ERR_INTERNAL', `Filter output has ${pixels.length} bytes, expected ${this.#writer.frameElements} for ${this.#plan.width}x${this.#plan.height}x${this.#plan.channels}.`);
    }
    if (!this.#data) {
      const n = this.#size * this.#writer.frameElements;
      this.#data = this.#writer.dtype === 'float32' ? new Float32Array(n) : new Uint8Array(n);
    }
    this.#writer.write(pixels, this.#data, this.#metas.length * this.#writer.frameElements);
    this.#metas.push(meta);
    this.#lost.push(lost);
    if (this.#metas.length === this.#size) this.#post();
  }

  /** The run stopped: frames still here never reach the consumer. */
  abandon(): void {
    for (const lost of this.#lost.splice(0)) lost();
    this.#metas = [];
    this.#data = null;
  }

  flush(host: LoopHost): void {
    if (this.#metas.length > 0 && !host.cancelled()) this.#post();
  }

  #post(): void {
    this.#waitForCredit();
    const data = this.#data as Uint8Array | Float32Array;
    const used = data.subarray(0, this.#metas.length * this.#writer.frameElements);
    const buffer = used.length === data.length ? data.buffer : used.slice().buffer;
    post({ type: 'chunk', metas: this.#metas, data: buffer as ArrayBuffer, dtype: this.#writer.dtype }, [buffer as ArrayBuffer]);
    this.#metas = [];
    this.#lost = [];
    this.#data = null;
  }

  #waitForCredit(): void {
    for (;;) {
      if (Atomics.load(this.#control, CONTROL.CANCEL) !== 0) throw new FramepipeError('ERR_ABORTED', 'The run was cancelled.');
      const credits = Atomics.load(this.#control, CONTROL.CREDITS);
      if (credits > 0) {
        Atomics.sub(this.#control, CONTROL.CREDITS, 1);
        return;
      }
      Atomics.wait(this.#control, CONTROL.CREDITS, credits, 250);
    }
  }
}
