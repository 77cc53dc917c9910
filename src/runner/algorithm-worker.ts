/**
 * The worker thread of {@link isolatedAlgorithm}: loads one algorithm from its description, converts the
 * played frames to a model's declared input when it is a model, runs windows one at a time and replies.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { Frame } from '../core/types.ts';
import { builtinModel, isBuiltinModelName } from '../models/builtin/index.ts';
import { loadModel } from '../models/spec.ts';
import type { Model } from '../models/types.ts';
import { isModel } from './algorithms.ts';
import type { FromAlgorithmWorker, IsolatedSource, ToAlgorithmWorker } from './isolated.ts';
import { createModelFrames, type ModelFrames } from './model-frames.ts';
import { instantiateExport } from './module-export.ts';
import type { Algorithm } from './types.ts';

if (isMainThread || !parentPort) throw new Error('algorithm-worker.ts runs as a worker thread; use isolatedAlgorithm().');
const port = parentPort;

let instance: Model | Algorithm | null = null;
let frames: ModelFrames | null = null;
const abort = new AbortController();

function reply(message: FromAlgorithmWorker): void {
  port.postMessage(message);
}

async function load(source: IsolatedSource): Promise<{ instance: Model | Algorithm; id: string }> {
  if (source.kind === 'spec') {
    const name = source.spec.startsWith('builtin:') ? source.spec.slice('builtin:'.length) : null;
    if (name !== null) {
      if (!isBuiltinModelName(name)) throw new FramepipeError('ERR_INVALID_OPTIONS', `unknown built-in model ${source.spec}`);
      return { instance: builtinModel(name, source.options as never), id: source.spec };
    }
    const model = await loadModel(source.spec, source.flags ?? {});
    return { instance: model, id: model.id };
  }
  const url = source.module.startsWith('file:') ? source.module : pathToFileURL(source.module).href;
  const name = source.export ?? 'default';
  const mod = (await import(url)) as Record<string, unknown>;
  if (!(name in mod)) throw new FramepipeError('ERR_INVALID_OPTIONS', `${source.module} has no export ${JSON.stringify(name)}`);
  const made = await instantiateExport(mod[name], source.options);
  if (typeof (made as { run?: unknown })?.run !== 'function') {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `export ${JSON.stringify(name)} of ${source.module} is not an algorithm: it needs a run(frames) method`);
  }
  return { instance: made as Model | Algorithm, id: `module:${source.module}#${name}` };
}

async function run(id: number, window: Frame[], context: Extract<ToAlgorithmWorker, { type: 'run' }>['context']): Promise<void> {
  try {
    if (!instance) throw new FramepipeError('ERR_INTERNAL', 'run before init');
    let result: unknown;
    if (isModel(instance)) {
      const first = window[0] as Frame;
      frames ??= createModelFrames({ width: first.width, height: first.height }, instance.input, { source: context.name });
      const outputs = await instance.run(frames.toBatch(window), abort.signal);
      result = window.length === 1 ? outputs[0] : outputs;
    } else {
      result = await instance.run(window, { ...context, signal: abort.signal });
    }
    try {
      reply({ type: 'result', id, result });
    } catch (err) {
      throw new FramepipeError('ERR_ALGORITHM', `the result cannot be sent from the worker (${(err as Error).message}); return plain data: numbers, strings, arrays, typed arrays, objects`);
    }
  } catch (err) {
    reply({ type: 'error', id, error: toFramepipeError(err, 'ERR_ALGORITHM').toJSON() });
  }
}

// One window at a time, in arrival order (the pipeline never sends a second before the first is done).
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: ToAlgorithmWorker) => {
  if (message.type === 'init') {
    queue = queue.then(async () => {
      try {
        const loaded = await load(message.source);
        instance = loaded.instance;
        await instance.init?.();
        reply({ type: 'ready', id: loaded.id });
      } catch (err) {
        reply({ type: 'error', id: null, error: toFramepipeError(err, 'ERR_ALGORITHM').toJSON() });
      }
    });
  } else if (message.type === 'run') {
    queue = queue.then(() => run(message.id, message.frames, message.context));
  } else {
    abort.abort();
    queue = queue.then(async () => {
      try {
        frames?.close();
        await instance?.dispose?.();
      } finally {
        reply({ type: 'disposed' });
        port.close();
      }
    });
  }
});
