/**
 * Offline mode: every decoded frame is considered, in order, as fast as the machine allows. The schedule
 * follows media time only and each due window runs to completion (in registration order) before the next
 * frame, so two runs over the same input make the same calls with the same results.
 */
import type { Frame } from '../core/types.ts';
import { createPlaybackSelector, createSchedule, SCHEDULE_TOLERANCE_SECONDS } from '../schedule/index.ts';
import type { RunContext } from './context.ts';

/** Offline playback options (validated by the pipeline). */
export interface LoopOptions {
  bufferFrames: number;
  startSeconds?: number;
  targetFps?: number;
}

/** Plays `frames` offline; returns the number of calls fired per algorithm. */
export async function runOffline(ctx: RunContext, frames: AsyncIterable<Frame>, options: LoopOptions): Promise<Map<string, number>> {
  const schedule = ctx.algorithms.length === 0 ? null : createSchedule(ctx.algorithms.map((a) => a.registration), { bufferFrames: options.bufferFrames, startSeconds: options.startSeconds });
  const selector = options.targetFps === undefined ? null : createPlaybackSelector<Frame>({ targetFps: options.targetFps, startSeconds: options.startSeconds });
  const byName = new Map(ctx.algorithms.map((a) => [a.name, a]));
  const start = options.startSeconds;

  const play = async (frame: Frame): Promise<void> => {
    ctx.store.push(frame);
    ctx.framesPlayed += 1;
    const due = schedule ? schedule.onFrame(frame) : [];
    if (schedule) ctx.dropped(schedule.lastDrops());
    for (const call of due) {
      const alg = byName.get(call.algorithm);
      if (!alg) continue;
      const position = { index: frame.index, ptsSeconds: frame.ptsSeconds, wallclockMs: frame.decodedAtMs, dueSeconds: call.dueSeconds, frames: call.frames };
      await ctx.runWindow(alg, ctx.store.window(call.frames), position, Date.now());
      if (ctx.state.ending) return;
    }
    await ctx.present(frame);
  };

  for await (const frame of frames) {
    ctx.framesDecoded += 1;
    await ctx.state.whileNotPaused();
    if (ctx.state.ending) break;
    if (start !== undefined && frame.ptsSeconds < start - SCHEDULE_TOLERANCE_SECONDS) {
      ctx.skipped.beforeStart += 1;
      continue;
    }
    const kept = selector ? selector.push(frame) : [frame];
    for (const f of kept) {
      await play(f);
      if (ctx.state.ending) break;
    }
    if (ctx.state.ending) break;
  }
  if (selector && !ctx.state.ending) for (const f of selector.end()) await play(f);
  if (selector) ctx.skipped.targetFps = selector.skipped;
  if (!schedule) return new Map();
  const stats = schedule.finish();
  ctx.dropped(schedule.lastDrops());
  return new Map(Object.entries(stats.algorithms).map(([name, s]) => [name, s.fired]));
}
