/**
 * The callback sink: hands each batch to a function of yours and waits for it, so a slow callback slows the
 * run instead of piling batches up in memory.
 */
import { BaseSink } from './common.ts';
import type { ResultRecord } from './types.ts';

/** Receives one batch of records; the run waits for the returned promise. */
export type ResultCallback<Out = unknown> = (records: readonly ResultRecord<Out>[]) => void | Promise<void>;

/** Options of {@link callbackSink}. */
export interface CallbackSinkOptions {
  /** Name used in messages. Default `callback:<function name>` (`callback:anonymous` for arrow functions). */
  name?: string;
}

class CallbackSink<Out> extends BaseSink<Out> {
  readonly name: string;
  readonly #fn: ResultCallback<Out>;

  constructor(fn: ResultCallback<Out>, options: CallbackSinkOptions) {
    super();
    this.#fn = fn;
    this.name = options.name ?? `callback:${fn.name || 'anonymous'}`;
  }

  protected async doOpen(): Promise<void> {}

  protected async doWrite(records: readonly ResultRecord<Out>[]): Promise<void> {
    await this.#fn(records);
  }

  protected async doClose(): Promise<void> {}
}

/**
 * A sink that calls `fn(records)` once per batch and awaits it. It stores nothing, so it does not skip keys
 * seen before: a re-run calls `fn` with the same records again. A throw from `fn` rejects the write as is.
 *
 * @example
 * ```ts
 * const rows: ResultRecord[] = [];
 * const sink = callbackSink(async (records) => { rows.push(...records); });
 * ```
 */
export function callbackSink<Out = unknown>(fn: ResultCallback<Out>, options: CallbackSinkOptions = {}): BaseSink<Out> {
  return new CallbackSink(fn, options);
}
