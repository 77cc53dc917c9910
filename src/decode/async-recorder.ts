/**
 * Recording in a worker thread: the same H.264 MP4 {@link Recorder}, fed through a bounded queue so that
 * encoding never blocks the caller's event loop. Offline callers `await write()` (it waits while the queue is
 * full); realtime callers `offer()` (it never waits, and counts the frames it turns away). See
 * `docs/recording.md`.
 */
import { isMarkedAsUntransferable, Worker } from 'node:worker_threads';
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { RecorderFrame, RecorderOptions } from './recorder.ts';
import { type FromRecorderWorker, RECORDER_CONTROL, type ToRecorderWorker } from './recorder-protocol.ts';

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './recorder-worker.ts' : './recorder-worker.js', import.meta.url);
/** How long an aborted worker gets to finish the file before it is terminated. */
const ABORT_GRACE_MS = 2000;
const CHANNELS = { rgb24: 3, bgr24: 3, rgba: 4 } as const;

/** Options for {@link openAsyncRecorder}: the {@link RecorderOptions} plus the queue bound. */
export interface AsyncRecorderOptions extends RecorderOptions {
  /**
   * Most frames in flight to the worker (posted, not yet encoded). `write` waits and `offer` refuses while
   * this many are queued. Each frame holds `width*height*channels` bytes. Default 30.
   */
  maxQueuedFrames?: number;
}

/** What {@link AsyncRecorder.close} reports about the finished recording. */
export interface AsyncRecorderSummary {
  /** The recording's path, as given. */
  path: string;
  /** Encoded width in pixels (even). */
  width: number;
  /** Encoded height in pixels (even). */
  height: number;
  /** Frames the recorder accepted. */
  framesWritten: number;
  /** Frames the recorder dropped because their timestamp was not after the previous frame's. */
  framesDropped: number;
  /** Frames {@link AsyncRecorder.offer} refused because the queue was full. */
  framesRejected: number;
}

interface Waiting {
  buffer: ArrayBuffer;
  ptsSeconds: number | undefined;
  resolve: () => void;
  reject: (err: FramepipeError) => void;
}

/**
 * A recording whose encoder runs in a worker thread. Open one with {@link openAsyncRecorder}.
 *
 * States: open → (close) draining → closed, or open/draining → (abort) closed. A failure in the worker
 * (e.g. a full disk) ends the recording: the next `write`, `offer` or `close` reports it.
 */
export class AsyncRecorder implements AsyncDisposable {
  /** The recording's path, as given. */
  readonly path: string;
  /** Encoded size (input size or the chosen output size, rounded up to even). */
  readonly outputSize: { width: number; height: number };
  readonly #worker: Worker;
  readonly #control: Int32Array;
  readonly #frameBytes: number;
  readonly #maxQueued: number;
  readonly #waiting: Waiting[] = [];
  #inFlight = 0;
  #written = 0;
  #dropped = 0;
  #rejected = 0;
  #failure: FramepipeError | null = null;
  #accepting = true;
  #end: Promise<AsyncRecorderSummary> | null = null;
  /** Set while close/abort waits for the worker's `closed`. */
  #onClosed: (() => void) | null = null;
  /** Set while close waits for writes still waiting for room. */
  #onDrained: (() => void) | null = null;
  #closedReceived = false;
  #exited = false;

  /** @internal Use {@link openAsyncRecorder}. */
  constructor(worker: Worker, control: Int32Array, options: AsyncRecorderOptions, outputSize: { width: number; height: number }, maxQueued: number) {
    this.path = options.path;
    this.outputSize = outputSize;
    this.#worker = worker;
    this.#control = control;
    this.#frameBytes = options.width * options.height * CHANNELS[options.pixelFormat ?? 'rgb24'];
    this.#maxQueued = maxQueued;
    worker.on('message', (message: FromRecorderWorker) => this.#onMessage(message));
    worker.on('error', (err) => this.#fail(toFramepipeError(err)));
    worker.on('exit', (code) => {
      this.#exited = true;
      if (!this.#closedReceived) this.#fail(new FramepipeError('ERR_INTERNAL', `The recorder worker for ${this.path} stopped (exit code ${code}) before finishing the file.`));
    });
  }

  /** Frames accepted by the recorder so far (updated as the worker encodes). */
  get framesWritten(): number {
    return this.#written;
  }

  /** Frames the recorder dropped so far for a non-increasing timestamp. */
  get framesDropped(): number {
    return this.#dropped;
  }

  /** Frames {@link AsyncRecorder.offer} refused so far because the queue was full. */
  get framesRejected(): number {
    return this.#rejected;
  }

  /** Frames handed over and not yet encoded, plus frames whose `write` is still waiting for room. */
  get framesQueued(): number {
    return this.#inFlight + this.#waiting.length;
  }

  /**
   * Queues one frame and resolves once it is in the queue (at once while there is room). The caller gives up
   * `frame.data` at the call: its buffer is transferred to the worker (detached here) unless it is a view on
   * a larger, shared or untransferable buffer, which is copied instead. Rejects with the worker's error once
   * the recording has failed, ERR_CLOSED after close/abort, ERR_INVALID_OPTIONS for a frame of the wrong size.
   * Await each write: a caller that does not keeps its frames waiting here.
   *
   * @example
   * ```ts
   * for await (const frame of video.frames()) await recorder.write(frame);
   * ```
   */
  async write(frame: RecorderFrame): Promise<void> {
    this.#checkOpen();
    this.#checkFrame(frame);
    const buffer = this.#take(frame);
    if (this.#hasRoom()) {
      this.#post(buffer, frame.ptsSeconds);
      return;
    }
    await new Promise<void>((resolve, reject) => this.#waiting.push({ buffer, ptsSeconds: frame.ptsSeconds, resolve, reject }));
  }

  /**
   * Queues one frame if there is room and returns true; otherwise returns false at once, counts the frame in
   * {@link AsyncRecorder.framesRejected}, and leaves `frame.data` to the caller. Taken frames are handed
   * over as with {@link AsyncRecorder.write}. Throws the worker's error once the recording has failed.
   *
   * @example
   * ```ts
   * if (!recorder.offer(frame)) console.warn('recording behind; frame', frame.index, 'not recorded');
   * ```
   */
  offer(frame: RecorderFrame): boolean {
    this.#checkOpen();
    this.#checkFrame(frame);
    if (!this.#hasRoom()) {
      this.#rejected++;
      return false;
    }
    this.#post(this.#take(frame), frame.ptsSeconds);
    return true;
  }

  /**
   * Waits for queued frames to be encoded, finalises the MP4 and ends the worker. Idempotent: every call gets
   * the same result. Rejects with the worker's error if the recording failed.
   *
   * @example
   * ```ts
   * const { framesWritten, framesRejected } = await recorder.close();
   * ```
   */
  close(): Promise<AsyncRecorderSummary> {
    this.#accepting = false;
    this.#end ??= this.#shutdown(false);
    return this.#end;
  }

  /**
   * Stops now: frames still queued are discarded (waiting writes reject with ERR_ABORTED), the frames already
   * encoded are finalised into a playable file when the worker manages it within 2 s, and the worker ends.
   * Never rejects; idempotent. A later {@link AsyncRecorder.close} reports what was kept.
   *
   * @example
   * ```ts
   * signal.addEventListener('abort', () => void recorder.abort());
   * ```
   */
  async abort(): Promise<void> {
    this.#accepting = false;
    Atomics.store(this.#control, RECORDER_CONTROL.ABORT, 1);
    this.#rejectWaiting(new FramepipeError('ERR_ABORTED', `The recording ${this.path} was aborted before this frame was queued.`));
    this.#end ??= this.#shutdown(true);
    await this.#end.catch(() => {});
  }

  /** Closes the recording (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(): void {
    if (this.#failure) throw this.#failure;
    if (!this.#accepting) throw new FramepipeError('ERR_CLOSED', `The recording ${this.path} is closed; open a new recorder to record again.`);
  }

  #checkFrame(frame: RecorderFrame): void {
    const data = frame?.data;
    if (!(data instanceof Uint8Array) || data.length !== this.#frameBytes) {
      const got = data instanceof Uint8Array ? `${data.length} bytes` : `a ${(data as object | undefined)?.constructor?.name ?? typeof data}`;
      throw new FramepipeError('ERR_INVALID_OPTIONS', `A recorded frame must be ${this.#frameBytes} uint8 bytes (the recorder's width x height x channels), got ${got}; record uint8 hwc frames at the recorder's size.`, {
        details: { expectedBytes: this.#frameBytes, got: data instanceof Uint8Array ? data.length : null },
      });
    }
    if (frame.ptsSeconds !== undefined && !Number.isFinite(frame.ptsSeconds)) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', `A recorded frame's ptsSeconds must be a finite media time in seconds, got ${frame.ptsSeconds}.`, { details: { option: 'ptsSeconds', value: frame.ptsSeconds } });
    }
  }

  /** A buffer this recorder owns holding the (checked) frame's pixels: the frame's own, or a copy. */
  #take(frame: RecorderFrame): ArrayBuffer {
    const data = frame.data as Uint8Array;
    const buffer = data.buffer;
    const whole = data.byteOffset === 0 && data.byteLength === buffer.byteLength;
    // Moving the buffer now (no copy) detaches the caller's view at the call, even when the frame then
    // waits for room, so a caller reusing it fails loudly instead of changing a queued frame.
    if (buffer instanceof ArrayBuffer && whole && !isMarkedAsUntransferable(buffer)) return structuredClone(buffer, { transfer: [buffer] });
    return data.slice().buffer;
  }

  #hasRoom(): boolean {
    return this.#inFlight < this.#maxQueued && this.#waiting.length === 0;
  }

  #post(buffer: ArrayBuffer, ptsSeconds: number | undefined): void {
    const message: ToRecorderWorker = { type: 'frame', data: buffer, ptsSeconds };
    this.#worker.postMessage(message, [buffer]);
    this.#inFlight++;
  }

  #onMessage(message: FromRecorderWorker): void {
    if (message.type === 'handled') {
      this.#inFlight--;
      this.#written = message.framesWritten;
      this.#dropped = message.framesDropped;
      while (this.#waiting.length > 0 && this.#inFlight < this.#maxQueued) {
        const next = this.#waiting.shift() as Waiting;
        this.#post(next.buffer, next.ptsSeconds);
        next.resolve();
      }
      if (this.#waiting.length === 0) this.#onDrained?.();
    } else if (message.type === 'error') {
      this.#fail(FramepipeError.fromJSON(message.error));
    } else if (message.type === 'closed') {
      this.#closedReceived = true;
      this.#written = message.framesWritten;
      this.#dropped = message.framesDropped;
      this.#onClosed?.();
    }
  }

  #fail(err: FramepipeError): void {
    this.#failure ??= err;
    this.#rejectWaiting(this.#failure);
    this.#onClosed?.();
  }

  #rejectWaiting(err: FramepipeError): void {
    for (const w of this.#waiting.splice(0)) w.reject(err);
    this.#onDrained?.();
  }

  async #shutdown(aborting: boolean): Promise<AsyncRecorderSummary> {
    if (this.#waiting.length > 0) await new Promise<void>((resolve) => (this.#onDrained = resolve));
    this.#onDrained = null;
    const exited = this.#exited ? Promise.resolve() : new Promise((resolve) => this.#worker.once('exit', resolve));
    // After a failure the worker only releases what is left, so there is nothing to wait for but its exit.
    const closed = this.#failure ? Promise.resolve() : new Promise<void>((resolve) => (this.#onClosed = resolve));
    this.#worker.postMessage({ type: 'close' } satisfies ToRecorderWorker);
    await (aborting ? Promise.race([closed, delay(ABORT_GRACE_MS)]) : closed);
    this.#onClosed = null;
    await Promise.race([exited, delay(ABORT_GRACE_MS)]);
    await this.#worker.terminate();
    if (this.#failure) throw this.#failure;
    return { path: this.path, ...this.outputSize, framesWritten: this.#written, framesDropped: this.#dropped, framesRejected: this.#rejected };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Opens an MP4 file for H.264 recording in a worker thread. Resolves once the worker has opened the file;
 * rejects with ERR_SINK_WRITE when the path cannot be written and ERR_INVALID_OPTIONS for bad options, as
 * {@link createRecorder} throws.
 *
 * @example
 * ```ts
 * await using recorder = await openAsyncRecorder({ path: 'out.mp4', width: 640, height: 360, fps: 30, maxQueuedFrames: 8 });
 * for await (const frame of video.frames()) await recorder.write(frame);
 * const summary = await recorder.close();
 * ```
 */
export async function openAsyncRecorder(options: AsyncRecorderOptions): Promise<AsyncRecorder> {
  const { maxQueuedFrames = 30, ...recorderOptions } = options ?? ({} as AsyncRecorderOptions);
  if (!Number.isInteger(maxQueuedFrames) || maxQueuedFrames < 1) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `Recorder option maxQueuedFrames = ${JSON.stringify(maxQueuedFrames)} is invalid; use a whole number of frames >= 1.`, { details: { option: 'maxQueuedFrames', value: maxQueuedFrames } });
  }
  const control = new Int32Array(new SharedArrayBuffer(4 * Object.keys(RECORDER_CONTROL).length));
  const worker = new Worker(WORKER_URL);
  try {
    const size = await openInWorker(worker, { type: 'open', options: recorderOptions, control: control.buffer as SharedArrayBuffer });
    return new AsyncRecorder(worker, control, options, size, maxQueuedFrames);
  } catch (err) {
    await worker.terminate();
    throw err;
  }
}

function openInWorker(worker: Worker, request: ToRecorderWorker): Promise<{ width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromRecorderWorker) => {
      if (message.type === 'opened') finish(null, { width: message.width, height: message.height });
      else if (message.type === 'error') finish(FramepipeError.fromJSON(message.error));
    };
    const onError = (err: Error) => finish(toFramepipeError(err));
    const onExit = (code: number) => finish(new FramepipeError('ERR_INTERNAL', `The recorder worker exited (code ${code}) while opening the file.`));
    const finish = (err: FramepipeError | null, size?: { width: number; height: number }) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (err) reject(err);
      else resolve(size as { width: number; height: number });
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(request);
  });
}
