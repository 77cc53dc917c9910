/**
 * The selector of open-ended plans: every frame, every Nth frame, keyframes, and the first N frames.
 * Nothing is requested up front, so the manifest lists the frames as they are chosen.
 */
import type { ManifestEntry, SamplingManifest, SkipReason } from '../core/types.ts';
import { ManifestLedger, OPEN_PLAN_ENTRY_LIMIT, misuseError } from './manifest.ts';
import type { SamplingRange } from './time.ts';
import { inRange, isBefore, pastRange } from './time.ts';
import type { FrameRef, Selection, Selector, Timeline } from './types.ts';

/** Which frames of the range an open-ended plan takes. */
export type OpenMode =
  | { kind: 'all' }
  | { kind: 'every'; n: number }
  | { kind: 'keyframes' }
  | { kind: 'first'; n: number };

/** Everything an {@link OpenSelector} is built from. */
export interface OpenSelectorInit {
  plan: string;
  mode: OpenMode;
  range: SamplingRange;
  timeline: Timeline;
  /** Frame rate when the timeline is constant-frame-rate (indices then follow from times), else null. */
  cfrFps: number | null;
  maxFrames: number | null;
}

interface Chosen {
  entry: ManifestEntry | null;
  undelivered: boolean;
}

/**
 * Chooses frames of the range as they arrive. `every` counts k from the first frame of the range: by
 * frame index on a constant-frame-rate timeline (so the decoder may seek between chosen frames), else by
 * frames seen (so it must not).
 *
 * @example
 * ```ts
 * const selector = createSelector({ every: 30 }, timeline); // see selector.ts
 * selector.select(gop, nextPts).map((s) => gop[s.position]);
 * ```
 */
export class OpenSelector implements Selector {
  readonly keyframesOnly: boolean;
  readonly requested: number | null;
  readonly #init: OpenSelectorInit;
  // Open-ended plans list delivered frames only as a sample: memory must stay flat over hours of video.
  readonly #ledger = new ManifestLedger(OPEN_PLAN_ENTRY_LIMIT);
  readonly #chosen = new WeakMap<Selection, Chosen>();
  #seenInRange = 0;
  #firstIndex: number | null = null;
  #lastIndex: number | null = null;
  #positionSeconds: number | null = null;
  #ended = false;
  #capHit = false;
  #manifest: SamplingManifest | null = null;

  constructor(init: OpenSelectorInit) {
    this.#init = init;
    this.keyframesOnly = init.mode.kind === 'keyframes';
    this.requested = init.mode.kind === 'first' ? init.mode.n : null;
  }

  select(frames: readonly FrameRef[], nextPtsSeconds: number | null): Selection[] {
    if (this.isDone()) return [];
    const selections: Selection[] = [];
    for (let position = 0; position < frames.length && !this.#quotaFilled(); position++) {
      const frame = frames[position] as FrameRef;
      if (pastRange(this.#init.range, frame.ptsSeconds)) {
        this.#ended = true;
        return selections;
      }
      if (!inRange(this.#init.range, frame.ptsSeconds)) continue;
      if (this.#capReached()) {
        this.#capHit = true;
        break;
      }
      if (this.#wants(frame)) selections.push(this.#take(frame, position));
    }
    this.#positionSeconds = nextPtsSeconds ?? this.#positionSeconds;
    if (nextPtsSeconds === null || pastRange(this.#init.range, nextPtsSeconds)) this.#ended = true;
    return selections;
  }

  nextNeededSeconds(): number | null {
    if (this.isDone()) return null;
    const floor = Math.max(this.#init.range.startSeconds, this.#positionSeconds ?? Number.NEGATIVE_INFINITY);
    const everySeconds = this.#nextEverySeconds();
    return everySeconds === null ? floor : Math.max(floor, everySeconds);
  }

  isDone(): boolean {
    if (this.#manifest !== null || this.#ended || this.#quotaFilled() || this.#capReached()) return true;
    const everySeconds = this.#nextEverySeconds();
    return everySeconds !== null && !isBefore(everySeconds, this.#init.range.endSeconds);
  }

  markUndelivered(selection: Selection, reason: SkipReason, detail?: string): void {
    const chosen = this.#chosen.get(selection);
    if (chosen === undefined || this.#manifest !== null) throw misuseError(chosen === undefined);
    if (chosen.undelivered) return;
    chosen.undelivered = true;
    this.#ledger.frameUndelivered();
    this.#ledger.skip(reason);
    if (chosen.entry === null) return;
    chosen.entry.status = reason;
    if (detail !== undefined) chosen.entry.detail = detail;
  }

  finish(reason: SkipReason, endedBy: string | null = null): SamplingManifest {
    if (this.#manifest !== null) return this.#manifest;
    const mode = this.#init.mode;
    if (mode.kind === 'first') {
      // The shortfall of `first` has no frames to list, so it is only counted.
      const capped = this.#capHit || this.#capReached();
      this.#ledger.skip(capped ? 'max-frames' : reason, mode.n - this.#ledger.selectedFrames);
    }
    this.#manifest = this.#ledger.build(this.#init.plan, this.requested, endedBy, 'frames');
    return this.#manifest;
  }

  #wants(frame: FrameRef): boolean {
    this.#firstIndex ??= frame.index;
    this.#lastIndex = frame.index;
    const ordinal = this.#seenInRange++;
    const mode = this.#init.mode;
    switch (mode.kind) {
      case 'all':
        return true;
      case 'keyframes':
        return frame.keyframe;
      case 'first':
        return ordinal < mode.n;
      case 'every': {
        const k = this.#init.cfrFps === null ? ordinal : frame.index - this.#firstIndex;
        return k % mode.n === 0;
      }
    }
  }

  #take(frame: FrameRef, position: number): Selection {
    const selection: Selection = { position, targets: [] };
    const target = { kind: 'index', index: frame.index } as const;
    const entry: ManifestEntry = { target, status: 'delivered', frameIndex: frame.index, ptsSeconds: frame.ptsSeconds };
    this.#chosen.set(selection, { entry: this.#ledger.record(this.#ledger.selectedFrames, entry), undelivered: false });
    this.#ledger.frameSelected();
    this.#capHit = false; // a slot was free after all (an undelivered frame released it)
    return selection;
  }

  /**
   * On a constant-frame-rate timeline, the time of the next index `every` takes, so the decoder may seek
   * past the frames in between; null when the position of the next chosen frame is not known that way.
   */
  #nextEverySeconds(): number | null {
    const { mode, cfrFps, timeline } = this.#init;
    if (mode.kind !== 'every' || cfrFps === null || this.#firstIndex === null || this.#lastIndex === null) return null;
    const offset = this.#lastIndex + 1 - this.#firstIndex;
    const nextIndex = this.#firstIndex + Math.ceil(offset / mode.n) * mode.n;
    return timeline.startSeconds + nextIndex / cfrFps;
  }

  #quotaFilled(): boolean {
    return this.#init.mode.kind === 'first' && this.#seenInRange >= this.#init.mode.n;
  }

  #capReached(): boolean {
    return this.#init.maxFrames !== null && this.#ledger.deliveredFrames >= this.#init.maxFrames;
  }
}
