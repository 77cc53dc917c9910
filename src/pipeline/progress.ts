/**
 * Progress for extractions: the lit_video_stream hook (`reset(total)` / `update(current)`, so its CLI and web
 * examples work unchanged, with `total` the frames that will actually be processed) plus richer events, an
 * HTTP reporter and an async iterator of events.
 */
import type { SerializedError } from '../core/errors.ts';
import type { DecodeStats, SamplingManifest, VideoInfo } from '../core/types.ts';

/** The seed's progress-bar hook. `total` = frames that will be processed (known so far); `current` = processed. */
export interface ProgressHook {
  reset(total: number): void;
  update(current: number): void;
}

/** Per-source counters carried by {@link ExtractEvent}s. */
export interface SourceProgress {
  /** Frames the plan will deliver, when known in advance. */
  planned: number | null;
  /** Frames delivered by the decoder so far. */
  sampled: number;
  /** Frames the model has processed so far. */
  inferred: number;
}

/** What happens during an extraction, in order. */
export type ExtractEvent =
  | { type: 'source-opened'; source: string; info: VideoInfo; planned: number | null }
  | { type: 'batch-done'; frames: number; modelMs: number; processed: number; total: number | null; framesPerSecond: number; etaSeconds: number | null; sources: Record<string, SourceProgress> }
  | { type: 'source-done'; source: string; delivered: number; manifest: SamplingManifest | null; stats: DecodeStats | null }
  | { type: 'source-failed'; source: string; error: SerializedError }
  | { type: 'finished'; processed: number; seconds: number; framesPerSecond: number };

/** Receives {@link ExtractEvent}s. */
export type ExtractListener = (event: ExtractEvent) => void;

/**
 * Posts progress to an HTTP endpoint, like the seed's web example: `{ total_frames }` on reset and
 * `{ current_frame }` on update, at most once per `intervalMs` (the last update is always sent).
 * Failures are reported to `onError` and never stop the extraction.
 *
 * @example
 * ```ts
 * await extract({ sources, model, progress: httpProgress('http://localhost:8080/progress') });
 * ```
 */
export function httpProgress(url: string, options: { intervalMs?: number; onError?: (err: unknown) => void; timeoutMs?: number } = {}): ProgressHook & { flush(): Promise<void> } {
  const interval = options.intervalMs ?? 500;
  let last = 0;
  let pending: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  const inflight = new Set<Promise<void>>();
  const post = (body: Record<string, number>) => {
    const p = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(options.timeoutMs ?? 5000) })
      .then(async (r) => void (await r.arrayBuffer()))
      .catch((err) => options.onError?.(err))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const sendPending = () => {
    timer = null;
    if (pending === null) return;
    last = Date.now();
    post({ current_frame: pending });
    pending = null;
  };
  return {
    reset: (total) => post({ total_frames: total }),
    update(current) {
      pending = current;
      if (Date.now() - last >= interval) sendPending();
      else timer ??= setTimeout(sendPending, interval - (Date.now() - last));
    },
    async flush() {
      if (timer) clearTimeout(timer);
      sendPending();
      await Promise.all([...inflight]);
    },
  };
}

/**
 * An async iterator over extraction events: pass `listener` to `extract` and iterate `events`.
 * The iterator ends after the `finished` event (or when `close()` is called).
 *
 * @example
 * ```ts
 * const progress = progressEvents();
 * const run = extract({ sources, model, onEvent: progress.listener });
 * for await (const event of progress.events) console.log(event.type);
 * await run;
 * ```
 */
export function progressEvents(limit = 10_000): { listener: ExtractListener; events: AsyncIterable<ExtractEvent>; close(): void } {
  const queue: ExtractEvent[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  const listener: ExtractListener = (event) => {
    // Keep memory bounded if nobody iterates: the oldest events are dropped first.
    if (queue.length >= limit) queue.shift();
    queue.push(event);
    if (event.type === 'finished') done = true;
    wake?.();
  };
  async function* events(): AsyncGenerator<ExtractEvent> {
    for (;;) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  }
  return {
    listener,
    events: events(),
    close() {
      done = true;
      wake?.();
    },
  };
}
