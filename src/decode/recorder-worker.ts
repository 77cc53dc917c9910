/**
 * The recording worker thread: owns one {@link Recorder} and encodes the frames that an `AsyncRecorder`
 * (async-recorder.ts) posts, so H.264 encoding never blocks the caller's event loop. Messages are handled
 * in order; every frame is acknowledged once handled, which is how the caller bounds the frames in flight.
 */
import { parentPort } from 'node:worker_threads';
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import { createRecorder, type Recorder } from './recorder.ts';
import { type FromRecorderWorker, RECORDER_CONTROL, type ToRecorderWorker } from './recorder-protocol.ts';

const port = parentPort;
if (!port) throw new Error('recorder-worker must run as a worker thread');

let recorder: Recorder | null = null;
let control: Int32Array | null = null;
let failed = false;

function post(message: FromRecorderWorker): void {
  port?.postMessage(message);
}

/** Reports the first failure and releases the recorder; what was muxed so far stays in the file. */
function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  post({ type: 'error', error: toFramepipeError(err).toJSON() });
  try {
    recorder?.closeSync();
  } catch {
    // Already failing: finishing the file is best effort, and the first error is the one reported.
  }
}

function handle(message: ToRecorderWorker): void {
  if (message.type === 'open') {
    control = new Int32Array(message.control);
    recorder = createRecorder(message.options);
    post({ type: 'opened', ...recorder.outputSize });
  } else if (message.type === 'frame') {
    const aborted = control !== null && Atomics.load(control, RECORDER_CONTROL.ABORT) !== 0;
    if (recorder && !failed && !aborted) {
      try {
        recorder.write({ data: new Uint8Array(message.data), ptsSeconds: message.ptsSeconds });
      } catch (err) {
        fail(err);
      }
    }
    post({ type: 'handled', framesWritten: recorder?.framesWritten ?? 0, framesDropped: recorder?.framesDropped ?? 0 });
  } else if (message.type === 'close') {
    if (recorder && !failed) {
      try {
        recorder.closeSync();
      } catch (err) {
        fail(err);
      }
    }
    post({ type: 'closed', framesWritten: recorder?.framesWritten ?? 0, framesDropped: recorder?.framesDropped ?? 0 });
    port?.close();
  } else {
    throw new FramepipeError('ERR_INTERNAL', `The recorder worker got an unknown message ${JSON.stringify((message as { type?: unknown }).type)}.`);
  }
}

port.on('message', (message: ToRecorderWorker) => {
  try {
    handle(message);
  } catch (err) {
    // Only `open` can get here (frame and close catch their own failures): report it as the open's answer.
    fail(err);
  }
});
