/**
 * The webhook sink: POSTs `{ "records": [...] }` per batch (split into `batchSize` chunks), retrying only
 * what a retry can fix (network errors, timeouts, 5xx, 408, 429) with capped exponential backoff and jitter.
 * Each request carries an `Idempotency-Key` derived from its record keys, so a receiver can drop the
 * duplicates that retries and re-runs send.
 */
import { createHash } from 'node:crypto';
import { FramepipeError } from '../core/errors.ts';
import { BaseSink, checkInteger, plainRecord, redactUrl, toJson } from './common.ts';
import type { ResultRecord } from './types.ts';

/** When and how often a failed request is repeated. */
export interface WebhookRetryOptions {
  /** Repeats after the first attempt (0 = no retry). Default 3. */
  retries?: number;
  /** Delay before the first retry, ms; doubled each retry, with jitter. Default 250. */
  baseDelayMs?: number;
  /** Upper bound of one delay (also of a server's `Retry-After`), ms. Default 5000. */
  maxDelayMs?: number;
}

/** Options of {@link webhookSink}. */
export interface WebhookSinkOptions {
  /** Extra request headers (e.g. `Authorization`). Default none. */
  headers?: Record<string, string>;
  /** Most records per request; a larger batch is sent as several requests, in order. Default 100. */
  batchSize?: number;
  /** Limit of one attempt (connect, send, response and its body), ms. Default 10000. */
  timeoutMs?: number;
  /** Retry policy. Default `{ retries: 3, baseDelayMs: 250, maxDelayMs: 5000 }`. */
  retry?: WebhookRetryOptions;
}

/** What one attempt ended with. */
type Attempt = { ok: true } | { ok: false; retriable: boolean; status?: number; cause?: unknown; reason: string; retryAfterMs?: number };

const RETRIABLE_STATUS = new Set([408, 429]);

/**
 * The `Idempotency-Key` header for a request: the SHA-256 (hex) of its record keys joined by newlines, so
 * the same records always give the same value.
 *
 * @example
 * ```ts
 * idempotencyKey(['a', 'b']) === idempotencyKey(['a', 'b']); // true
 * ```
 */
export function idempotencyKey(keys: readonly string[]): string {
  return createHash('sha256').update(keys.join('\n')).digest('hex');
}

/** The delay before retry number `retry` (1-based): half fixed, half random, capped. */
function backoffMs(retry: number, baseDelayMs: number, maxDelayMs: number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return cap / 2 + Math.random() * (cap / 2);
}

/** `Retry-After` as ms (seconds or an HTTP date), or undefined. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Header names lower-cased (so ours cannot end up twice under another case); invalid ones are refused. */
function checkHeaders(headers: Record<string, string>): Record<string, string> {
  try {
    return Object.fromEntries(new Headers(headers).entries());
  } catch (err) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `headers has an invalid name or value (${(err as Error).message}); pass { name: value } strings without line breaks.`,
      {
        cause: err,
        details: { option: 'headers' },
      },
    );
  }
}

class WebhookSink extends BaseSink {
  readonly name: string;
  readonly #url: string;
  readonly #shownUrl: string;
  readonly #headers: Record<string, string>;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;

  constructor(url: string, options: WebhookSinkOptions) {
    super();
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `webhookSink needs an http:// or https:// URL, got ${JSON.stringify(redactUrl(String(url)))}.`,
        { details: { url: redactUrl(String(url)) } },
      );
    }
    this.#url = parsed.href;
    this.#shownUrl = redactUrl(parsed.href);
    this.name = `webhook:${this.#shownUrl}`;
    this.#headers = checkHeaders(options.headers ?? {});
    this.#batchSize = checkInteger('batchSize', options.batchSize ?? 100, 1);
    this.#timeoutMs = checkInteger('timeoutMs', options.timeoutMs ?? 10_000, 1);
    this.#retries = checkInteger('retry.retries', options.retry?.retries ?? 3, 0);
    this.#baseDelayMs = checkInteger('retry.baseDelayMs', options.retry?.baseDelayMs ?? 250, 0);
    this.#maxDelayMs = checkInteger('retry.maxDelayMs', options.retry?.maxDelayMs ?? 5000, 0);
  }

  protected async doOpen(): Promise<void> {}

  protected async doWrite(records: readonly ResultRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += this.#batchSize) {
      await this.#send(records.slice(start, start + this.#batchSize));
    }
  }

  protected async doClose(): Promise<void> {}

  /** Sends one chunk, retrying as the policy allows. */
  async #send(records: readonly ResultRecord[]): Promise<void> {
    const body = toJson({ records: records.map(plainRecord) });
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'framepipe',
      ...this.#headers,
      'idempotency-key': idempotencyKey(records.map((r) => r.key)),
    };
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.#attempt(body, headers);
      if (result.ok) return;
      if (!result.retriable || attempt > this.#retries) throw this.#failure(result, attempt, records.length);
      const delay = Math.min(this.#maxDelayMs, result.retryAfterMs ?? backoffMs(attempt, this.#baseDelayMs, this.#maxDelayMs));
      await new Promise((done) => setTimeout(done, delay));
    }
  }

  async #attempt(body: string, headers: Record<string, string>): Promise<Attempt> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const res = await fetch(this.#url, { method: 'POST', body, headers, signal, redirect: 'follow' });
      // Read the body under the same timeout: a server that sends headers and then stalls must not hang us.
      const text = await res.text();
      if (res.ok) return { ok: true };
      const retriable = res.status >= 500 || RETRIABLE_STATUS.has(res.status);
      return {
        ok: false,
        retriable,
        status: res.status,
        reason: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
      };
    } catch (err) {
      const timedOut = signal.aborted;
      const cause = (err as Error & { cause?: Error }).cause ?? err;
      const reason = timedOut ? `no answer within ${this.#timeoutMs} ms` : ((cause as Error)?.message ?? String(cause));
      return { ok: false, retriable: true, cause: timedOut ? 'timeout' : ((cause as NodeJS.ErrnoException)?.code ?? reason), reason };
    }
  }

  #failure(result: Extract<Attempt, { ok: false }>, attempts: number, count: number): FramepipeError {
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    const fix = result.retriable
      ? 'check that the receiver is up and reachable, or raise timeoutMs / retry.retries'
      : 'the receiver rejected the request; check the URL, headers and payload it expects';
    const message = `Webhook ${this.#shownUrl} did not accept ${count} records after ${tries} (${result.reason}); ${fix}.`;
    const details: Record<string, unknown> = { url: this.#shownUrl, attempts };
    if (result.status !== undefined) details.status = result.status;
    if (result.cause !== undefined) details.cause = result.cause;
    return new FramepipeError('ERR_SINK_WRITE', message, { retriable: result.retriable, details });
  }
}

/**
 * A sink that POSTs each batch as JSON `{ "records": [{ key, source, index, ptsSeconds, decodedAtMs, model,
 * output }] }` to `url`. `write` resolves once the receiver answered 2xx for every chunk. Network errors,
 * timeouts, 5xx, 408 and 429 are retried; other statuses fail at once with ERR_SINK_WRITE.
 *
 * @example
 * ```ts
 * const sink = webhookSink('https://example.com/hooks/frames', { headers: { authorization: 'Bearer …' }, batchSize: 50 });
 * await sink.write(records);
 * await sink.close();
 * ```
 */
export function webhookSink(url: string, options: WebhookSinkOptions = {}): BaseSink {
  return new WebhookSink(url, options);
}
