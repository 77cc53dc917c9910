/**
 * Bookkeeping behind a {@link SamplingManifest}: entries by position, skip counts by reason, and the number
 * of frames delivered. Entries stop being stored after {@link MANIFEST_ENTRY_LIMIT} so that a long or live
 * run keeps constant memory; the counts stay exact.
 */
import { FramepipeError } from '../core/errors.ts';
import type { ManifestEntry, SamplingManifest, SkipReason } from '../core/types.ts';

/** Most entries a manifest lists; later targets or frames are only counted. */
export const MANIFEST_ENTRY_LIMIT = 100_000;

/** Entries kept for open-ended plans (every frame, every N, keyframes), which list delivered frames. */
export const OPEN_PLAN_ENTRY_LIMIT = 10_000;

/**
 * Collects what happened to each target or frame of one run.
 *
 * @example
 * ```ts
 * const ledger = new ManifestLedger();
 * ledger.frameSelected();
 * ledger.record(0, { target: { kind: 'index', index: 0 }, status: 'delivered', frameIndex: 0, ptsSeconds: 0 });
 * ledger.build('every frame', null, null, 'frames').delivered; // 1
 * ```
 */
export class ManifestLedger {
  /** Entries with a position at or above this are counted but not stored. */
  readonly limit: number;
  readonly #entries: ManifestEntry[] = [];
  readonly #skipped: Partial<Record<SkipReason, number>> = {};
  #selectedFrames = 0;
  #undeliveredFrames = 0;
  #truncated = false;

  constructor(limit: number = MANIFEST_ENTRY_LIMIT) {
    this.limit = limit;
  }

  /** Stores `entry` at `position` (user order); returns it, or null when past the limit. */
  record(position: number, entry: ManifestEntry): ManifestEntry | null {
    if (position >= this.limit) {
      this.#truncated = true;
      return null;
    }
    this.#entries[position] = entry;
    return entry;
  }

  /** Notes that entries past the limit were left out. */
  markTruncated(): void {
    this.#truncated = true;
  }

  /** Counts `n` targets (or frames, for open-ended plans) not delivered for `reason`. */
  skip(reason: SkipReason, n = 1): void {
    if (n > 0) this.#skipped[reason] = (this.#skipped[reason] ?? 0) + n;
  }

  /** Counts a frame chosen by `select()`. */
  frameSelected(): void {
    this.#selectedFrames++;
  }

  /** Counts a chosen frame that was then reported undelivered. */
  frameUndelivered(): void {
    this.#undeliveredFrames++;
  }

  /** Frames chosen so far, delivered or not. */
  get selectedFrames(): number {
    return this.#selectedFrames;
  }

  /** Frames chosen and not reported undelivered. */
  get deliveredFrames(): number {
    return this.#selectedFrames - this.#undeliveredFrames;
  }

  /**
   * The manifest. When entries were left out, the plan says so (the manifest type has no other place
   * for it), e.g. "2 fps; the manifest lists only the first 100000 targets".
   */
  build(plan: string, requested: number | null, endedBy: string | null, unit: 'targets' | 'frames'): SamplingManifest {
    const note = this.#truncated ? `; the manifest lists only the first ${this.limit} ${unit}` : '';
    return {
      plan: `${plan}${note}`,
      requested,
      delivered: this.deliveredFrames,
      entries: this.#entries.filter((entry) => entry !== undefined).map((entry) => ({ ...entry })),
      skipped: { ...this.#skipped },
      endedBy,
    };
  }
}

/**
 * The error for a decode loop that misuses `markUndelivered()`: a selection that did not come from this
 * selector, or a call after `finish()`. A bug in the caller, so `ERR_INTERNAL`.
 *
 * @example
 * ```ts
 * if (!known) throw misuseError(true);
 * ```
 */
export function misuseError(unknownSelection: boolean): FramepipeError {
  const message = unknownSelection
    ? 'markUndelivered() got a Selection this selector did not return; pass the objects from select() unchanged'
    : 'markUndelivered() was called after finish(); report undelivered frames before finishing the plan';
  return new FramepipeError('ERR_INTERNAL', message);
}
