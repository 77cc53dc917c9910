/**
 * What every sink shares: the open → write → close lifecycle with serialized writes, the JSON form of a
 * record, embedding extraction, and option checks that fail with ERR_INVALID_OPTIONS naming the fix.
 */
import { FramepipeError } from '../core/errors.ts';
import type { ResultRecord, Sink } from './types.ts';

/**
 * The embedding of a model output: a Float32Array / numeric typed array / number[] output, or an object's
 * `embedding` field; else null. A copy of `embeddingOf` in `src/models/types.ts`, which sinks may not import
 * (sibling layers).
 *
 * @example
 * ```ts
 * embeddingOf({ embedding: [1, 0] }); // Float32Array [1, 0]
 * embeddingOf({ label: 'cat' });      // null
 * ```
 */
export function embeddingOf(output: unknown): Float32Array | null {
  if (output instanceof Float32Array) return output;
  if (output instanceof Float64Array || output instanceof Int8Array || output instanceof Uint8Array) return Float32Array.from(output);
  if (Array.isArray(output) && output.length > 0 && output.every((v) => typeof v === 'number')) return Float32Array.from(output);
  if (output && typeof output === 'object' && 'embedding' in output) return embeddingOf((output as { embedding: unknown }).embedding);
  return null;
}

/** JSON.stringify replacer: typed arrays become plain arrays at full precision, bigints become strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/**
 * The JSON text of any value, with typed arrays written as arrays (Float32 values keep every bit: each is
 * written as the exact double it converts to).
 *
 * @example
 * ```ts
 * toJson({ v: Float32Array.of(0.5) }); // '{"v":[0.5]}'
 * ```
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer);
}

/**
 * A record in the field order every text sink writes: `{ key, source, index, ptsSeconds, decodedAtMs, model, output }`.
 *
 * @example
 * ```ts
 * toJson(plainRecord(record)); // one JSONL line, without the newline
 * ```
 */
export function plainRecord(r: ResultRecord): Record<string, unknown> {
  return {
    key: r.key,
    source: r.source,
    index: r.index,
    ptsSeconds: r.ptsSeconds,
    decodedAtMs: r.decodedAtMs,
    model: r.model,
    output: r.output === undefined ? null : r.output,
  };
}

/**
 * The records of a batch whose key is not in `seen`, each key once (first occurrence wins).
 *
 * @example
 * ```ts
 * newRecords([{ key: 'a' }, { key: 'a' }, { key: 'b' }] as ResultRecord[], new Set(['b'])); // [{ key: 'a' }]
 * ```
 */
export function newRecords<Out>(records: readonly ResultRecord<Out>[], seen: ReadonlySet<string>): ResultRecord<Out>[] {
  const batch = new Set<string>();
  return records.filter((r) => {
    if (seen.has(r.key) || batch.has(r.key)) return false;
    batch.add(r.key);
    return true;
  });
}

/**
 * A URL for messages: the password is replaced by `***` so errors and logs never carry it.
 *
 * @example
 * ```ts
 * redactUrl('redis://:secret@host:6379'); // 'redis://:***@host:6379'
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * Checks an option that must be an integer ≥ `min`; throws ERR_INVALID_OPTIONS naming it and the fix.
 *
 * @example
 * ```ts
 * checkInteger('batchSize', 0, 1); // throws: batchSize must be an integer ≥ 1, got 0
 * ```
 */
export function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `${name} must be an integer ≥ ${min}, got ${String(value)}; pass a whole number of at least ${min} or leave it out for the default.`,
      {
        details: { option: name, value },
      },
    );
  }
  return value;
}

/**
 * Checks an option that must be a non-empty string; throws ERR_INVALID_OPTIONS naming it.
 *
 * @example
 * ```ts
 * checkName('table', ''); // throws: table must be a non-empty string, got ""
 * ```
 */
export function checkName(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `${name} must be a non-empty string, got ${JSON.stringify(value)}.`, {
      details: { option: name, value },
    });
  }
  return value;
}

/**
 * A sink's lifecycle, shared by every built-in sink: `open()` runs once (and `write` opens on first use),
 * writes run one at a time in call order, `close()` waits for writes in flight, then releases once.
 * Subclasses implement the three `do*` steps; `doClose` must cope with a failed or partial open.
 *
 * @example
 * ```ts
 * class ArraySink extends BaseSink {
 *   readonly name = 'array';
 *   readonly rows: ResultRecord[] = [];
 *   protected async doOpen() {}
 *   protected async doWrite(records: readonly ResultRecord[]) { this.rows.push(...records); }
 *   protected async doClose() {}
 * }
 * ```
 */
export abstract class BaseSink<Out = unknown> implements Sink<Out> {
  abstract readonly name: string;
  #opening: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  #tail: Promise<unknown> = Promise.resolve();

  protected abstract doOpen(): Promise<void>;
  protected abstract doWrite(records: readonly ResultRecord<Out>[]): Promise<void>;
  protected abstract doClose(): Promise<void>;

  /** Prepares the destination; later calls return the first call's promise. */
  open(): Promise<void> {
    if (this.#closing) return Promise.reject(this.#closedError());
    this.#opening ??= this.doOpen();
    return this.#opening;
  }

  /** Persists one batch (opening first if needed); resolves when it is durable. */
  async write(records: readonly ResultRecord<Out>[]): Promise<void> {
    if (this.#closing) throw this.#closedError();
    await this.open();
    const run = this.#tail.then(() => (records.length > 0 ? this.doWrite(records) : undefined));
    this.#tail = run.catch(() => undefined);
    await run;
  }

  /** Resolves when every write called so far has settled. */
  async flush(): Promise<void> {
    await this.#tail;
  }

  /** Waits for writes in flight, then releases the destination. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#tail;
      if (this.#opening) {
        await this.#opening.catch(() => undefined);
        await this.doClose();
      }
    })();
    return this.#closing;
  }

  /** `await using sink = jsonlSink(…)` closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` was called. */
  protected get closing(): boolean {
    return this.#closing !== null;
  }

  #closedError(): FramepipeError {
    return new FramepipeError('ERR_SINK_WRITE', `Sink ${this.name} is closed; open a new sink to write more results.`, {
      retriable: false,
    });
  }
}

/**
 * Wraps anything thrown while writing into ERR_SINK_WRITE (keeping framepipe errors as they are).
 *
 * @example
 * ```ts
 * catch (err) { throw sinkError(err, `Cannot append to ${path}: ${err}`, { path }); }
 * ```
 */
export function sinkError(err: unknown, message: string, details: Record<string, unknown> = {}, retriable?: boolean): FramepipeError {
  if (err instanceof FramepipeError) return err;
  const options = retriable === undefined ? { cause: err, details } : { cause: err, details, retriable };
  return new FramepipeError('ERR_SINK_WRITE', message, options);
}
