/**
 * Open-ended plans (every frame, every N, keyframes, first N) and the range and cap options, on hand-made
 * streams with the expected frames written out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SamplingOptions } from '../src/core/types.ts';
import { createSelector } from '../src/sampling/selector.ts';
import type { SimOptions, Stream } from './sampling-fixtures.test.ts';
import { cfrStream, reference, simulate, vfrStream } from './sampling-fixtures.test.ts';

/** 30 fps, 300 frames (10 s), keyframes every 60 frames. */
const CFR = cfrStream({ fps: 30, frames: 300 });
/** The same with a 1.4 s start time and timebase-sized pts errors. */
const OFFSET = cfrStream({ fps: 30, frames: 300, startSeconds: 1.4, jitterSeconds: 4e-7, seed: 5 });
/** Irregular pts, keyframes at 0, 4, 7. */
const VFR = vfrStream([0, 0.04, 0.1, 0.13, 0.3, 0.31, 0.5, 0.72, 0.73, 0.9], [4, 7]);

const FEEDS: SimOptions[] = [{}, { seek: true }, { runFrames: 1 }];

function picked(options: SamplingOptions, stream: Stream, feed: SimOptions = {}): number[] {
  const result = simulate(createSelector(options, stream.timeline), stream, feed);
  return [...result.picks.keys()];
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i += step) out.push(i);
  return out;
}

test('no mode: every frame, open-ended', () => {
  const selector = createSelector({}, CFR.timeline);
  assert.equal(selector.requested, null);
  assert.equal(selector.keyframesOnly, false);
  for (const feed of FEEDS) assert.deepEqual(picked({}, CFR, feed), range(0, 300));
  assert.deepEqual(picked({}, VFR), range(0, 10));
});

test('every N counts from the first frame of the range, by index on CFR', () => {
  for (const feed of FEEDS) {
    assert.deepEqual(picked({ every: 30 }, CFR, feed), range(0, 300, 30));
    assert.deepEqual(picked({ every: 7 }, CFR, feed), range(0, 300, 7));
    assert.deepEqual(picked({ every: 1 }, CFR, feed), range(0, 300));
    assert.deepEqual(picked({ every: 400 }, CFR, feed), [0]);
    assert.deepEqual(picked({ every: 30, startSeconds: 2.01 }, CFR, feed), range(61, 300, 30));
    assert.deepEqual(picked({ every: 45 }, OFFSET, feed), range(0, 300, 45));
  }
});

test('every N on CFR tells the decoder the time of the next index it takes', () => {
  const selector = createSelector({ every: 150 }, CFR.timeline);
  assert.equal(selector.nextNeededSeconds(), 0);
  const gop0 = CFR.gops[0] ?? [];
  assert.deepEqual(selector.select(gop0, 2), [{ position: 0, targets: [] }]);
  assert.equal(selector.nextNeededSeconds(), 5); // index 150
  const seeking = simulate(createSelector({ every: 150 }, CFR.timeline), CFR, { seek: true });
  assert.deepEqual([...seeking.picks.keys()], [0, 150]);
  // GOPs 0, 2 and the last (to learn where the stream ends: frames may run past a declared duration).
  assert.equal(seeking.framesFed, 180);
});

test('every N ends early when the next index lies past endSeconds', () => {
  const selector = createSelector({ every: 100, endSeconds: 4 }, CFR.timeline);
  selector.select(CFR.gops[0] ?? [], 2);
  selector.select(CFR.gops[1] ?? [], 4);
  assert.equal(selector.isDone(), true); // index 200 is at 6.67 s, past the end
  assert.equal(selector.nextNeededSeconds(), null);
  assert.deepEqual(selector.finish('beyond-end').entries.map((e) => e.frameIndex), [0, 100]);
});

test('every N on VFR counts frames seen and never lets the decoder skip', () => {
  assert.deepEqual(picked({ every: 3 }, VFR), [0, 3, 6, 9]);
  assert.deepEqual(picked({ every: 3, startSeconds: 0.1 }, VFR), [2, 5, 8]);
  const selector = createSelector({ every: 3 }, VFR.timeline);
  assert.equal(selector.nextNeededSeconds(), 0);
  selector.select(VFR.gops[0] ?? [], 0.3);
  assert.equal(selector.nextNeededSeconds(), 0.3); // the end of the run, not a guess
});

test('keyframes: only keyframes in range, and the decoder may skip the rest', () => {
  const selector = createSelector({ keyframes: true }, CFR.timeline);
  assert.equal(selector.keyframesOnly, true);
  assert.equal(selector.requested, null);
  for (const feed of FEEDS) assert.deepEqual(picked({ keyframes: true }, CFR, feed), [0, 60, 120, 180, 240]);
  assert.deepEqual(picked({ keyframes: true, startSeconds: 2.5, endSeconds: 8 }, CFR), [120, 180]);
  assert.deepEqual(picked({ keyframes: true }, VFR), [0, 4, 7]);
  // Fed full GOPs, non-keyframes are ignored too.
  const full = createSelector({ keyframes: true }, VFR.timeline);
  assert.deepEqual(full.select(VFR.frames, null).map((s) => s.position), [0, 4, 7]);
});

test('count with first: the first N frames of the range, then done', () => {
  const selector = createSelector({ count: 5, first: true, startSeconds: 1.5 }, CFR.timeline);
  assert.equal(selector.requested, 5);
  const picks = selector.select(CFR.gops[0] ?? [], 2).map((s) => s.position);
  assert.deepEqual(picks, [45, 46, 47, 48, 49]);
  assert.equal(selector.isDone(), true);
  assert.equal(selector.nextNeededSeconds(), null);
  const manifest = selector.finish('beyond-end');
  assert.equal(manifest.delivered, 5);
  assert.deepEqual(manifest.skipped, {});
  assert.deepEqual(manifest.entries[0], { target: { kind: 'index', index: 45 }, status: 'delivered', frameIndex: 45, ptsSeconds: 1.5 });
  for (const feed of FEEDS) assert.deepEqual(picked({ count: 70, first: true }, CFR, feed), range(0, 70));
});

test('count with first on a short stream counts the shortfall as beyond-end', () => {
  const result = simulate(createSelector({ count: 15, first: true }, VFR.timeline), VFR);
  assert.deepEqual([...result.picks.keys()], range(0, 10));
  assert.equal(result.manifest.requested, 15);
  assert.deepEqual(result.manifest.skipped, { 'beyond-end': 5 });
  assert.equal(result.manifest.entries.length, 10);
});

test('maxFrames caps open-ended plans', () => {
  for (const feed of FEEDS) {
    assert.deepEqual(picked({ maxFrames: 4 }, CFR, feed), [0, 1, 2, 3]);
    assert.deepEqual(picked({ every: 50, maxFrames: 3 }, CFR, feed), [0, 50, 100]);
    assert.deepEqual(picked({ keyframes: true, maxFrames: 2 }, CFR, feed), [0, 60]);
  }
  const result = simulate(createSelector({ count: 10, first: true, maxFrames: 3 }, CFR.timeline), CFR);
  assert.deepEqual([...result.picks.keys()], [0, 1, 2]);
  assert.deepEqual(result.manifest.skipped, { 'max-frames': 7 });
  const capped = createSelector({ maxFrames: 2 }, CFR.timeline);
  capped.select(CFR.gops[0] ?? [], 2);
  assert.equal(capped.isDone(), true);
  assert.equal(capped.nextNeededSeconds(), null);
});

test('startSeconds and endSeconds select [start, end), fractional, on absolute media time', () => {
  assert.deepEqual(picked({ startSeconds: 2.5, endSeconds: 3 }, CFR), range(75, 90));
  assert.deepEqual(picked({ startSeconds: 2.51, endSeconds: 2.6 }, CFR), [76, 77]);
  assert.deepEqual(picked({ endSeconds: 5.5 }, CFR), range(0, 165)); // 165 / 30 = 5.5 is excluded
  // With a 1.4 s start time, startSeconds 0 (before the first frame) covers everything.
  assert.deepEqual(picked({ startSeconds: 0, endSeconds: 2.4 }, OFFSET), range(0, 30));
  assert.deepEqual(picked({ startSeconds: 3.4 }, OFFSET), range(60, 300));
  assert.deepEqual(picked({ startSeconds: 20 }, CFR), []);
});

test('the range end stops the run as soon as a frame at or after it is seen', () => {
  const selector = createSelector({ endSeconds: 1 }, CFR.timeline);
  assert.equal(selector.select(CFR.gops[0] ?? [], 2).length, 30);
  assert.equal(selector.isDone(), true);
  const early = createSelector({ endSeconds: 2 }, CFR.timeline);
  early.select(CFR.gops[0] ?? [], 2); // the next frame, at 2 s, is already out of range
  assert.equal(early.isDone(), true);
});

test('times compare with a 1 µs tolerance: 0.99999999 is 1', () => {
  const stream = vfrStream([0, 0.33333333, 0.66666666, 0.99999999, 1.33333332], 2);
  assert.deepEqual(picked({ startSeconds: 1 }, stream), [3, 4]);
  assert.deepEqual(picked({ endSeconds: 1 }, stream), [0, 1, 2]);
  assert.deepEqual(picked({ startSeconds: 1.0000009 }, stream), [3, 4]);
  assert.deepEqual(picked({ startSeconds: 1.000002 }, stream), [4]);
});

test('the end of the stream may be reported with an empty run', () => {
  const selector = createSelector({ keyframes: true }, VFR.timeline);
  selector.select(VFR.frames.slice(0, 1), 0.04);
  assert.equal(selector.isDone(), false);
  assert.deepEqual(selector.select([], null), []);
  assert.equal(selector.isDone(), true);
});

test('open-ended plans agree with the reference on every hand-made stream', () => {
  const plans: SamplingOptions[] = [{}, { every: 4 }, { keyframes: true }, { count: 3, first: true }, { every: 2, startSeconds: 0.2, maxFrames: 2 }];
  for (const stream of [CFR, OFFSET, VFR]) {
    for (const options of plans) assert.deepEqual(picked(options, stream, { seek: true }), reference(options, stream).frames);
  }
});
