/**
 * A thin owner of one ONNX Runtime session: loads a model file or bytes with provider fallback, describes
 * its inputs and outputs in plain types, runs plain typed arrays, and releases the native session once.
 * Everything above this file speaks typed arrays, never ONNX Runtime types.
 */
import { stat } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';

/** ONNX Runtime loads on first use, so importing framepipe does not pay for it. */
let runtime: Promise<typeof Ort> | null = null;
function loadRuntime(): Promise<typeof Ort> {
  runtime ??= import('onnxruntime-node');
  return runtime;
}
import { FramepipeError } from '../../core/errors.ts';
import { type ExecutionProvider, type ModelWarning, modelLoadError, withProviderFallback } from './providers.ts';

/** Element types a tensor can have here. */
export type TensorType =
  'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string';

/** One input or output of a session: its name, element type, and shape (a string for a symbolic dimension). */
export interface TensorInfo {
  name: string;
  /** Element type; `non-tensor` for sequence and map values. */
  type: TensorType | 'non-tensor';
  /** Dimensions; a string (`batch`, `seq`) where the model leaves the size open; empty when unknown. */
  shape: readonly (number | string)[];
}

/** Typed arrays a tensor can be built from. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor as plain data: row-major elements and dimensions. */
export interface TensorData {
  data: TensorArray;
  dims: readonly number[];
}

/** How to open a session. */
export interface OnnxSessionOptions {
  /** Execution providers in order of preference. Default `['cpu']`. */
  providers?: readonly ExecutionProvider[];
  /** Throw ERR_PROVIDER_UNAVAILABLE instead of falling back when the first provider is unavailable. Default false. */
  requireProvider?: boolean;
  /** Threads inside one operator (ONNX Runtime's intraOpNumThreads). Default: ONNX Runtime's choice (one per core). */
  threads?: number;
  /** Receives recoverable problems such as `provider-fallback`. Default: ignored. */
  onWarning?: (warning: ModelWarning) => void;
}

/**
 * An open ONNX Runtime session. Use {@link OnnxSession.create}; release with `dispose()` or `await using`.
 *
 * @example
 * ```ts
 * await using session = await OnnxSession.create('text_model.onnx', { providers: ['cuda', 'cpu'] });
 * const out = await session.run({
 *   input_ids: { data: BigInt64Array.from([0n, 33n, 1n]), dims: [1, 3] },
 *   attention_mask: { data: BigInt64Array.from([1n, 1n, 1n]), dims: [1, 3] },
 * });
 * console.log(session.provider, out.text_embeds?.dims);
 * ```
 */
export class OnnxSession implements AsyncDisposable {
  /** The provider the session runs on (the first in the list that was available). */
  readonly provider: ExecutionProvider;
  /** The model's inputs, in order. */
  readonly inputs: readonly TensorInfo[];
  /** The model's outputs, in order. */
  readonly outputs: readonly TensorInfo[];
  /** The model as named in messages: its path, or `<N bytes>`. */
  readonly modelName: string;
  #session: Ort.InferenceSession | null;
  #released: Promise<void> | null = null;

  private constructor(session: Ort.InferenceSession, provider: ExecutionProvider, modelName: string) {
    this.#session = session;
    this.provider = provider;
    this.modelName = modelName;
    this.inputs = session.inputMetadata.map(describe);
    this.outputs = session.outputMetadata.map(describe);
  }

  /**
   * Loads a model file (path) or its bytes. Missing file → ERR_MODEL_NOT_FOUND; not ONNX →
   * ERR_MODEL_INVALID; no requested provider available → ERR_PROVIDER_UNAVAILABLE.
   *
   * @example
   * ```ts
   * const session = await OnnxSession.create(await readFile('model.onnx'), { threads: 2 });
   * ```
   */
  static async create(model: string | Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
    const modelName = typeof model === 'string' ? model : `<${model.byteLength} bytes of ONNX>`;
    if (typeof model === 'string') await checkModelFile(model);
    else if (model.byteLength === 0)
      throw new FramepipeError('ERR_MODEL_INVALID', 'The model bytes are empty (0 bytes); pass the contents of an .onnx file.', {
        details: { model: modelName },
      });
    const sessionOptions: Ort.InferenceSession.SessionOptions = options.threads === undefined ? {} : { intraOpNumThreads: options.threads };
    const policy = {
      providers: options.providers ?? ['cpu'],
      requireProvider: options.requireProvider ?? false,
      onWarning: options.onWarning ?? (() => {}),
      modelName,
    };
    const ort = await loadRuntime();
    const { value, provider } = await withProviderFallback(policy, (ep) => {
      const opts = { ...sessionOptions, executionProviders: [ep] };
      return typeof model === 'string' ? ort.InferenceSession.create(model, opts) : ort.InferenceSession.create(model, opts);
    });
    return new OnnxSession(value, provider, modelName);
  }

  /** The input or output named `name`, or undefined. */
  info(name: string): TensorInfo | undefined {
    return this.inputs.find((i) => i.name === name) ?? this.outputs.find((o) => o.name === name);
  }

  /**
   * Runs the model. `feeds` maps input names to data; returns the requested outputs (default: all).
   * Failures → ERR_MODEL_RUN; after `dispose()` → ERR_MODEL_RUN too.
   *
   * @example
   * ```ts
   * const { image_embeds } = await session.run({ pixel_values: { data: pixels, dims: [1, 3, 224, 224] } }, ['image_embeds']);
   * ```
   */
  async run(feeds: Record<string, TensorData>, outputNames?: readonly string[]): Promise<Record<string, TensorData>> {
    const session = this.#session;
    if (!session)
      throw new FramepipeError('ERR_MODEL_RUN', `${this.modelName} was disposed; create the model again to run it.`, {
        details: { model: this.modelName },
      });
    let results: Ort.InferenceSession.ReturnType;
    try {
      const ort = await loadRuntime();
      const tensors: Record<string, Ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.data, t.dims);
      results = outputNames ? await session.run(tensors, [...outputNames]) : await session.run(tensors);
    } catch (err) {
      const shapes = Object.entries(feeds)
        .map(([name, t]) => `${name} [${t.dims.join(',')}]`)
        .join(', ');
      const message = err instanceof Error ? err.message : String(err);
      throw new FramepipeError('ERR_MODEL_RUN', `${this.modelName} failed on inputs ${shapes}: ${message.split('\n')[0]}`, {
        cause: err,
        details: { model: this.modelName, inputs: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, [...t.dims]])) },
      });
    }
    const out: Record<string, TensorData> = {};
    for (const [name, tensor] of Object.entries(results)) {
      out[name] = { data: tensor.data as TensorArray, dims: tensor.dims };
      tensor.dispose();
    }
    return out;
  }

  /** Releases the native session. Idempotent; concurrent calls share one release. */
  dispose(): Promise<void> {
    if (!this.#released) {
      const session = this.#session;
      this.#session = null;
      this.#released = session ? session.release() : Promise.resolve();
    }
    return this.#released;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

async function checkModelFile(path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (err) {
    throw new FramepipeError(
      'ERR_MODEL_NOT_FOUND',
      `Model file not found: ${path}. Check the path (relative paths resolve against the working directory) or pass the model's bytes.`,
      {
        cause: err,
        details: { model: path },
      },
    );
  }
  if (!isFile) throw modelLoadError(path, new Error('it is a directory, not a file'), 'Pass the path of the .onnx file inside it.');
}

function describe(meta: Ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', shape: [] };
  return { name: meta.name, type: meta.type as TensorType, shape: [...meta.shape] };
}
