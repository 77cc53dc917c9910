/**
 * The tee sink: one pipeline, several destinations. Every batch goes to every sink at once; a write
 * resolves when all of them are durable and rejects when any failed (after the others finished, so a
 * healthy sink is never left half-written).
 */
import { FramepipeError } from '../core/errors.ts';
import { BaseSink } from './common.ts';
import type { ResultRecord, SearchableSink, SearchHit, Sink } from './types.ts';

/** A tee: a sink that can also search when one of its sinks can. */
export type TeeSink<Out = unknown> = BaseSink<Out> & Partial<Pick<SearchableSink<Out>, 'search'>>;

/** Runs `step` on every sink; rejects with the only failure, or one ERR_SINK_WRITE naming all of them. */
async function all<Out>(sinks: readonly Sink<Out>[], verb: string, step: (sink: Sink<Out>) => Promise<void> | undefined): Promise<void> {
  const results = await Promise.allSettled(sinks.map(async (sink) => step(sink)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ sink: sinks[i] as Sink<Out>, error: r.reason as unknown }] : []));
  if (failed.length === 0) return;
  if (failed.length === 1) throw failed[0]?.error;
  const names = failed.map((f) => `${f.sink.name}: ${(f.error as Error)?.message ?? String(f.error)}`);
  throw new FramepipeError('ERR_SINK_WRITE', `${failed.length} of ${sinks.length} sinks failed to ${verb}: ${names.join('; ')}`, {
    cause: failed[0]?.error,
    details: { sinks: failed.map((f) => f.sink.name) },
  });
}

class Tee<Out> extends BaseSink<Out> {
  readonly name: string;
  readonly #sinks: readonly Sink<Out>[];
  readonly search?: (vector: Float32Array | readonly number[], k: number) => Promise<SearchHit[]>;

  constructor(sinks: readonly Sink<Out>[]) {
    super();
    if (!Array.isArray(sinks) || sinks.length === 0) {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        'teeSink needs at least one sink; pass an array such as [jsonlSink(path), lanceSink(dir)].',
      );
    }
    this.#sinks = [...sinks];
    this.name = `tee(${sinks.map((s) => s.name).join(', ')})`;
    const searchable = sinks.find((s): s is SearchableSink<Out> => typeof (s as Partial<SearchableSink<Out>>).search === 'function');
    if (searchable) {
      this.search = async (vector, k) => {
        await this.flush();
        return searchable.search(vector, k);
      };
    }
  }

  protected async doOpen(): Promise<void> {
    await all(this.#sinks, 'open', (s) => s.open?.());
  }

  protected async doWrite(records: readonly ResultRecord<Out>[]): Promise<void> {
    await all(this.#sinks, 'write', (s) => s.write(records));
  }

  protected async doClose(): Promise<void> {
    await all(this.#sinks, 'close', (s) => s.close());
  }
}

/**
 * A sink that writes every batch to all of `sinks` in parallel, and opens and closes them together. It can
 * `search` when one of them is searchable (the first such one answers).
 *
 * @example
 * ```ts
 * await using sink = teeSink([jsonlSink('out.jsonl'), lanceSink('out.lance')]);
 * await sink.write(records);
 * ```
 */
export function teeSink<Out = unknown>(sinks: readonly Sink<Out>[]): TeeSink<Out> {
  return new Tee(sinks);
}
