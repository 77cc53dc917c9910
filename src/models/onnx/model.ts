/**
 * `createOnnxModel`: any image ONNX model as a framepipe {@link Model}. The declared input drives the frame
 * engine's preprocessing; at init the model's own input metadata is checked against it, so a mismatch is
 * reported before any video is decoded.
 */
import { basename } from 'node:path';
import { abortError, FramepipeError } from '../../core/errors.ts';
import type { Model, ModelBatch, ModelInput } from '../types.ts';
import { checkBatch, checkModelInput, inputShape } from './input-check.ts';
import { parseOnnxModelOptions } from './options.ts';
import type { ExecutionProvider } from './providers.ts';
import { OnnxSession, type OnnxSessionOptions, type TensorInfo } from './session.ts';

/** Options of {@link createOnnxModel}. */
export interface OnnxModelOptions extends OnnxSessionOptions {
  /** Path of an `.onnx` file, or its bytes. */
  model: string | Uint8Array;
  /** What the model needs its frames to look like; preprocessing is derived from it and checked against the model at init. */
  input: ModelInput;
  /** Stable id used in results and idempotency keys. Default `onnx:<file name>` (`onnx:bytes` for bytes). */
  id?: string;
  /** The image input to feed. Default: the model's first input. */
  inputName?: string;
  /** The output returned per frame. Default: the model's first output. */
  outputName?: string;
  /** Run one dummy batch at init so the first real batch is not slowed by lazy allocation. Default true. */
  warmup?: boolean;
}

/** A model created by {@link createOnnxModel}; `maxBatchSize`, `provider` and the names are known after `init()`. */
export interface OnnxModel extends Model<Float32Array>, AsyncDisposable {
  /** Set after init when the model's batch dimension is fixed (e.g. exported with batch 1); else undefined. */
  readonly maxBatchSize?: number;
  /** The execution provider in use, after init; null before. */
  readonly provider: ExecutionProvider | null;
  /** The input fed and the output returned, after init; null before. */
  readonly io: { input: TensorInfo; output: TensorInfo } | null;
  init(): Promise<void>;
  run(batch: ModelBatch, signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

interface Loaded {
  session: OnnxSession;
  input: TensorInfo;
  output: TensorInfo;
  fixedBatch: number | null;
}

/**
 * An image model on ONNX Runtime. `run` feeds `batch.data` as one tensor of `batch.shape` and returns row
 * `i` of the chosen output for frame `i`, as a copy (so results do not pin the whole output buffer).
 * Any batch size runs as one call when the model's batch dimension is dynamic; with a fixed batch
 * dimension B, batches are cut into runs of B and the last run is padded with zero frames whose outputs
 * are dropped.
 *
 * @example
 * ```ts
 * const model = createOnnxModel({
 *   model: 'resnet18.onnx',
 *   input: { width: 224, height: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
 *   providers: ['cuda', 'cpu'],
 *   onWarning: (w) => console.warn(w.message),
 * });
 * await model.init();
 * const logits = await model.run(batch); // one Float32Array(1000) per frame
 * await model.dispose();
 * ```
 */
export function createOnnxModel(options: OnnxModelOptions): OnnxModel {
  parseOnnxModelOptions(options);
  return new LazyOnnxModel(options);
}

/** The model behind {@link createOnnxModel}: loads on first `init()`/`run()`, releases once. */
class LazyOnnxModel implements OnnxModel {
  readonly id: string;
  readonly input: ModelInput;
  readonly #options: OnnxModelOptions;
  readonly #name: string;
  #loading: Promise<Loaded> | null = null;
  #loaded: Loaded | null = null;
  #disposed = false;
  readonly #running = new Set<Promise<unknown>>();

  constructor(options: OnnxModelOptions) {
    this.#options = options;
    this.input = { ...options.input };
    this.#name = typeof options.model === 'string' ? options.model : `<${options.model.byteLength} bytes of ONNX>`;
    this.id = options.id ?? (typeof options.model === 'string' ? `onnx:${basename(options.model)}` : 'onnx:bytes');
  }

  get maxBatchSize(): number | undefined {
    return this.#loaded?.fixedBatch ?? undefined;
  }

  get provider(): ExecutionProvider | null {
    return this.#loaded?.session.provider ?? null;
  }

  get io(): { input: TensorInfo; output: TensorInfo } | null {
    return this.#loaded ? { input: this.#loaded.input, output: this.#loaded.output } : null;
  }

  async init(): Promise<void> {
    await this.#load();
  }

  async run(batch: ModelBatch, signal?: AbortSignal): Promise<Float32Array[]> {
    if (signal?.aborted) throw abortError(signal);
    const loaded = this.#loaded ?? (await this.#load());
    if (this.#disposed) throw disposedError(this.#name);
    checkBatch(batch, this.input, this.#name);
    const rows = runRows(loaded, batch, this.input, signal);
    this.#running.add(rows);
    try {
      return await rows;
    } finally {
      this.#running.delete(rows);
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const pending = this.#loading;
    this.#loading = null;
    this.#loaded = null;
    // Let runs in flight finish before the native session goes away under them.
    await Promise.allSettled([...this.#running]);
    await pending?.then(
      (l) => l.session.dispose(),
      () => {},
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  async #load(): Promise<Loaded> {
    if (this.#disposed) throw disposedError(this.#name);
    // Concurrent callers share one load; a failed load is forgotten so init() can be retried.
    this.#loading ??= open(this.#options, this.input, this.#name).catch((err: unknown) => {
      this.#loading = null;
      throw err;
    });
    const loaded = await this.#loading;
    if (this.#disposed) throw disposedError(this.#name);
    this.#loaded = loaded;
    return loaded;
  }
}

async function open(options: OnnxModelOptions, input: ModelInput, name: string): Promise<Loaded> {
  const session = await OnnxSession.create(options.model, options);
  try {
    const pick = (kind: 'input' | 'output', list: readonly TensorInfo[], wanted?: string): TensorInfo => {
      const found = wanted === undefined ? list[0] : list.find((t) => t.name === wanted);
      if (found) return found;
      const names = list.map((t) => `'${t.name}'`).join(', ') || 'none';
      throw new FramepipeError('ERR_INVALID_OPTIONS', `${kind}Name '${wanted}' is not an ${kind} of ${name}; its ${kind}s are ${names}.`, {
        details: { option: `${kind}Name`, value: wanted, available: list.map((t) => t.name) },
      });
    };
    const inputInfo = pick('input', session.inputs, options.inputName);
    const output = pick('output', session.outputs, options.outputName);
    const { fixedBatch } = checkModelInput(inputInfo, input, name);
    if (output.type !== 'float32') {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `Output '${output.name}' of ${name} is ${output.type}; createOnnxModel returns float32 rows. Choose a float32 output with outputName (outputs: ${session.outputs.map((o) => `${o.name} ${o.type}`).join(', ')}).`,
        {
          details: { option: 'outputName', value: output.name },
        },
      );
    }
    const l = { session, input: inputInfo, output, fixedBatch };
    if (options.warmup ?? true) await warmup(l, input);
    return l;
  } catch (err) {
    await session.dispose();
    throw err;
  }
}

async function warmup(l: Loaded, input: ModelInput): Promise<void> {
  const shape = inputShape(input, l.fixedBatch ?? 1);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = l.input.type === 'uint8' ? new Uint8Array(size) : new Float32Array(size);
  try {
    await l.session.run({ [l.input.name]: { data, dims: shape } }, [l.output.name]);
  } catch (err) {
    throw new FramepipeError(
      'ERR_MODEL_RUN',
      `Warm-up run of ${l.session.modelName} with a zero batch [${shape.join(',')}] failed; the model may need other inputs or another shape. ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** Runs `batch` in as many calls as the batch dimension allows and returns one output row per frame. */
async function runRows(l: Loaded, batch: ModelBatch, input: ModelInput, signal?: AbortSignal): Promise<Float32Array[]> {
  const n = batch.frames.length;
  if (n === 0) return [];
  const step = l.fixedBatch ?? n;
  const frameSize = batch.data.length / n;
  const rows: Float32Array[] = [];
  for (let start = 0; start < n; start += step) {
    if (signal?.aborted) throw abortError(signal);
    const count = Math.min(step, n - start);
    let data = batch.data.subarray(start * frameSize, (start + count) * frameSize);
    if (count < step) {
      // A fixed batch dimension: pad with zero frames, whose outputs are dropped below.
      const padded = data instanceof Float32Array ? new Float32Array(step * frameSize) : new Uint8Array(step * frameSize);
      padded.set(data);
      data = padded;
    }
    const out = (await l.session.run({ [l.input.name]: { data, dims: inputShape(input, step) } }, [l.output.name]))[l.output.name];
    rows.push(...splitRows(out?.data, out?.dims ?? [], step, count, l));
  }
  return rows;
}

function splitRows(data: unknown, dims: readonly number[], runFrames: number, keep: number, l: Loaded): Float32Array[] {
  if (!(data instanceof Float32Array) || dims[0] !== runFrames || data.length % runFrames !== 0) {
    throw new FramepipeError(
      'ERR_MODEL_RUN',
      `Output '${l.output.name}' of ${l.session.modelName} has shape [${dims.join(',')}] for a batch of ${runFrames}; its first dimension must be the batch. Choose another output with outputName.`,
      {
        details: { model: l.session.modelName, output: l.output.name, dims: [...dims] },
      },
    );
  }
  const rowSize = data.length / runFrames;
  return Array.from({ length: keep }, (_, i) => data.slice(i * rowSize, (i + 1) * rowSize));
}

function disposedError(name: string): FramepipeError {
  return new FramepipeError('ERR_MODEL_RUN', `${name} was disposed; create the model again to run it.`, { details: { model: name } });
}
