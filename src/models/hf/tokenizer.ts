/**
 * Text tokenisation through transformers.js, built straight from a model directory's `tokenizer.json` and
 * `tokenizer_config.json` (no hub look-ups, no process-wide `env` involved). Truncation and padding are
 * done here: transformers.js truncation cuts the end-of-text token off long texts, and CLIP pools its text
 * embedding at that token.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FramepipeError } from '../../core/errors.ts';

/** A loaded tokenizer with the model's length limit. */
export interface TextTokenizer {
  /** Most tokens per text, special tokens included. */
  readonly maxLength: number;
  /** Token ids per text, special tokens added, truncated to `maxLength` keeping the final end-of-text token. */
  tokenize(texts: readonly string[]): number[][];
  /** One padded int64 batch: `input_ids` and `attention_mask`, both `[texts.length, T]`. */
  batch(
    texts: readonly string[],
    padTo: 'longest' | number,
  ): { inputIds: BigInt64Array; attentionMask: BigInt64Array; dims: [number, number] };
}

type TokenizerCall = (texts: string[], options: Record<string, unknown>) => { input_ids: number[][] };
interface TokenizerInstance {
  pad_token_id?: number | null;
  eos_token_id?: number | null;
  model_max_length?: number;
}

/**
 * Loads the tokenizer of the model in `dir`. `limit` caps the length (e.g. the text model's position count).
 *
 * @example
 * ```ts
 * const tokenizer = await loadTokenizer('/models/clip', 77);
 * tokenizer.tokenize(['a photo of a dog']); // [[49406, 320, 1125, 539, 320, 1929, 49407]]
 * ```
 */
export async function loadTokenizer(dir: string, limit = Infinity): Promise<TextTokenizer> {
  const [json, config] = await Promise.all(['tokenizer.json', 'tokenizer_config.json'].map((f) => readJson(join(dir, f))));
  const tf = await import('@huggingface/transformers');
  const name = String(config?.tokenizer_class ?? 'PreTrainedTokenizer').replace(/Fast$/, '');
  const candidate = (tf as unknown as Record<string, unknown>)[name];
  const Cls =
    typeof candidate === 'function' && candidate.prototype instanceof tf.PreTrainedTokenizer
      ? (candidate as typeof tf.PreTrainedTokenizer)
      : tf.PreTrainedTokenizer;
  let instance: InstanceType<typeof tf.PreTrainedTokenizer>;
  try {
    instance = new Cls(json, config);
  } catch (err) {
    throw new FramepipeError(
      'ERR_MODEL_INVALID',
      `The tokenizer in ${dir} could not be built (${err instanceof Error ? err.message : String(err)}); check tokenizer.json.`,
      { cause: err, details: { dir } },
    );
  }
  const info = instance as unknown as TokenizerInstance;
  const call = instance as unknown as TokenizerCall;
  const maxLength = Math.min(limit, info.model_max_length ?? Infinity);
  if (!Number.isFinite(maxLength) || maxLength < 2) {
    throw new FramepipeError(
      'ERR_MODEL_INVALID',
      `The tokenizer in ${dir} has no usable length limit (model_max_length ${info.model_max_length}); set it in tokenizer_config.json.`,
      { details: { dir } },
    );
  }
  const eos = info.eos_token_id ?? null;
  const pad = info.pad_token_id ?? eos ?? 0;

  const tokenize = (texts: readonly string[]): number[][] => {
    if (texts.length === 0) return [];
    const { input_ids } = call([...texts], { add_special_tokens: true, padding: false, truncation: false, return_tensor: false });
    // Keep the final end-of-text token when cutting, as Python's truncation does.
    return input_ids.map((ids) =>
      ids.length <= maxLength ? ids : ids.at(-1) === eos ? [...ids.slice(0, maxLength - 1), eos] : ids.slice(0, maxLength),
    );
  };

  return {
    maxLength,
    tokenize,
    batch(texts, padTo) {
      const rows = tokenize(texts);
      const t = padTo === 'longest' ? Math.max(1, ...rows.map((r) => r.length)) : padTo;
      const inputIds = new BigInt64Array(rows.length * t).fill(BigInt(pad));
      const attentionMask = new BigInt64Array(rows.length * t);
      rows.forEach((ids, i) => {
        ids.slice(0, t).forEach((id, j) => {
          inputIds[i * t + j] = BigInt(id);
          attentionMask[i * t + j] = 1n;
        });
      });
      return { inputIds, attentionMask, dims: [rows.length, t] };
    },
  };
}

/**
 * Reads and parses a JSON file of a model directory; a bad file → ERR_MODEL_INVALID naming it.
 *
 * @example
 * ```ts
 * const config = await readJson('/models/clip/config.json');
 * ```
 */
export async function readJson(path: string): Promise<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    throw new Error('not a JSON object');
  } catch (err) {
    const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FramepipeError(
      notFound ? 'ERR_MODEL_NOT_FOUND' : 'ERR_MODEL_INVALID',
      `${path} ${notFound ? 'does not exist' : `is not valid JSON (${(err as Error).message})`}; re-download the model or fix the file.`,
      {
        cause: err,
        details: { path },
      },
    );
  }
}
