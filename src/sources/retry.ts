/**
 * One retry policy for every network step (preflight, proxy, download): exponential backoff with jitter,
 * retrying only what a retry can fix (see {@link isRetriableStatus} and `FramepipeError.retriable`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { abortError, type FramepipeError, isFramepipeError } from '../core/errors.ts';
import type { RetryOptions, SourceWarning } from './types.ts';

const DEFAULT_RETRY: Required<RetryOptions> = { retries: 3, baseDelayMs: 250, maxDelayMs: 5_000 };

/** Fraction of the delay added or removed at random, so many clients do not retry in lockstep. */
export const JITTER_FRACTION = 0.2;

/**
 * The wait before retry number `attempt` (1 = first retry): `baseDelayMs · 2^(attempt-1)`, ±20% jitter,
 * never above `maxDelayMs`. Pure when `random` is given.
 *
 * @param attempt 1-based retry number; values below 1 are treated as 1.
 * @param retry the policy; missing fields take the defaults (base 250 ms, max 5000 ms).
 * @param random a source of numbers in [0, 1); `() => 0.5` gives the delay without jitter.
 * @example
 * ```ts
 * backoffDelayMs(1, { baseDelayMs: 100 }, () => 0.5); // 100
 * backoffDelayMs(3, { baseDelayMs: 100 }, () => 0.5); // 400
 * ```
 */
export function backoffDelayMs(attempt: number, retry: RetryOptions = {}, random: () => number = Math.random): number {
  const base = retry.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = retry.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Cap the exponent so 2^n stays finite for absurd attempt numbers.
  const nominal = Math.min(max, base * 2 ** Math.min(exponent, 52));
  const jitter = 1 + JITTER_FRACTION * (2 * random() - 1);
  return Math.max(0, Math.min(max, Math.round(nominal * jitter)));
}

/**
 * True for HTTP statuses where asking again can succeed: 408 (request timeout), 429 (too many requests)
 * and every 5xx. Other 4xx answers will not change on retry.
 *
 * @example
 * ```ts
 * isRetriableStatus(503); // true
 * isRetriableStatus(404); // false
 * ```
 */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** Longest total time a full retry cycle can take: every attempt timing out plus every backoff. */
export function worstCaseRetryMs(timeoutMs: number, retry: Required<RetryOptions>): number {
  let total = timeoutMs * (retry.retries + 1);
  for (let i = 1; i <= retry.retries; i++) total += backoffDelayMs(i, retry, () => 1);
  return total;
}

/** Waits `ms`, rejecting with `ERR_ABORTED` as soon as the signal fires. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}

/** What {@link withRetries} needs to know besides the operation. */
export interface RetryContext {
  retry: Required<RetryOptions>;
  signal?: AbortSignal | undefined;
  onWarning?: ((warning: SourceWarning) => void) | undefined;
  /** Named in retry warnings (already stripped of credentials). */
  displayName: string;
}

/**
 * Runs `operation` and retries it while it fails with a retriable FramepipeError, waiting
 * {@link backoffDelayMs} between attempts and emitting a `retry` warning before each.
 */
export async function withRetries<T>(ctx: RetryContext, operation: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal?.aborted) throw abortError(ctx.signal);
    try {
      return await operation(attempt);
    } catch (err) {
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      if (!isFramepipeError(err) || !err.retriable || attempt >= ctx.retry.retries) throw err;
      const delayMs = backoffDelayMs(attempt + 1, ctx.retry);
      ctx.onWarning?.(retryWarning(err, attempt + 1, delayMs, ctx.displayName));
      await sleep(delayMs, ctx.signal);
    }
  }
}

/** The warning emitted before a retry. */
export function retryWarning(err: FramepipeError, attempt: number, delayMs: number, displayName: string): SourceWarning {
  return {
    code: 'retry',
    message: `${displayName}: ${err.code} (${err.message}); retry ${attempt} in ${delayMs} ms.`,
    details: { attempt, delayMs, errorCode: err.code, ...err.details },
  };
}
