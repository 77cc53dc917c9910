/**
 * The sink contract: where extraction results go. Results arrive one batch at a time, as soon as each batch
 * is inferred; a sink that resolves `write` has made the batch durable (so a crash loses at most the batch
 * in flight), and re-running the same extraction does not duplicate rows (records carry a stable `key`).
 */

/** One model output for one frame. */
export interface ResultRecord<Out = unknown> {
  /** Stable idempotency key: the same content, sampling, preprocessing, model and frame give the same key. */
  key: string;
  /** The source's id (its display name unless the caller named it). */
  source: string;
  /** Frame index in the decoded stream (display order). */
  index: number;
  /** Presentation time on the media timeline, seconds. */
  ptsSeconds: number;
  /** Wall-clock time the frame was decoded, ms since the epoch. */
  decodedAtMs: number;
  /** The model's id. */
  model: string;
  /** The model's output for this frame (embeddings are Float32Array). */
  output: Out;
}

/** A nearest-neighbour hit from a searchable sink. */
export interface SearchHit {
  source: string;
  index: number;
  ptsSeconds: number;
  model: string;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
}

/** Where results go. Implementations must make `close` idempotent and flush in it. */
export interface Sink<Out = unknown> {
  /** Short name for messages, e.g. `jsonl:out.jsonl`. */
  readonly name: string;
  /** Prepares the destination (creates files/tables, loads keys already written). Called once before `write`. */
  open?(): Promise<void>;
  /** Persists one batch of records; resolves when they are durable. Records whose key exists are skipped. */
  write(records: readonly ResultRecord<Out>[]): Promise<void>;
  /** Pushes anything buffered. */
  flush?(): Promise<void>;
  /** Flushes and releases the destination. Idempotent. */
  close(): Promise<void>;
}

/** A sink that can answer nearest-neighbour queries over stored embeddings. */
export interface SearchableSink<Out = unknown> extends Sink<Out> {
  /** The k stored frames closest to `vector` (cosine similarity), best first. */
  search(vector: Float32Array | readonly number[], k: number): Promise<SearchHit[]>;
}
