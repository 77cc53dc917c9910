/**
 * The realtime policy under a simulated clock: slow algorithms give exact drop counts per cause, a fast one
 * gives exactly the offline schedule, latency percentiles come out of the histogram, and playback selection
 * (offline target fps) matches a brute-force player.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Registration, ScheduleFrame } from '../src/schedule/index.ts';
import { createRealtimePolicy, createSchedule, LatencyHistogram, requiredBufferFrames, selectForPlayback } from '../src/schedule/index.ts';
import { cfr, prng, simulate, vfr } from './schedule-fixtures.test.ts';

const every = (intervalSeconds: number, frameCount = 1, frameStep = 1): Registration =>
  ({ name: 'det', frameCount, frameStep, intervalSeconds });

test('an algorithm taking 3 frame intervals on every frame: 1 call in 3, 2 busy drops in 3', () => {
  const policy = createRealtimePolicy([every(0.04)], { bufferFrames: 4 });
  const result = simulate(policy, cfr(25, 30), (i) => i * 40, () => 120);
  assert.deepEqual(result.calls.map((c) => c.due.position.index), [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  assert.deepEqual(result.stats.algorithms.det?.dropped, { 'warming-up': 0, skipped: 0, busy: 20, evicted: 0, 'buffer-overflow': 0 });
  assert.equal(result.stats.algorithms.det?.fired, 10);
  assert.equal(result.stats.algorithms.det?.completed, 10);
  assert.deepEqual(result.stats.latency, { count: 10, minMs: 120, maxMs: 120, meanMs: 120, p50Ms: 120, p90Ms: 120, p99Ms: 120 });
});

test('a buffer of one frame: the pending frame leaves at once (evicted) and the running one overflows', () => {
  const policy = createRealtimePolicy([every(0.04)], { bufferFrames: 1 });
  const result = simulate(policy, cfr(25, 30), (i) => i * 40, () => 120);
  assert.equal(result.stats.algorithms.det?.fired, 10);
  // 19 due times lose their frame before the call ends; the last one is still pending (busy) at finish.
  assert.deepEqual(result.stats.algorithms.det?.dropped, { 'warming-up': 0, skipped: 0, busy: 1, evicted: 19, 'buffer-overflow': 10 });
});

const rounded = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1e6) / 1e6);

test('a due time pending while busy is served late with the latest window, if no later one arrived', () => {
  // Every 0.2 s (5 frames) on 2 frames 2 apart, 300 ms per call, a buffer of 20.
  const policy = createRealtimePolicy([every(0.2, 2, 2)], { bufferFrames: 20 });
  const result = simulate(policy, cfr(25, 30), (i) => i * 40, () => 300);
  assert.deepEqual(result.calls.map((c) => [rounded(c.due.dueSeconds), c.due.position.index, c.due.frames, c.dispatchedMs]), [
    [0, 2, [0, 2], 80], // due at frame 0, window full at frame 2
    [0.4, 10, [8, 10], 400], // due 0.2 (frame 5) superseded while busy: 'busy'
    [0.6, 18, [16, 18], 720], // due at frame 15, served at the first frame after the call ended (700 ms)
    [1, 26, [24, 26], 1040], // due 0.8 (frame 20) superseded by 1.0 (frame 25) while busy
  ]);
  assert.deepEqual(result.stats.algorithms.det?.dropped, { 'warming-up': 0, skipped: 0, busy: 2, evicted: 0, 'buffer-overflow': 0 });
});

test('busy until the due frame leaves the buffer: evicted; with a bigger buffer the same due time is busy', () => {
  const frames = cfr(25, 50);
  const small = simulate(createRealtimePolicy([every(0.2)], { bufferFrames: 3 }), frames, (i) => i * 40, () => 400);
  assert.deepEqual(small.calls.map((c) => c.due.position.index), [0, 10, 20, 30, 40]);
  const firings = small.drops.filter((d) => d.cause !== 'buffer-overflow');
  assert.deepEqual(firings.map((d) => [d.cause, rounded(d.dueSeconds), d.position?.index ?? null]),
    [['evicted', 0.2, 8], ['evicted', 0.6, 18], ['evicted', 1, 28], ['evicted', 1.4, 38], ['evicted', 1.8, 48]]);
  // Each call's frame leaves the 3-frame buffer 120 ms into its 400 ms run.
  assert.deepEqual(small.drops.filter((d) => d.cause === 'buffer-overflow').map((d) => d.position?.index), [3, 13, 23, 33, 43]);
  const large = simulate(createRealtimePolicy([every(0.2)], { bufferFrames: 20 }), frames, (i) => i * 40, () => 400);
  assert.deepEqual(large.calls.map((c) => c.due.position.index), [0, 10, 20, 30, 40]);
  assert.deepEqual(large.stats.algorithms.det?.dropped, { 'warming-up': 0, skipped: 0, busy: 5, evicted: 0, 'buffer-overflow': 0 });
});

test('each algorithm is free or busy on its own', () => {
  const regs = [{ name: 'fast', frameCount: 1, frameStep: 1, intervalSeconds: 0.04 }, { name: 'slow', frameCount: 2, frameStep: 1, intervalSeconds: 0.04 }];
  const result = simulate(createRealtimePolicy(regs, { bufferFrames: 8 }), cfr(25, 25), (i) => i * 40, (name) => (name === 'fast' ? 10 : 200));
  assert.equal(result.stats.algorithms.fast?.fired, 25);
  assert.equal(result.stats.algorithms.fast?.dropped.busy, 0);
  assert.deepEqual(result.calls.filter((c) => c.due.algorithm === 'slow').map((c) => c.due.position.index), [1, 6, 11, 16, 21]);
  assert.equal(result.stats.algorithms.slow?.dropped.busy, 19);
  assert.equal(result.stats.algorithms.slow?.dropped['warming-up'], 1); // due 0: one frame of two
});

test('fast algorithms (done before the next frame) get exactly the offline schedule, seeded streams', () => {
  const random = prng(77);
  for (let round = 0; round < 60; round += 1) {
    const regs = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => ({
      name: `r${i}`, frameCount: 1 + Math.floor(random() * 4), frameStep: 1 + Math.floor(random() * 3),
      intervalSeconds: [0.03, 0.25, 1 / 3, 1][Math.floor(random() * 4)] as number,
    }));
    const frames = vfr(round, 120);
    const options = { bufferFrames: Math.max(...regs.map(requiredBufferFrames)), startSeconds: random() < 0.5 ? 0.5 : 0 };
    const offline = createSchedule(regs, options);
    const expected = frames.flatMap((f) => offline.onFrame(f));
    const arrival = (i: number) => Math.round((frames[i] as ScheduleFrame).ptsSeconds * 1e6);
    const result = simulate(createRealtimePolicy(regs, options), frames, arrival, () => 1);
    assert.deepEqual(result.calls.map((c) => c.due), expected);
    const offlineStats = offline.finish();
    for (const reg of regs) assert.deepEqual(result.stats.algorithms[reg.name]?.dropped, offlineStats.algorithms[reg.name]?.dropped);
  }
});

test('decisions are deterministic: two simulations are identical', () => {
  const regs = [every(0.1, 3, 2), { name: 'b', frameCount: 1, frameStep: 1, intervalSeconds: 1 / 3 }];
  const go = () => simulate(createRealtimePolicy(regs, { bufferFrames: 6, startSeconds: 0.3 }), vfr(5, 300), (i) => i * 33, (_, n) => 20 + (n % 7) * 30);
  assert.deepEqual(go(), go());
});

test('latency: frame arrival to result, per algorithm and overall, percentiles within 1%', () => {
  const policy = createRealtimePolicy([every(0.04)], { bufferFrames: 2 });
  for (let i = 0; i < 1000; i += 1) {
    const { dispatch } = policy.onFrame({ index: i, ptsSeconds: i * 0.04 }, i * 1000);
    assert.equal(dispatch.length, 1);
    policy.complete('det', i * 1000 + (i + 1));
  }
  const latency = policy.stats().algorithms.det?.latency;
  assert.equal(latency?.count, 1000);
  assert.equal(latency?.minMs, 1);
  assert.equal(latency?.maxMs, 1000);
  assert.equal(latency?.meanMs, 500.5);
  for (const [value, expected] of [[latency?.p50Ms, 500], [latency?.p90Ms, 900], [latency?.p99Ms, 990]] as const) {
    assert.ok(Math.abs((value as number) - expected) <= expected * 0.01, `${value} vs ${expected}`);
  }
  assert.deepEqual(policy.stats().latency, latency);
});

test('LatencyHistogram: empty, zero and negative samples, huge values', () => {
  const h = new LatencyHistogram();
  assert.deepEqual(h.summary(), { count: 0, minMs: null, maxMs: null, meanMs: null, p50Ms: null, p90Ms: null, p99Ms: null });
  h.record(-5);
  h.record(0);
  h.record(1e9);
  assert.deepEqual([h.summary().minMs, h.summary().maxMs], [0, 1e9]);
  assert.ok((h.percentile(0.5) as number) < 0.01); // below 0.01 ms all samples share the first bucket
  assert.equal(h.percentile(1), 1e9);
});

test('complete() on an unknown or idle algorithm', () => {
  const policy = createRealtimePolicy([every(1)], { bufferFrames: 1 });
  assert.throws(() => policy.complete('nope', 0), { code: 'ERR_INVALID_OPTIONS' });
  assert.throws(() => policy.complete('det', 0), { code: 'ERR_INTERNAL' });
  assert.throws(() => policy.onFrame({ index: 0, ptsSeconds: 0 }, Number.NaN), { code: 'ERR_INTERNAL' });
});

test('playback at 10 fps from 30 fps keeps the frame displayed at each tick, from a fractional start', () => {
  const frames = cfr(30, 30);
  assert.deepEqual(selectForPlayback(frames, { targetFps: 10 }).map((f) => f.index), [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  assert.deepEqual(selectForPlayback(frames, { targetFps: 10, startSeconds: 0.51 }).map((f) => f.index), [16, 18, 21, 24, 27]);
  assert.deepEqual(selectForPlayback(frames, { targetFps: 60 }).length, 30);
  assert.deepEqual(selectForPlayback(frames, { targetFps: 7.5 }).map((f) => f.index), [0, 4, 8, 12, 16, 20, 24, 28]);
});

test('playback on VFR: a frame shown only between ticks is skipped (the docs/sampling.md example)', () => {
  const pts = [0, 0.04, 0.1, 0.13, 0.3, 0.31, 0.5, 0.72, 0.73, 0.9];
  const frames = pts.map((ptsSeconds, index) => ({ index, ptsSeconds }));
  assert.deepEqual(selectForPlayback(frames, { targetFps: 10 }).map((f) => f.index), [0, 2, 3, 4, 5, 6, 8, 9]);
});

/** The player, the slow way: for each tick, the last frame shown at it. */
function referencePlayback(frames: readonly ScheduleFrame[], fps: number, start?: number): number[] {
  const inRange = frames.filter((f) => start === undefined || f.ptsSeconds >= start - 1e-6);
  if (inRange.length === 0) return [];
  const s = start ?? (inRange[0] as ScheduleFrame).ptsSeconds;
  const last = inRange[inRange.length - 1] as ScheduleFrame;
  const before = inRange[inRange.length - 2];
  const end = last.ptsSeconds + Math.max(before === undefined ? 1e-3 : last.ptsSeconds - before.ptsSeconds, 1e-3);
  const kept = new Set<number>();
  for (let k = 0; s + k / fps < end - 1e-6; k += 1) {
    const shown = inRange.filter((f) => f.ptsSeconds <= s + k / fps + 1e-6).at(-1) ?? inRange[0];
    kept.add((shown as ScheduleFrame).index);
  }
  return [...kept];
}

test('playback equals the brute-force player on CFR and VFR streams, many rates and starts', () => {
  const streams = [cfr(30, 90), cfr(30000 / 1001, 90, 1.4), cfr(25, 60), vfr(3, 120), vfr(11, 200)];
  for (const frames of streams) {
    for (const fps of [1, 2.5, 7, 10, 12.5, 24, 29.97, 60]) {
      for (const start of [undefined, 0, 0.51, 1.4, 2, 1 / 3]) {
        const actual = selectForPlayback(frames, start === undefined ? { targetFps: fps } : { targetFps: fps, startSeconds: start });
        assert.deepEqual(actual.map((f) => f.index), referencePlayback(frames, fps, start), `fps ${fps} start ${start}`);
      }
    }
  }
});

test('playback options are validated', () => {
  assert.throws(() => selectForPlayback([], { targetFps: 0 }), { code: 'ERR_INVALID_OPTIONS', message: /playback\.targetFps/ });
  assert.throws(() => selectForPlayback([], { targetFps: 10, startSeconds: -1 }), { code: 'ERR_INVALID_OPTIONS', message: /playback\.startSeconds/ });
});
