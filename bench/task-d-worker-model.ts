/**
 * An ONNX model run in its own worker thread, as a plain framepipe {@link Model}. onnxruntime-node's
 * `session.run` computes on the calling thread (its promise only defers the synchronous call with
 * `setImmediate`), so a model created on the main thread blocks the event loop for each whole batch: the
 * decode worker's frames are not received meanwhile, and it stops after its few credits. Here the session
 * lives in a worker: `run` transfers the batch's pixels there and awaits the rows, and the main thread stays
 * free to keep the decoder fed. Task D measures extract() with it next to the plain model.
 *
 * @example
 * ```ts
 * await using model = await workerOnnxModel({ model: 'resnet18.onnx', input: IMAGENET_INPUT, threads: 2 });
 * await extract({ sources: ['clip.mp4'], model, batchSize: 32 });
 * ```
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createOnnxModel } from '../src/models/onnx/index.ts';
import type { Model, ModelBatch, ModelInput } from '../src/models/types.ts';

/** Options of {@link workerOnnxModel} (those of createOnnxModel that travel to a worker). */
export interface WorkerModelOptions {
  model: string;
  input: ModelInput;
  threads?: number;
  id?: string;
}

/** A model whose session runs in a worker thread; dispose() ends the worker. */
export interface WorkerModel extends Model<Float32Array>, AsyncDisposable {
  init(): Promise<void>;
  dispose(): Promise<void>;
}

type Reply = { id: number; rows?: ArrayBuffer; rowSize?: number; error?: string };

/** Starts the worker, loads and warms the model there, and returns the model. */
export async function workerOnnxModel(options: WorkerModelOptions): Promise<WorkerModel> {
  const worker = new Worker(new URL(import.meta.url), { workerData: options, name: 'ModelWorker' });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let next = 1;
  const fail = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (!p) return;
    if (r.error) p.reject(new Error(r.error));
    else p.resolve(r);
  });
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('the model worker exited')));
  const call = (message: object, transfer: ArrayBuffer[] = []) =>
    new Promise<Reply>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  await call({ type: 'init' });
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await call({ type: 'dispose' }).catch(() => {});
    await worker.terminate();
  };
  return {
    id: options.id ?? `worker:${options.model}`,
    input: options.input,
    init: async () => {},
    async run(batch: ModelBatch): Promise<Float32Array[]> {
      // The batch is extract's own copy: hand its buffer over instead of copying it again.
      const data = batch.data as Float32Array;
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
      const payload = whole ? data : data.slice();
      const r = await call({ type: 'run', shape: batch.shape, data: payload }, [payload.buffer as ArrayBuffer]);
      const all = new Float32Array(r.rows as ArrayBuffer);
      const size = r.rowSize as number;
      return batch.frames.map((_, i) => all.subarray(i * size, (i + 1) * size));
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

// Worker side.
if (!isMainThread && parentPort && (workerData as WorkerModelOptions | undefined)?.model) {
  const port = parentPort;
  const o = workerData as WorkerModelOptions;
  const model = createOnnxModel({ model: o.model, input: o.input, ...(o.threads === undefined ? {} : { threads: o.threads }) });
  port.on('message', async (m: { id: number; type: string; shape?: ModelBatch['shape']; data?: Float32Array }) => {
    try {
      if (m.type === 'init') {
        await model.init();
        port.postMessage({ id: m.id });
      } else if (m.type === 'dispose') {
        await model.dispose();
        port.postMessage({ id: m.id });
      } else if (m.type === 'run') {
        const shape = m.shape as ModelBatch['shape'];
        const n = shape[0];
        const frames = Array.from({ length: n }, (_, i) => ({
          index: i,
          ptsSeconds: 0,
          durationSeconds: null,
          keyframe: false,
          decodedAtMs: 0,
          source: '',
        }));
        const rows = await model.run({ frames, shape, format: 'rgb24', layout: 'chw', dtype: 'float32', data: m.data as Float32Array });
        const rowSize = rows[0]?.length ?? 0;
        const out = new Float32Array(n * rowSize);
        rows.forEach((r, i) => out.set(r, i * rowSize));
        port.postMessage({ id: m.id, rows: out.buffer, rowSize }, [out.buffer]);
      }
    } catch (err) {
      port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
