/**
 * An algorithm that runs in its own worker thread, so that however long it computes synchronously (ONNX
 * Runtime's `session.run` computes on the calling thread, and so does JavaScript) the main thread keeps
 * playing, recording and dispatching. The worker loads the algorithm itself from a description — a model
 * spec or a module export — because functions and sessions cannot be sent between threads. See
 * `docs/pipelines.md`.
 */
import { Worker } from 'node:worker_threads';
import { FramepipeError, type SerializedError } from '../core/errors.ts';
import type { Frame } from '../core/types.ts';
import type { ModelFlags } from '../models/spec.ts';
import type { Algorithm, AlgorithmContext } from './types.ts';

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './algorithm-worker.ts' : './algorithm-worker.js', import.meta.url);

/** What the worker loads: a model spec (`builtin:NAME`, `hf:ID_OR_DIR`, `PATH.onnx`) or a module's export. */
export type IsolatedSource =
  | {
      kind: 'spec';
      /** `builtin:NAME`, `hf:HUB_ID_OR_DIR` or a path to an `.onnx` file. */
      spec: string;
      /** Built-in model options (`builtin:` only). */
      options?: unknown;
      /** Loading flags (`hf:` and `.onnx`): providers, threads, input size, mean/std, cache. Plain data only. */
      flags?: Omit<ModelFlags, 'onWarning'>;
    }
  | {
      kind: 'module';
      /** `file:` URL (or absolute path) of the module. */
      module: string;
      /** Export name. Default `default`. */
      export?: string;
      /** Passed to a factory function or class constructor. Plain data only. */
      options?: unknown;
    };

/** Messages between {@link isolatedAlgorithm} and its worker. */
export type ToAlgorithmWorker =
  | { type: 'init'; source: IsolatedSource }
  | { type: 'run'; id: number; frames: Frame[]; context: Omit<AlgorithmContext, 'signal'> }
  | { type: 'dispose' };

/** Replies of the worker. */
export type FromAlgorithmWorker =
  | { type: 'ready'; id: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number | null; error: SerializedError }
  | { type: 'disposed' };

/** An isolated algorithm: a plain {@link Algorithm} whose `id` says what the worker loaded. */
export interface IsolatedAlgorithm<Out = unknown> extends Algorithm<Out> {
  /** What was loaded, e.g. `builtin:scene`, known after `init()`. */
  readonly id: string;
  init(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Wraps a model spec or a module export so it runs in a worker thread. Frames are copied to the worker;
 * results come back by structured clone (numbers, strings, arrays, typed arrays, plain objects).
 *
 * @example
 * ```ts
 * const detector = isolatedAlgorithm({ kind: 'spec', spec: 'models/yolo.onnx', flags: { inputSize: { width: 640, height: 640 } } });
 * createPipeline({ source: 'rtsp://cam', mode: 'realtime', algorithms: [{ name: 'det', algorithm: detector, intervalSeconds: 0.1 }] });
 * ```
 */
export function isolatedAlgorithm<Out = unknown>(source: IsolatedSource): IsolatedAlgorithm<Out> {
  let worker: Worker | null = null;
  let id = source.kind === 'spec' ? source.spec : `module:${source.module}#${source.export ?? 'default'}`;
  let next = 1;
  let failure: FramepipeError | null = null;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  const failAll = (err: FramepipeError) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  return {
    get id() {
      return id;
    },
    async init() {
      if (worker) return;
      const w = new Worker(WORKER_URL, { name: `framepipe:${id}` });
      worker = w;
      w.on('message', (message: FromAlgorithmWorker) => {
        if (message.type === 'result' || (message.type === 'error' && message.id !== null)) {
          const waiter = pending.get(message.id as number);
          pending.delete(message.id as number);
          if (message.type === 'result') waiter?.resolve(message.result);
          else waiter?.reject(FramepipeError.fromJSON(message.error));
        }
      });
      w.on('error', (err) => failAll(new FramepipeError('ERR_ALGORITHM', `the worker of ${id} crashed: ${err.message}`, { cause: err })));
      w.on('exit', (code) => failAll(new FramepipeError('ERR_ALGORITHM', `the worker of ${id} exited (code ${code})`)));
      const ready = await new Promise<FromAlgorithmWorker>((resolve) => {
        const onMessage = (m: FromAlgorithmWorker) => {
          if (m.type === 'ready' || (m.type === 'error' && m.id === null)) {
            w.off('message', onMessage);
            resolve(m);
          }
        };
        w.on('message', onMessage);
        w.once('error', (err) => resolve({ type: 'error', id: null, error: new FramepipeError('ERR_ALGORITHM', err.message).toJSON() }));
        w.postMessage({ type: 'init', source } satisfies ToAlgorithmWorker);
      });
      if (ready.type === 'error') {
        await w.terminate();
        worker = null;
        throw FramepipeError.fromJSON(ready.error);
      }
      if (ready.type === 'ready') id = ready.id;
      // An idle worker does not keep the process alive; a running window does (see run()).
      w.unref();
    },
    run(frames, context) {
      if (!worker) return Promise.reject(new FramepipeError('ERR_INTERNAL', `isolated algorithm ${id} was run before init()`));
      if (failure) return Promise.reject(failure);
      const runId = next++;
      const copies = frames.map((f) => ({ ...f, data: f.data.slice() }));
      const { signal: _signal, ...plain } = context;
      const w = worker;
      w.ref();
      const settle = () => {
        if (pending.size === 0) w.unref();
      };
      return new Promise((resolve, reject) => {
        pending.set(runId, {
          resolve: (value) => {
            settle();
            resolve(value as Out);
          },
          reject: (err) => {
            settle();
            reject(err);
          },
        });
        w.postMessage({ type: 'run', id: runId, frames: copies, context: plain } satisfies ToAlgorithmWorker, copies.map((f) => f.data.buffer as ArrayBuffer));
      });
    },
    async dispose() {
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.ref(); // keep the process alive until the worker has released its resources
      w.postMessage({ type: 'dispose' } satisfies ToAlgorithmWorker);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      await w.terminate();
    },
  };
}
