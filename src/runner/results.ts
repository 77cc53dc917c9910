/**
 * Where results go: the `collect` callback, every sink (as `ResultRecord`s, in completion order, one
 * write at a time per run so a slow sink applies back-pressure instead of piling up) and the latest-result
 * table the per-frame hook reads.
 */
import { createHash } from 'node:crypto';
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { ResultRecord, Sink } from '../sinks/types.ts';
import type { CollectFunction, LatestResult, Position } from './types.ts';

/** Delivers results; `deliver` resolves once the callback and every sink have taken the result. */
export class ResultCollector {
  readonly latest = new Map<string, LatestResult>();
  readonly #collect: CollectFunction | undefined;
  readonly #sinks: readonly Sink[];
  readonly #source: string;
  readonly #keyPrefix: string;
  /** Serialises sink writes: each write starts after the previous one finished. */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: { collect?: CollectFunction; sinks?: readonly Sink[]; source: string; fingerprint: string }) {
    this.#collect = options.collect;
    this.#sinks = options.sinks ?? [];
    this.#source = options.source;
    this.#keyPrefix = createHash('sha256').update(JSON.stringify([options.source, options.fingerprint])).digest('hex').slice(0, 16);
  }

  async deliver(algorithm: string, position: Position, result: unknown): Promise<void> {
    this.latest.set(algorithm, { result, position, receivedAtMs: Date.now() });
    if (this.#collect) await this.#collect(position, algorithm, result);
    if (this.#sinks.length === 0) return;
    const record: ResultRecord = {
      key: `${this.#keyPrefix}:${algorithm}:${position.index}:${position.dueSeconds}`,
      source: this.#source,
      index: position.index,
      ptsSeconds: position.ptsSeconds,
      decodedAtMs: position.wallclockMs,
      model: algorithm,
      output: result,
    };
    const write = this.#tail.then(() => this.#write(record));
    this.#tail = write.catch(() => undefined);
    await write;
  }

  /** Waits for the writes in progress. */
  async drain(): Promise<void> {
    await this.#tail;
  }

  async #write(record: ResultRecord): Promise<void> {
    for (const sink of this.#sinks) {
      try {
        await sink.write([record]);
      } catch (err) {
        const cause = toFramepipeError(err, 'ERR_SINK_WRITE');
        throw cause.code === 'ERR_SINK_WRITE' ? cause : new FramepipeError('ERR_SINK_WRITE', `sink ${sink.name} failed: ${cause.message}`, { cause: err });
      }
    }
  }
}
