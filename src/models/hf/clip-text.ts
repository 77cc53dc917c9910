/**
 * CLIP text embeddings: the model's own tokenizer (through transformers.js) and its text ONNX file
 * (`CLIPTextModelWithProjection` export, output `text_embeds`) on ONNX Runtime; projected and L2-normalised,
 * so a dot product with a CLIP image embedding is their cosine similarity.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { FramepipeError } from '../../core/errors.ts';
import type { ExecutionProvider } from '../onnx/providers.ts';
import { OnnxSession, type TensorData, type TensorInfo } from '../onnx/session.ts';
import { l2Normalize } from './clip-image.ts';
import { type HfModelOptions, hfSchema, openModelDir } from './options.ts';
import { loadTokenizer, type TextTokenizer } from './tokenizer.ts';

/** Options of {@link createClipTextEncoder}. */
export interface ClipTextEncoderOptions extends HfModelOptions {
  /** The ONNX file inside the model. Default `onnx/text_model.onnx`. */
  onnxFile?: string;
  /** Pad each batch to its longest text, or always to the model's maximum length. Default `longest` (same embeddings, less work); a model with a fixed sequence length is always padded to it. */
  padding?: 'longest' | 'max_length';
  /** Most texts per ONNX Runtime call; longer lists are encoded in several calls. Default 64. */
  batchSize?: number;
}

/** A loaded CLIP text encoder. */
export interface ClipTextEncoder extends AsyncDisposable {
  /** Stable id, `clip-text:<model>` by default. */
  readonly id: string;
  /** Length of each embedding (the projection size). */
  readonly dimensions: number;
  /** Most tokens per text, special tokens included; longer texts are truncated keeping the end-of-text token. */
  readonly maxLength: number;
  /** The execution provider in use. */
  readonly provider: ExecutionProvider;
  /** Token ids per text, as fed to the model before padding. */
  tokenize(texts: readonly string[]): number[][];
  /** One L2-normalised embedding per text, in order. */
  encode(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases the session. Idempotent. */
  dispose(): Promise<void>;
}

const schema = hfSchema({ padding: z.enum(['longest', 'max_length']).optional(), batchSize: z.number().int().min(1).max(4096).optional() });

/**
 * Loads a CLIP text encoder from a hub id or a local directory.
 *
 * @example
 * ```ts
 * await using text = await createClipTextEncoder({ model: 'Xenova/clip-vit-base-patch32' });
 * const [dog, car] = await text.encode(['a photo of a dog', 'a red car']);
 * ```
 */
export async function createClipTextEncoder(options: ClipTextEncoderOptions): Promise<ClipTextEncoder> {
  const onnxFile = options.onnxFile ?? 'onnx/text_model.onnx';
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
  const { dir, id, json } = await openModelDir(options, schema, 'createClipTextEncoder', 'clip-text', files, [onnxFile]);
  const config = json['config.json'] as { text_config?: { max_position_embeddings?: number }; max_position_embeddings?: number };
  const tokenizer = await loadTokenizer(dir, config.text_config?.max_position_embeddings ?? config.max_position_embeddings ?? Infinity);
  const session = await OnnxSession.create(join(dir, onnxFile), options);
  try {
    const io = checkTextModel(session, tokenizer);
    const encoder = new LoadedTextEncoder(id, session, tokenizer, io, options);
    if (options.warmup ?? true) await encoder.encode(['']);
    return encoder;
  } catch (err) {
    await session.dispose();
    throw err;
  }
}

interface TextIo {
  ids: TensorInfo;
  mask: TensorInfo | undefined;
  /** A fixed sequence length, or null. */
  seq: number | null;
  /** A fixed batch size, or null. */
  batch: number | null;
  dimensions: number;
}

function checkTextModel(session: OnnxSession, tokenizer: TextTokenizer): TextIo {
  const ids = session.inputs.find((i) => i.name === 'input_ids');
  const mask = session.inputs.find((i) => i.name === 'attention_mask');
  const out = session.outputs.find((o) => o.name === 'text_embeds');
  const extra = session.inputs.filter((i) => i !== ids && i !== mask);
  if (!ids || ids.type !== 'int64' || !out || extra.length > 0) {
    const describe = (list: readonly TensorInfo[]) => list.map((t) => `${t.name} ${t.type}`).join(', ');
    throw new FramepipeError(
      'ERR_MODEL_INVALID',
      `${session.modelName} is not a CLIP text model export (inputs: ${describe(session.inputs)}; outputs: ${describe(session.outputs)}); it needs int64 input_ids (and optionally attention_mask) and an output text_embeds, as CLIPTextModelWithProjection exports have. Pick the right file with onnxFile.`,
      { details: { model: session.modelName } },
    );
  }
  const seq = typeof ids.shape[1] === 'number' ? ids.shape[1] : null;
  if (seq !== null && seq < tokenizer.maxLength) {
    throw new FramepipeError(
      'ERR_MODEL_INVALID',
      `${session.modelName} takes ${seq} tokens but its tokenizer allows ${tokenizer.maxLength}; re-export with a dynamic or longer sequence axis.`,
      { details: { model: session.modelName } },
    );
  }
  const batch = typeof ids.shape[0] === 'number' ? ids.shape[0] : null;
  const last = out.shape.at(-1);
  return { ids, mask, seq, batch, dimensions: typeof last === 'number' ? last : Number.NaN };
}

class LoadedTextEncoder implements ClipTextEncoder {
  readonly id: string;
  readonly #session: OnnxSession;
  readonly #tokenizer: TextTokenizer;
  readonly #io: TextIo;
  readonly #padTo: 'longest' | number;
  readonly #batchSize: number;
  #running = new Set<Promise<unknown>>();

  constructor(id: string, session: OnnxSession, tokenizer: TextTokenizer, io: TextIo, options: ClipTextEncoderOptions) {
    this.id = id;
    this.#session = session;
    this.#tokenizer = tokenizer;
    this.#io = io;
    this.#padTo = io.seq ?? (options.padding === 'max_length' ? tokenizer.maxLength : 'longest');
    this.#batchSize = io.batch ?? options.batchSize ?? 64;
  }

  get dimensions(): number {
    return this.#io.dimensions;
  }

  get maxLength(): number {
    return this.#tokenizer.maxLength;
  }

  get provider(): ExecutionProvider {
    return this.#session.provider;
  }

  tokenize(texts: readonly string[]): number[][] {
    return this.#tokenizer.tokenize(checkTexts(texts));
  }

  async encode(texts: readonly string[]): Promise<Float32Array[]> {
    checkTexts(texts);
    const work = this.#encodeAll(texts);
    this.#running.add(work);
    try {
      return await work;
    } finally {
      this.#running.delete(work);
    }
  }

  async #encodeAll(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.#batchSize) {
      const chunk = texts.slice(start, start + this.#batchSize);
      // A fixed batch dimension: fill with empty texts, whose embeddings are dropped.
      const padded = this.#io.batch === null ? chunk : [...chunk, ...Array<string>(this.#batchSize - chunk.length).fill('')];
      const { inputIds, attentionMask, dims } = this.#tokenizer.batch(padded, this.#padTo);
      const feeds: Record<string, TensorData> = { [this.#io.ids.name]: { data: inputIds, dims } };
      if (this.#io.mask) feeds[this.#io.mask.name] = { data: attentionMask, dims };
      const result = (await this.#session.run(feeds, ['text_embeds'])).text_embeds;
      if (!(result?.data instanceof Float32Array) || result.dims[0] !== padded.length) {
        throw new FramepipeError(
          'ERR_MODEL_RUN',
          `${this.#session.modelName} returned text_embeds of shape [${result?.dims.join(',')}] for ${padded.length} texts.`,
          { details: { model: this.#session.modelName } },
        );
      }
      const size = result.data.length / padded.length;
      for (let i = 0; i < chunk.length; i++) out.push(l2Normalize(result.data.slice(i * size, (i + 1) * size)));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.#running]);
    await this.#session.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

function checkTexts(texts: readonly string[]): readonly string[] {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `texts must be an array of strings, got ${Array.isArray(texts) ? `an array with a ${typeof texts.find((t) => typeof t !== 'string')}` : typeof texts}.`,
      {
        details: { option: 'texts' },
      },
    );
  }
  return texts;
}
