/**
 * The building blocks shared by the offline schedule and the realtime policy: the due-time grid of one
 * algorithm on the media timeline, and a bounded ring of buffered frames. Pure: no clocks, no I/O.
 */
import type { Registration } from './types.ts';

/** Two media times closer than this (in seconds) are the same instant (pts come from rational timebases). */
export const SCHEDULE_TOLERANCE_SECONDS = 1e-6;

/**
 * The highest k ≥ 0 with `anchor + k × interval ≤ t` (within the tolerance), or -1 when t is before the
 * anchor. Due times are computed as `anchor + k × interval` from the integer k, never by repeated
 * addition, so they do not drift.
 *
 * @example
 * ```ts
 * lastDueIndex(0, 1 / 3, 1); // 3: the due time 3 × (1/3) is the instant 1
 * lastDueIndex(2, 0.5, 1.9); // -1
 * ```
 */
export function lastDueIndex(anchor: number, interval: number, t: number): number {
  const limit = t + SCHEDULE_TOLERANCE_SECONDS;
  if (anchor > limit) return -1;
  let k = Math.floor((limit - anchor) / interval);
  while (anchor + (k + 1) * interval <= limit) k += 1;
  while (k > 0 && anchor + k * interval > limit) k -= 1;
  return k;
}

/** Why a reached due time has not fired yet. */
export type Blocker = 'warming-up' | 'busy';

/** A due time that has been reached but not served. */
export interface Pending {
  /** Its number on the grid. */
  k: number;
  /** `anchor + k × interval`. */
  dueSeconds: number;
  /** Sequence number (in buffer order) of the frame at which it was reached. */
  seq: number;
  /** What held it back at the latest frame. */
  blockedBy: Blocker;
}

/** What one frame did to one algorithm's grid. */
export interface Advance {
  /** The due time to fire now, with a window ending at this frame, or null. */
  fire: { k: number; dueSeconds: number } | null;
  /** Due times given up: superseded pending ones (their blocker) and jumped-over ones (`skipped`). */
  drops: { cause: Blocker | 'skipped'; count: number; dueSeconds: number }[];
}

/**
 * The due-time grid of one registration: `anchor + k × intervalSeconds` for k = 0, 1, 2 …
 * A due time is reached by the first frame at or after it; it fires at the first frame (from that one on)
 * where nothing blocks it, with the window ending at that frame. When a later due time is reached before
 * it fired, it is dropped with its blocker as the cause; due times a single frame jumps over are `skipped`.
 *
 * @example
 * ```ts
 * const timer = new DueTimer({ name: 'a', frameCount: 1, frameStep: 1, intervalSeconds: 1 }, 0);
 * timer.advance(0, 0, null).fire;    // { k: 0, dueSeconds: 0 }
 * timer.advance(3.2, 1, null).drops; // [{ cause: 'skipped', count: 2, dueSeconds: 1 }]
 * ```
 */
export class DueTimer {
  readonly registration: Registration;
  #anchor: number | null;
  #nextK = 0;
  #pending: Pending | null = null;

  /** @param anchor the first due time; null to take the pts of the first frame advanced. */
  constructor(registration: Registration, anchor: number | null) {
    this.registration = registration;
    this.#anchor = anchor;
  }

  /** The reached but unserved due time, if any. */
  get pending(): Readonly<Pending> | null {
    return this.#pending;
  }

  /** The due time following the last one reached, in seconds, or null before the first frame. */
  get nextDueSeconds(): number | null {
    return this.#anchor === null ? null : this.#dueAt(this.#nextK);
  }

  /**
   * Moves the grid to a frame at `ptsSeconds` (buffer sequence number `seq`) and decides.
   * @param blocked what prevents firing at this frame, or null when the algorithm could run now.
   */
  advance(ptsSeconds: number, seq: number, blocked: Blocker | null): Advance {
    this.#anchor ??= ptsSeconds;
    const drops: Advance['drops'] = [];
    const kLast = lastDueIndex(this.#anchor, this.registration.intervalSeconds, ptsSeconds);
    if (kLast >= this.#nextK) {
      if (this.#pending !== null) drops.push(this.#dropPending());
      if (kLast > this.#nextK) {
        drops.push({ cause: 'skipped', count: kLast - this.#nextK, dueSeconds: this.#dueAt(this.#nextK) });
      }
      this.#pending = { k: kLast, dueSeconds: this.#dueAt(kLast), seq, blockedBy: 'warming-up' };
      this.#nextK = kLast + 1;
    }
    const pending = this.#pending;
    if (pending === null) return { fire: null, drops };
    if (blocked !== null) {
      pending.blockedBy = blocked;
      return { fire: null, drops };
    }
    this.#pending = null;
    return { fire: { k: pending.k, dueSeconds: pending.dueSeconds }, drops };
  }

  /** Gives up the pending due time, if any, with `cause` (default: its blocker). */
  dropPending(cause?: Blocker | 'evicted'): { cause: Blocker | 'evicted'; count: number; dueSeconds: number } | null {
    if (this.#pending === null) return null;
    const drop = this.#dropPending();
    return cause === undefined ? drop : { ...drop, cause };
  }

  #dropPending(): { cause: Blocker; count: number; dueSeconds: number } {
    const pending = this.#pending as Pending;
    this.#pending = null;
    return { cause: pending.blockedBy, count: 1, dueSeconds: pending.dueSeconds };
  }

  #dueAt(k: number): number {
    return (this.#anchor as number) + k * this.registration.intervalSeconds;
  }
}

/**
 * A bounded ring addressed by sequence number (0 for the first item ever pushed); pushing into a full ring
 * drops the oldest item and returns it.
 *
 * @example
 * ```ts
 * const ring = new FrameRing<string>(2);
 * ring.push('a'); ring.push('b');
 * ring.push('c');  // { seq: 0, item: 'a' } was dropped
 * ring.at(1);      // 'b'
 * ```
 */
export class FrameRing<T> {
  readonly capacity: number;
  readonly #items: (T | undefined)[];
  #next = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Sequence number the next push gets; also the number of items ever pushed. */
  get nextSeq(): number {
    return this.#next;
  }

  /** Sequence number of the oldest item still held. */
  get oldestSeq(): number {
    return Math.max(0, this.#next - this.capacity);
  }

  /** Adds an item; returns the one dropped to make room, if any. */
  push(item: T): { seq: number; item: T } | null {
    const slot = this.#next % this.capacity;
    const dropped = this.#next >= this.capacity ? { seq: this.#next - this.capacity, item: this.#items[slot] as T } : null;
    this.#items[slot] = item;
    this.#next += 1;
    return dropped;
  }

  /** The item with sequence number `seq`, or undefined when it was dropped or not pushed yet. */
  at(seq: number): T | undefined {
    if (seq < this.oldestSeq || seq >= this.#next) return undefined;
    return this.#items[seq % this.capacity];
  }
}

/**
 * Sequence numbers of the window of `reg` ending at `lastSeq`, oldest first, or null when the ring has not
 * received enough frames yet (the window would start before the first frame).
 *
 * @example
 * ```ts
 * windowSeqs({ frameCount: 3, frameStep: 2 }, 10); // [6, 8, 10]
 * windowSeqs({ frameCount: 3, frameStep: 2 }, 3);  // null
 * ```
 */
export function windowSeqs(reg: Pick<Registration, 'frameCount' | 'frameStep'>, lastSeq: number): number[] | null {
  const first = lastSeq - (reg.frameCount - 1) * reg.frameStep;
  if (first < 0) return null;
  return Array.from({ length: reg.frameCount }, (_, i) => first + i * reg.frameStep);
}
