/**
 * Turns registrations into callables with one shape: `call(frames, context)` → result. A framepipe Model
 * gets its frames converted to its declared input (`model-frames.ts`) and returns its output per frame; a
 * plain Algorithm gets the played frames as they are.
 */
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { Frame } from '../core/types.ts';
import type { Model } from '../models/types.ts';
import type { Registration } from '../schedule/index.ts';
import { createModelFrames, type ModelFrames } from './model-frames.ts';
import type { Algorithm, AlgorithmContext, AlgorithmRegistration } from './types.ts';

/** One registered algorithm, ready to call. */
export interface Runnable {
  readonly name: string;
  /** The schedule's view of the registration. */
  readonly registration: Registration;
  init(): Promise<void>;
  call(frames: readonly Frame[], context: AlgorithmContext): Promise<unknown>;
  dispose(): Promise<void>;
}

/** A Model declares `id`, `input` and `run(batch)`; anything else with `run` is a plain Algorithm. */
export function isModel(value: Model | Algorithm): value is Model {
  const candidate = value as Partial<Model>;
  return typeof candidate.id === 'string' && typeof candidate.input === 'object' && candidate.input !== null;
}

/** Checks one registration's shape (the schedule checks the numbers) and fills in the defaults. */
export function toRegistration(reg: AlgorithmRegistration, at: number): Registration {
  if (typeof reg !== 'object' || reg === null) throw invalid(`algorithms[${at}]`, reg, 'give { name, algorithm, intervalSeconds }');
  const algorithm = reg.algorithm as unknown;
  if (typeof algorithm !== 'object' || algorithm === null || typeof (algorithm as { run?: unknown }).run !== 'function') {
    throw invalid(`algorithms[${at}].algorithm`, typeof algorithm, 'give a Model or an object with a run(frames) method');
  }
  return { name: reg.name, frameCount: reg.frameCount ?? 1, frameStep: reg.frameStep ?? 1, intervalSeconds: reg.intervalSeconds };
}

/** Builds the callables for a run over frames of the playback size. */
export function prepareAlgorithms(
  registrations: readonly AlgorithmRegistration[],
  playback: { width: number; height: number },
  source: string,
): Runnable[] {
  return registrations.map((reg, at) => {
    const registration = toRegistration(reg, at);
    const algorithm = reg.algorithm;
    return isModel(algorithm) ? modelRunnable(registration, algorithm, playback, source) : algorithmRunnable(registration, algorithm);
  });
}

function algorithmRunnable(registration: Registration, algorithm: Algorithm): Runnable {
  return {
    name: registration.name,
    registration,
    init: async () => {
      await guard(registration.name, 'init', () => algorithm.init?.());
    },
    call: async (frames, context) => algorithm.run(frames, context),
    dispose: async () => {
      await guard(registration.name, 'dispose', () => algorithm.dispose?.());
    },
  };
}

function modelRunnable(registration: Registration, model: Model, playback: { width: number; height: number }, source: string): Runnable {
  let frames: ModelFrames | null = null;
  return {
    name: registration.name,
    registration,
    init: async () => {
      frames = createModelFrames(playback, model.input, { source });
      await guard(registration.name, 'init', () => model.init?.());
    },
    call: async (window, context) => {
      if (frames === null) throw new FramepipeError('ERR_INTERNAL', `algorithm '${registration.name}' was called before init`);
      const outputs = await model.run(frames.toBatch(window), context.signal);
      if (!Array.isArray(outputs) || outputs.length !== window.length) {
        throw new FramepipeError('ERR_MODEL_RUN', `model ${model.id} (algorithm '${registration.name}') returned ${Array.isArray(outputs) ? outputs.length : typeof outputs} outputs for ${window.length} frames; a model returns one output per frame.`);
      }
      return window.length === 1 ? outputs[0] : outputs;
    },
    dispose: async () => {
      frames?.close();
      frames = null;
      await guard(registration.name, 'dispose', () => model.dispose?.());
    },
  };
}

async function guard(name: string, phase: 'init' | 'dispose', fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const cause = toFramepipeError(err, 'ERR_ALGORITHM');
    throw new FramepipeError(cause.code, `algorithm '${name}' failed in ${phase}(): ${cause.message}`, {
      cause: err,
      details: { algorithm: name, phase },
    });
  }
}

function invalid(option: string, value: unknown, fix: string): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', `pipeline: ${option} is invalid (got ${String(value)}); ${fix}.`, { details: { option } });
}
