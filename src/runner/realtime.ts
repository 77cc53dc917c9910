/**
 * Realtime mode: playback never waits for inference. Files play at their own pace (`speed` × real time),
 * live sources as frames arrive. Each played frame enters the bounded buffer; an algorithm that is due and
 * free is started on the latest window without being awaited, and what it cannot keep up with is dropped
 * and counted by cause (`src/schedule/realtime.ts` decides). Memory is bounded by the buffer plus one
 * window per running algorithm, however slow the algorithms are.
 */
import type { Frame } from '../core/types.ts';
import { createRealtimePolicy, type Due, SCHEDULE_TOLERANCE_SECONDS } from '../schedule/index.ts';
import type { RunContext } from './context.ts';
import type { LoopOptions } from './offline.ts';

/** Realtime options (validated by the pipeline). */
export interface RealtimeLoopOptions extends LoopOptions {
  /** Live sources play as frames arrive; files are paced. */
  live: boolean;
  /** Playback speed for files. */
  speed: number;
  /** Frames later than this are dropped (counted in `framesSkipped.late`); undefined: none. */
  maxLatenessMs?: number;
  /** How long to wait for running algorithms when the run ends, ms. */
  drainTimeoutMs: number;
}

/** Plays `frames` in realtime; returns the number of calls fired per algorithm. */
export async function runRealtime(ctx: RunContext, frames: AsyncIterable<Frame>, options: RealtimeLoopOptions): Promise<Map<string, number>> {
  const policy = ctx.algorithms.length === 0 ? null : createRealtimePolicy(ctx.algorithms.map((a) => a.registration), { bufferFrames: options.bufferFrames, startSeconds: options.startSeconds });
  const byName = new Map(ctx.algorithms.map((a) => [a.name, a]));
  const inFlight = new Set<Promise<void>>();
  const clock = new PlaybackClock(options.speed);
  const ticks = options.targetFps === undefined ? null : new TickSelector(options.targetFps, options.startSeconds);
  const start = options.startSeconds;

  const launch = (due: Due, arrivalMs: number): void => {
    const alg = byName.get(due.algorithm);
    if (!alg) return;
    const position = { index: due.position.index, ptsSeconds: due.position.ptsSeconds, wallclockMs: arrivalMs, dueSeconds: due.dueSeconds, frames: due.frames };
    const window = ctx.store.window(due.frames);
    const task = ctx.runWindow(alg, window, position, arrivalMs)
      .catch((err: unknown) => ctx.fail(err))
      .finally(() => {
        policy?.complete(alg.name, Date.now());
        inFlight.delete(task);
      });
    inFlight.add(task);
  };

  for await (const frame of frames) {
    ctx.framesDecoded += 1;
    if (ctx.state.ending || ctx.failure) break;
    if (ctx.state.paused) {
      if (options.live) {
        ctx.skipped.paused += 1;
        continue;
      }
      await resumeAfterPause(ctx, clock);
      if (ctx.state.ending) break;
    }
    if (start !== undefined && frame.ptsSeconds < start - SCHEDULE_TOLERANCE_SECONDS) {
      ctx.skipped.beforeStart += 1;
      continue;
    }
    if (ticks && !ticks.keep(frame.ptsSeconds)) {
      ctx.skipped.targetFps += 1;
      continue;
    }
    let arrivalMs = frame.decodedAtMs;
    if (!options.live) {
      const dueMs = clock.dueMs(frame.ptsSeconds);
      if (!(await waitUntil(ctx, clock, dueMs))) break;
      arrivalMs = clock.dueMs(frame.ptsSeconds);
    }
    const lateness = Date.now() - arrivalMs;
    if (options.maxLatenessMs !== undefined && lateness > options.maxLatenessMs) {
      ctx.skipped.late += 1;
      continue;
    }
    if (!options.live && lateness > clock.frameIntervalMs(frame)) ctx.framesLate += 1;
    ctx.store.push(frame);
    ctx.framesPlayed += 1;
    if (policy) {
      const decisions = policy.onFrame(frame, arrivalMs);
      ctx.dropped(decisions.dropped);
      for (const due of decisions.dispatch) launch(due, arrivalMs);
    }
    await ctx.present(frame);
    if (ctx.failure) break;
  }
  await drain(inFlight, ctx.state.ending ? options.drainTimeoutMs : Infinity);
  if (!policy) return new Map();
  const end = policy.finish();
  ctx.dropped(end.dropped);
  return new Map(Object.entries(end.stats.algorithms).map(([name, s]) => [name, s.fired]));
}

/** Waits for running windows; after `timeoutMs` the rest are left to finish unobserved. */
async function drain(inFlight: Set<Promise<void>>, timeoutMs: number): Promise<void> {
  if (inFlight.size === 0) return;
  const all = Promise.allSettled([...inFlight]).then(() => undefined);
  if (timeoutMs === Infinity) return all;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([all, timeout]);
  clearTimeout(timer);
}

/** Holds playback while paused; the clock then resumes where it stopped. Returns the pause's length, ms. */
async function resumeAfterPause(ctx: RunContext, clock: PlaybackClock): Promise<number> {
  const since = ctx.state.pausedAtMs ?? Date.now();
  await ctx.state.whileNotPaused();
  const paused = Date.now() - since;
  clock.shift(paused);
  return paused;
}

/** Sleeps until `dueMs` (epoch ms), pausing and stopping as asked. Returns false when the run is ending. */
async function waitUntil(ctx: RunContext, clock: PlaybackClock, dueMs: number): Promise<boolean> {
  let target = dueMs;
  for (;;) {
    if (ctx.state.ending || ctx.failure) return false;
    if (ctx.state.paused) {
      target += await resumeAfterPause(ctx, clock);
      continue;
    }
    const remaining = target - Date.now();
    if (remaining <= 0) return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => {
      timer = setTimeout(resolve, remaining);
    }), ctx.state.changed()]);
    clearTimeout(timer);
  }
}

/** Maps media time to wall time for paced playback: the first played frame is played at once. */
export class PlaybackClock {
  readonly #speed: number;
  #wallAnchor: number | null = null;
  #mediaAnchor = 0;
  #lastPts: number | null = null;

  constructor(speed: number) {
    this.#speed = speed;
  }

  /** The wall time (ms since the epoch) a frame at `ptsSeconds` is due. */
  dueMs(ptsSeconds: number): number {
    if (this.#wallAnchor === null) {
      this.#wallAnchor = Date.now();
      this.#mediaAnchor = ptsSeconds;
    }
    return this.#wallAnchor + ((ptsSeconds - this.#mediaAnchor) * 1000) / this.#speed;
  }

  /** Moves the schedule later by `ms` (after a pause). */
  shift(ms: number): void {
    if (this.#wallAnchor !== null) this.#wallAnchor += ms;
  }

  /** One frame's wall duration: its own, else the gap since the previous one, else 1/30 s. */
  frameIntervalMs(frame: Frame): number {
    const gap = this.#lastPts === null ? null : frame.ptsSeconds - this.#lastPts;
    this.#lastPts = frame.ptsSeconds;
    const seconds = frame.durationSeconds ?? (gap !== null && gap > 0 ? gap : 1 / 30);
    return (seconds * 1000) / this.#speed;
  }
}

/**
 * Target-fps selection decided at arrival (realtime cannot hold a frame back to see the next): a frame is
 * played when it is the first at or after the next tick `anchor + k / fps`.
 */
export class TickSelector {
  readonly #fps: number;
  #anchor: number | null;
  #next: number | null = null;

  constructor(fps: number, anchor?: number) {
    this.#fps = fps;
    this.#anchor = anchor ?? null;
  }

  keep(ptsSeconds: number): boolean {
    this.#anchor ??= ptsSeconds;
    const anchor = this.#anchor;
    if (this.#next !== null && ptsSeconds < this.#next - SCHEDULE_TOLERANCE_SECONDS) return false;
    const k = Math.floor((ptsSeconds - anchor) * this.#fps + SCHEDULE_TOLERANCE_SECONDS * this.#fps) + 1;
    this.#next = anchor + k / this.#fps;
    return true;
  }
}
