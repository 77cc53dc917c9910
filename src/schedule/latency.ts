/**
 * Frame-to-result latency bookkeeping in constant memory: a fixed histogram with geometric buckets, so
 * percentiles of a run of any length cost the same and are reproducible (no random reservoir).
 */

/** Smallest distinguished latency, in ms; anything below shares the first bucket. */
export const LATENCY_MIN_MS = 0.01;
/** Ratio between consecutive bucket bounds: a percentile is within ±1% of the true sample. */
export const LATENCY_BUCKET_RATIO = 1.02;
/** Number of buckets: covers 0.01 ms to beyond a day (the last bucket is open-ended). */
export const LATENCY_BUCKETS = 1500;

/** A summary of recorded latencies, in milliseconds; nulls when nothing was recorded. */
export interface LatencySummary {
  /** Number of recorded samples. */
  count: number;
  /** Smallest sample, exact. */
  minMs: number | null;
  /** Largest sample, exact. */
  maxMs: number | null;
  /** Mean, exact. */
  meanMs: number | null;
  /** Median (nearest rank), within ±1%. */
  p50Ms: number | null;
  /** 90th percentile (nearest rank), within ±1%. */
  p90Ms: number | null;
  /** 99th percentile (nearest rank), within ±1%. */
  p99Ms: number | null;
}

const LOG_RATIO = Math.log(LATENCY_BUCKET_RATIO);

/**
 * A fixed-size latency histogram. Negative samples (a result stamped before its frame arrived: clocks from
 * two sources) count as 0.
 *
 * @example
 * ```ts
 * const h = new LatencyHistogram();
 * for (const ms of [10, 20, 30, 40, 100]) h.record(ms);
 * h.summary().p50Ms; // ≈ 30 (within 1%)
 * h.summary().maxMs; // 100
 * ```
 */
export class LatencyHistogram {
  readonly #buckets = new Float64Array(LATENCY_BUCKETS);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Adds one sample, in ms. */
  record(latencyMs: number): void {
    const ms = Number.isFinite(latencyMs) ? Math.max(0, latencyMs) : 0;
    const bucket = bucketOf(ms);
    this.#buckets[bucket] = (this.#buckets[bucket] ?? 0) + 1;
    this.#count += 1;
    this.#sum += ms;
    this.#min = Math.min(this.#min, ms);
    this.#max = Math.max(this.#max, ms);
  }

  /**
   * The sample of nearest rank ⌈p × count⌉, as the geometric middle of its bucket clamped to [min, max].
   * @param p a fraction in (0, 1], e.g. 0.99.
   */
  percentile(p: number): number | null {
    if (this.#count === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.#count));
    let seen = 0;
    for (let i = 0; i < LATENCY_BUCKETS; i += 1) {
      seen += this.#buckets[i] as number;
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, bucketMiddle(i)));
    }
    return this.#max;
  }

  /** Count, exact min/max/mean and p50/p90/p99. */
  summary(): LatencySummary {
    const empty = this.#count === 0;
    return {
      count: this.#count,
      minMs: empty ? null : this.#min,
      maxMs: empty ? null : this.#max,
      meanMs: empty ? null : this.#sum / this.#count,
      p50Ms: this.percentile(0.5),
      p90Ms: this.percentile(0.9),
      p99Ms: this.percentile(0.99),
    };
  }
}

/** Bucket 0 holds [0, MIN); bucket i ≥ 1 holds [MIN·r^(i-1), MIN·r^i). */
function bucketOf(ms: number): number {
  if (ms < LATENCY_MIN_MS) return 0;
  const i = Math.floor(Math.log(ms / LATENCY_MIN_MS) / LOG_RATIO) + 1;
  return Math.min(LATENCY_BUCKETS - 1, i);
}

function bucketMiddle(i: number): number {
  if (i === 0) return LATENCY_MIN_MS / 2;
  return LATENCY_MIN_MS * Math.pow(LATENCY_BUCKET_RATIO, i - 0.5);
}
