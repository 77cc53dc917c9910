/**
 * The selector of explicit plans (fps, count, at): each target resolves to one frame, several targets may
 * share a frame, and every target ends in the manifest as delivered or skipped with a reason.
 */
import type { ManifestEntry, SamplingManifest, SkipReason } from '../core/types.ts';
import { ManifestLedger, misuseError } from './manifest.ts';
import type { PlannedTarget, TargetPlan, TargetQueue } from './targets.ts';
import { targetSeconds } from './targets.ts';
import type { SamplingRange } from './time.ts';
import { inRange, isBefore, lastFrameDisplayedUntil, pastRange } from './time.ts';
import type { FrameRef, Selection, Selector, Timeline } from './types.ts';

/** What a returned selection stands for, kept so that `markUndelivered` can find its targets. */
interface Resolution {
  entries: (ManifestEntry | null)[];
  undelivered: boolean;
}

/** Everything a {@link TargetSelector} is built from. */
export interface TargetSelectorInit {
  plan: string;
  range: SamplingRange;
  timeline: Timeline;
  targets: TargetPlan;
  maxFrames: number | null;
}

/**
 * Resolves ascending targets to frames as runs arrive. A time target resolves to the frame displayed at
 * it (the last in-range frame with pts ≤ t, shown until the next frame's pts), or, when that frame was
 * not seen, to the first in-range frame after it; an index target resolves to the frame with that index.
 *
 * @example
 * ```ts
 * const selector = createSelector({ fps: 1 }, timeline); // see selector.ts
 * for (const selection of selector.select(gop, nextPts)) deliver(gop[selection.position]);
 * ```
 */
export class TargetSelector implements Selector {
  readonly keyframesOnly = false;
  readonly requested: number | null;
  readonly #plan: string;
  readonly #range: SamplingRange;
  readonly #timeline: Timeline;
  readonly #queue: TargetQueue;
  readonly #maxFrames: number | null;
  readonly #ledger = new ManifestLedger();
  readonly #resolutions = new WeakMap<Selection, Resolution>();
  #positionSeconds: number | null = null;
  #ended = false;
  #capHit = false;
  #manifest: SamplingManifest | null = null;

  constructor(init: TargetSelectorInit) {
    this.#plan = init.plan;
    this.#range = init.range;
    this.#timeline = init.timeline;
    this.#queue = init.targets.queue;
    this.#maxFrames = init.maxFrames;
    this.requested = init.targets.requested;
    for (const { planned, detail } of init.targets.rejected) this.#skipTarget(planned, 'beyond-end', detail);
  }

  select(frames: readonly FrameRef[], nextPtsSeconds: number | null): Selection[] {
    if (this.#manifest !== null || this.#ended) return [];
    const selections: Selection[] = [];
    for (let position = 0; position < frames.length && this.#nextPending() !== null; position++) {
      const frame = frames[position] as FrameRef;
      if (pastRange(this.#range, frame.ptsSeconds)) return this.#endOfRange(selections);
      if (!inRange(this.#range, frame.ptsSeconds)) continue;
      const until = frames[position + 1]?.ptsSeconds ?? nextPtsSeconds;
      const shownUntil = until ?? lastFrameDisplayedUntil(this.#range, frame.ptsSeconds);
      if (!this.#resolvesTo(frame, shownUntil)) continue;
      if (this.#capReached()) {
        this.#capHit = true;
        break;
      }
      selections.push(this.#take(frame, shownUntil, position));
    }
    this.#positionSeconds = nextPtsSeconds ?? this.#positionSeconds;
    if (nextPtsSeconds === null || pastRange(this.#range, nextPtsSeconds)) this.#endOfRange(selections);
    return selections;
  }

  nextNeededSeconds(): number | null {
    const next = this.isDone() ? null : this.#nextPending();
    if (next === null) return null;
    const seconds = targetSeconds(next.target, this.#timeline);
    // A pending target behind the position resolves to the next frame to arrive.
    return this.#positionSeconds === null ? seconds : Math.max(seconds, this.#positionSeconds);
  }

  isDone(): boolean {
    return this.#manifest !== null || this.#ended || this.#capReached() || this.#nextPending() === null;
  }

  markUndelivered(selection: Selection, reason: SkipReason, detail?: string): void {
    const resolution = this.#resolutions.get(selection);
    if (resolution === undefined || this.#manifest !== null) throw misuseError(resolution === undefined);
    if (resolution.undelivered) return;
    resolution.undelivered = true;
    this.#ledger.frameUndelivered();
    this.#ledger.skip(reason, resolution.entries.length);
    for (const entry of resolution.entries) {
      if (entry === null) continue;
      entry.status = reason;
      if (detail !== undefined) entry.detail = detail;
    }
  }

  finish(reason: SkipReason, endedBy: string | null = null): SamplingManifest {
    if (this.#manifest !== null) return this.#manifest;
    this.#nextPending(); // targets past the range end stay beyond-end even when the cap stopped the run
    if (this.#capHit || this.#capReached()) this.#skipRemaining('max-frames', `maxFrames (${this.#maxFrames}) reached`);
    else this.#skipRemaining(reason, endedBy ?? undefined);
    this.#manifest = this.#ledger.build(this.#plan, this.requested, endedBy, 'targets');
    return this.#manifest;
  }

  /** The next target to resolve; a time target at or after the range end closes the plan instead. */
  #nextPending(): PlannedTarget | null {
    const next = this.#queue.peek();
    if (next === null || next.target.kind !== 'time') return next;
    if (isBefore(next.target.seconds, this.#range.targetEndSeconds)) return next;
    this.#skipRemaining('beyond-end', 'at or after the range end');
    return null;
  }

  #resolvesTo(frame: FrameRef, shownUntil: number): boolean {
    const next = this.#nextPending();
    if (next === null) return false;
    if (next.target.kind === 'index') return next.target.index <= frame.index;
    return isBefore(next.target.seconds, shownUntil);
  }

  /** Takes every pending target that resolves to `frame` and makes one selection of them. */
  #take(frame: FrameRef, shownUntil: number, position: number): Selection {
    const selection: Selection = { position, targets: [] };
    const entries: (ManifestEntry | null)[] = [];
    while (this.#resolvesTo(frame, shownUntil)) {
      const planned = this.#queue.shift() as PlannedTarget;
      selection.targets.push(planned.target);
      const entry: ManifestEntry = { target: planned.target, status: 'delivered', frameIndex: frame.index, ptsSeconds: frame.ptsSeconds };
      entries.push(this.#ledger.record(planned.order, entry));
    }
    this.#ledger.frameSelected();
    this.#capHit = false; // a slot was free after all (an undelivered frame released it)
    this.#resolutions.set(selection, { entries, undelivered: false });
    return selection;
  }

  /** No in-range frame follows: what is still pending lies beyond the last frame (unless the cap stopped us). */
  #endOfRange(selections: Selection[]): Selection[] {
    this.#ended = true;
    if (!this.#capHit && !this.#capReached()) this.#skipRemaining('beyond-end', 'no frame is displayed at this time');
    return selections;
  }

  #capReached(): boolean {
    return this.#maxFrames !== null && this.#ledger.deliveredFrames >= this.#maxFrames;
  }

  #skipTarget(planned: PlannedTarget, reason: SkipReason, detail: string | undefined): void {
    const entry: ManifestEntry = { target: planned.target, status: reason };
    if (detail !== undefined) entry.detail = detail;
    this.#ledger.record(planned.order, entry);
    this.#ledger.skip(reason);
  }

  /**
   * Gives every remaining target `reason`. Targets past the entry limit are only counted; an unbounded
   * plan (fps on a live source) has no countable remainder, so nothing is listed for it.
   */
  #skipRemaining(reason: SkipReason, detail: string | undefined): void {
    for (let next = this.#queue.peek(); next !== null; next = this.#queue.peek()) {
      const remaining = this.#queue.remaining();
      if (remaining === null) break;
      if (next.order >= this.#ledger.limit) {
        this.#ledger.skip(reason, remaining);
        this.#ledger.markTruncated();
        break;
      }
      this.#queue.shift();
      this.#skipTarget(next, reason, detail);
    }
    this.#queue.clear();
  }
}
