/**
 * Shared fixtures for the schedule tests: seeded streams (CFR, VFR, with jumps), a brute-force reference of
 * the offline schedule written independently of src/schedule, and a discrete-event simulation of the
 * realtime policy with slow algorithms. The tests at the bottom check the fixtures themselves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DropCause, Due, Registration, ScheduleFrame } from '../src/schedule/index.ts';
import type { RealtimePolicy } from '../src/schedule/index.ts';

const TOL = 1e-6;

import { prng } from './helpers/prng.ts';

export { prng };

/** `count` frames at `fps` from `startSeconds`, pts computed as start + i / fps. */
export function cfr(fps: number, count: number, startSeconds = 0): ScheduleFrame[] {
  return Array.from({ length: count }, (_, i) => ({ index: i, ptsSeconds: startSeconds + i / fps }));
}

/** A VFR stream with random gaps (2 ms … 120 ms) and, now and then, a jump of up to 3 s. */
export function vfr(seed: number, count: number): ScheduleFrame[] {
  const random = prng(seed);
  let pts = Math.round(random() * 2000) / 1000;
  return Array.from({ length: count }, (_, index) => {
    const frame = { index, ptsSeconds: pts };
    pts += random() < 0.04 ? 0.5 + random() * 2.5 : 0.002 + random() * 0.118;
    return frame;
  });
}

/** The offline schedule's decisions computed the slow way. */
export interface ReferenceResult {
  /** Calls per frame position (in-range frames only), registration order within a frame. */
  due: Map<number, Due[]>;
  /** Drops per algorithm per cause. */
  dropped: Record<string, Partial<Record<DropCause, number>>>;
}

/**
 * Brute force: list every due time up to the last frame, find the frame that reaches each one by linear
 * search, keep the latest due time per reaching frame (the others are skipped), then look for the first
 * frame with a full window before the next due time is reached.
 */
export function referenceSchedule(regs: readonly Registration[], frames: readonly ScheduleFrame[], startSeconds?: number): ReferenceResult {
  const inRange = frames.filter((f) => startSeconds === undefined || f.ptsSeconds >= startSeconds - TOL);
  const due = new Map<number, Due[]>();
  const dropped: ReferenceResult['dropped'] = {};
  if (inRange.length === 0) return { due, dropped };
  for (const reg of regs) {
    const drops: Partial<Record<DropCause, number>> = {};
    dropped[reg.name] = drops;
    const anchor = startSeconds ?? (inRange[0] as ScheduleFrame).ptsSeconds;
    const reach: number[] = [];
    for (let k = 0; ; k += 1) {
      const j = inRange.findIndex((f) => anchor + k * reg.intervalSeconds <= f.ptsSeconds + TOL);
      if (j < 0) break;
      reach.push(j);
    }
    const required = (reg.frameCount - 1) * reg.frameStep + 1;
    for (let k = 0; k < reach.length; k += 1) {
      const from = reach[k] as number;
      if (reach[k + 1] === from) {
        drops.skipped = (drops.skipped ?? 0) + 1;
        continue;
      }
      const until = reach[k + 1] ?? inRange.length;
      let fired = false;
      for (let j = from; j < until && !fired; j += 1) {
        if (j + 1 < required) continue;
        const frameIndices = Array.from({ length: reg.frameCount }, (_, i) => (inRange[j - (reg.frameCount - 1 - i) * reg.frameStep] as ScheduleFrame).index);
        const at = inRange[j] as ScheduleFrame;
        const call: Due = { algorithm: reg.name, dueSeconds: anchor + k * reg.intervalSeconds, frames: frameIndices, position: { index: at.index, ptsSeconds: at.ptsSeconds } };
        due.set(j, [...(due.get(j) ?? []), call]);
        fired = true;
      }
      if (!fired) drops['warming-up'] = (drops['warming-up'] ?? 0) + 1;
    }
  }
  for (const [j, calls] of due) due.set(j, regs.flatMap((reg) => calls.filter((c) => c.algorithm === reg.name)));
  return { due, dropped };
}

/** One dispatched call in a realtime simulation. */
export interface SimCall {
  due: Due;
  dispatchedMs: number;
  completedMs: number;
}

/**
 * Feeds `frames` to `policy`, frame i arriving at `arrivalMs(i)`; a dispatched call of algorithm A takes
 * `runMs(A, n)` ms (n: how many calls of A came before). A completion at or before an arrival is reported
 * first. Returns every call and every drop, then finishes the policy.
 */
export function simulate(
  policy: RealtimePolicy,
  frames: readonly ScheduleFrame[],
  arrivalMs: (i: number) => number,
  runMs: (algorithm: string, n: number) => number,
) {
  const calls: SimCall[] = [];
  const running = new Map<string, number>();
  const counts = new Map<string, number>();
  const drops = [];
  const completeUpTo = (ms: number) => {
    const ready = [...running].filter(([, at]) => at <= ms).sort((a, b) => a[1] - b[1]);
    for (const [algorithm, at] of ready) {
      policy.complete(algorithm, at);
      running.delete(algorithm);
    }
  };
  for (const [i, frame] of frames.entries()) {
    const now = arrivalMs(i);
    completeUpTo(now);
    const decisions = policy.onFrame(frame, now);
    drops.push(...decisions.dropped);
    for (const due of decisions.dispatch) {
      const n = counts.get(due.algorithm) ?? 0;
      counts.set(due.algorithm, n + 1);
      const completedMs = now + runMs(due.algorithm, n);
      running.set(due.algorithm, completedMs);
      calls.push({ due, dispatchedMs: now, completedMs });
    }
  }
  completeUpTo(Infinity);
  const finished = policy.finish();
  drops.push(...finished.dropped);
  return { calls, drops, stats: finished.stats };
}

test('the reference on a hand-checked case: 30 fps, 4 frames 10 apart, every second', () => {
  const regs = [{ name: 'pose', frameCount: 4, frameStep: 10, intervalSeconds: 1 }];
  const result = referenceSchedule(regs, cfr(30, 91));
  assert.deepEqual([...result.due.keys()], [30, 60, 90]);
  assert.deepEqual(result.due.get(30)?.[0]?.frames, [0, 10, 20, 30]);
  assert.deepEqual(result.dropped.pose, { 'warming-up': 1 });
});

test('the VFR generator is seeded and ascending, with jumps', () => {
  assert.deepEqual(vfr(7, 50), vfr(7, 50));
  const frames = vfr(7, 400);
  const gaps = frames.slice(1).map((f, i) => f.ptsSeconds - (frames[i] as ScheduleFrame).ptsSeconds);
  assert.ok(gaps.every((g) => g > 0));
  assert.ok(gaps.some((g) => g > 0.5));
});
