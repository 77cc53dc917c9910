/**
 * Explicit plans (fps, count, at): which frame each target resolves to, duplicates, the range, the end of
 * the stream, live sources, and what nextNeededSeconds() lets the decoder skip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SamplingOptions, Target } from '../src/core/types.ts';
import { createSelector } from '../src/sampling/selector.ts';
import type { SimOptions, SimResult, Stream } from './sampling-fixtures.test.ts';
import { assertMatchesReference, cfrStream, reference, simulate, vfrStream } from './sampling-fixtures.test.ts';

const CFR = cfrStream({ fps: 30, frames: 300 });
const OFFSET = cfrStream({ fps: 30, frames: 300, startSeconds: 1.4, jitterSeconds: 4e-7, seed: 9 });
const VFR = vfrStream([0, 0.04, 0.1, 0.13, 0.3, 0.31, 0.5, 0.72, 0.73, 0.9], [4, 7], { durationSeconds: 1, fps: 10 });
const LIVE = cfrStream({ fps: 25, frames: 250, isLive: true, gop: 50 });
const FEEDS: SimOptions[] = [{}, { seek: true }, { runFrames: 1 }, { seek: true, runFrames: 13 }];

function run(options: SamplingOptions, stream: Stream, feed: SimOptions = {}): SimResult {
  return simulate(createSelector(options, stream.timeline), stream, feed);
}

function picked(options: SamplingOptions, stream: Stream, feed: SimOptions = {}): number[] {
  return [...run(options, stream, feed).picks.keys()];
}

const time = (seconds: number): Target => ({ kind: 'time', seconds });

test('fps: the frame displayed at each start + k / fps', () => {
  for (const feed of FEEDS) {
    assert.deepEqual(picked({ fps: 1 }, CFR, feed), [0, 30, 60, 90, 120, 150, 180, 210, 240, 270]);
    assert.deepEqual(picked({ fps: 1 }, OFFSET, feed), [0, 30, 60, 90, 120, 150, 180, 210, 240, 270]);
    assert.deepEqual(picked({ fps: 0.7 }, CFR, feed), [0, 42, 85, 128, 171, 214, 257]);
  }
  const selector = createSelector({ fps: 2, endSeconds: 10 }, CFR.timeline);
  assert.equal(selector.requested, 20);
  assert.equal(selector.keyframesOnly, false);
  assert.equal(createSelector({ fps: 3 }, OFFSET.timeline).requested, 30);
});

test('fps above the source rate: duplicates collapse onto one frame that lists every target', () => {
  const result = run({ fps: 60 }, CFR);
  assert.equal(result.picks.size, 300);
  assert.deepEqual(result.picks.get(7), [time(14 / 60), time(15 / 60)]);
  assert.equal(result.manifest.requested, 600);
  assert.equal(result.manifest.delivered, 300);
  assert.equal(result.manifest.entries.length, 600);
  assert.deepEqual(result.manifest.entries[15], { target: time(15 / 60), status: 'delivered', frameIndex: 7, ptsSeconds: 7 / 30 });
  assert.deepEqual(result.manifest.skipped, {});
});

test('fps on VFR: the frame on screen at each time', () => {
  // Frames at 0, .04, .1, .13, .3, .31, .5, .72, .73, .9; targets 0, .1, .2 … .9.
  assert.deepEqual(picked({ fps: 10 }, VFR), [0, 2, 3, 4, 5, 6, 8, 9]);
  const result = run({ fps: 10 }, VFR);
  assert.deepEqual(result.picks.get(5), [time(0.4)]); // 0.31 is on screen at 0.4
  assert.deepEqual(result.picks.get(6), [time(0.5), time(0.6), time(0.7)]);
  assert.equal(result.picks.has(7), false); // shown only between 0.72 and 0.73, no target there
});

test('fps with a fractional start: a time before the first frame of the range gets the first frame after it', () => {
  // At 2.01 s frame 60 (2.0 s) is on screen, but it lies before the range, so frame 61 is delivered.
  for (const feed of FEEDS) assert.deepEqual(picked({ fps: 1, startSeconds: 2.01 }, CFR, feed), [61, 90, 120, 150, 180, 210, 240, 270]);
  // A start before a file's start time: the early times all collapse onto the first frame.
  const result = run({ fps: 1, startSeconds: 0 }, OFFSET);
  assert.deepEqual(result.picks.get(0), [time(0), time(1)]);
  assert.equal(result.manifest.requested, 12); // 0 … 11 < 11.4
});

test('fps: the last frame covers times until the declared end; later times are beyond-end', () => {
  const result = run({ fps: 1, endSeconds: 12 }, CFR);
  assert.equal(result.manifest.requested, 12);
  assert.equal(result.manifest.delivered, 10);
  assert.deepEqual(result.manifest.skipped, { 'beyond-end': 2 });
  assert.deepEqual(result.manifest.entries.at(-1), { target: time(11), status: 'beyond-end', detail: 'no frame is displayed at this time' });
  // 9.99 s is still on screen (frame 299, shown until 10 s).
  assert.deepEqual(picked({ at: [9.99] }, CFR), [299]);
});

test('fps on a live source: targets are generated lazily, without end', () => {
  const selector = createSelector({ fps: 2 }, LIVE.timeline);
  assert.equal(selector.requested, null);
  assert.equal(selector.nextNeededSeconds(), 0);
  const result = simulate(selector, LIVE, {}, 'aborted');
  assert.deepEqual([...result.picks.keys()], Array.from({ length: 20 }, (_, k) => k * 12.5).map(Math.floor));
  assert.equal(result.manifest.requested, null);
  assert.equal(result.manifest.entries.length, 20); // only the resolved targets; the rest are endless
  assert.deepEqual(result.manifest.skipped, {});
  // A thousand targets a second on a source that starts late costs nothing up front.
  const fast = createSelector({ fps: 1000, startSeconds: 3600 }, LIVE.timeline);
  assert.equal(fast.nextNeededSeconds(), 3600);
  assert.deepEqual(fast.select([{ index: 0, ptsSeconds: 3600.0004, keyframe: true }], 3600.0014), [{ position: 0, targets: [time(3600), time(3600.001)] }]);
  assert.equal(fast.nextNeededSeconds(), 3600.002);
});

test('count: index targets spread over a whole CFR stream, first and last included', () => {
  for (const feed of FEEDS) {
    assert.deepEqual(picked({ count: 4 }, CFR, feed), [0, 100, 199, 299]);
    assert.deepEqual(picked({ count: 2 }, CFR, feed), [0, 299]);
    assert.deepEqual(picked({ count: 1 }, CFR, feed), [0]); // one frame: the first
    assert.deepEqual(picked({ count: 5 }, OFFSET, feed), [0, 75, 150, 224, 299]);
  }
  const result = run({ count: 3 }, CFR);
  assert.deepEqual(result.picks.get(150), [{ kind: 'index', index: 150 }]);
  assert.equal(result.manifest.requested, 3);
});

test('count larger than the frame count: every frame once, duplicates listed', () => {
  const result = run({ count: 500 }, CFR);
  assert.equal(result.picks.size, 300);
  assert.equal(result.manifest.requested, 500);
  assert.equal(result.manifest.delivered, 300);
  assert.equal(result.manifest.entries.length, 500);
  assert.ok(result.manifest.entries.every((e) => e.status === 'delivered'));
});

test('count over a range, or on VFR: time targets from the start to one frame before the end', () => {
  // 2 s … 4 − 1/30 s, three targets: 2, 2.98333, 3.96667.
  for (const feed of FEEDS) assert.deepEqual(picked({ count: 3, startSeconds: 2, endSeconds: 4 }, CFR, feed), [60, 89, 119]);
  const result = run({ count: 3, startSeconds: 2, endSeconds: 4 }, CFR);
  assert.deepEqual(result.manifest.entries.map((e) => e.target.kind), ['time', 'time', 'time']);
  // VFR: 0 … 0.9 (1 s declared, 10 fps average) in four steps of 0.3.
  assert.deepEqual(picked({ count: 4 }, VFR), [0, 4, 6, 9]);
  // An end past the declared duration is clamped: a count asks for frames that exist.
  assert.deepEqual(picked({ count: 2, endSeconds: 50 }, CFR), [0, 299]);
});

test('count needs a known end', () => {
  assert.throws(() => createSelector({ count: 8 }, LIVE.timeline), (err: Error & { code?: string; details?: object }) => {
    assert.equal(err.code, 'ERR_INVALID_OPTIONS');
    assert.match(err.message, /sampling\.count needs a known duration/);
    assert.match(err.message, /use fps or every for live sources/);
    assert.deepEqual(err.details, { option: 'count', value: 8 });
    return true;
  });
  // With an end it can be spread: 0, 0.98, 1.96 (= 2 − 1/25).
  assert.deepEqual(picked({ count: 3, endSeconds: 2 }, LIVE), [0, 24, 49]);
  assert.deepEqual(picked({ count: 3, first: true }, LIVE), [0, 1, 2]);
});

test('at: user order in the manifest, sorted internally, duplicates share a frame', () => {
  const result = run({ at: [3, 1.5, 20, 3, 0.5], startSeconds: 1 }, CFR, { seek: true });
  assert.deepEqual([...result.picks.keys()], [45, 90]);
  assert.deepEqual(result.picks.get(90), [time(3), time(3)]);
  assert.deepEqual(result.manifest.entries, [
    { target: time(3), status: 'delivered', frameIndex: 90, ptsSeconds: 3 },
    { target: time(1.5), status: 'delivered', frameIndex: 45, ptsSeconds: 1.5 },
    { target: time(20), status: 'beyond-end', detail: 'at or after the range end (10s)' },
    { target: time(3), status: 'delivered', frameIndex: 90, ptsSeconds: 3 },
    { target: time(0.5), status: 'beyond-end', detail: 'before the range start (1s)' },
  ]);
  assert.equal(result.manifest.requested, 5);
  assert.equal(result.manifest.delivered, 2);
  assert.deepEqual(result.manifest.skipped, { 'beyond-end': 2 });
});

test('at: times are absolute media times, compared with 1 µs tolerance', () => {
  assert.deepEqual(picked({ at: [1.4, 1.9, 11.39] }, OFFSET), [0, 15, 299]);
  assert.equal(run({ at: [0.5] }, OFFSET).manifest.entries[0]?.status, 'beyond-end'); // before the 1.4 s start
  const stream = vfrStream([0, 0.33333333, 0.66666666, 0.99999999, 1.33333332], 2);
  assert.deepEqual(picked({ at: [1] }, stream), [3]);
  assert.deepEqual(picked({ at: [0.9999985] }, stream), [2]);
});

test('at on a source of unknown duration: late times wait for the end of the stream', () => {
  const stream: Stream = { ...VFR, timeline: { ...VFR.timeline, durationSeconds: null } };
  const result = run({ at: [0.95, 0.9005, 5] }, stream);
  // The last frame (0.9 s) is shown for one average frame (0.1 s): 0.95 is on it, 5 is not.
  assert.deepEqual(result.manifest.entries.map((e) => e.status), ['delivered', 'delivered', 'beyond-end']);
});

test('nextNeededSeconds lets the decoder skip GOPs that hold no target', () => {
  const stream = cfrStream({ fps: 30, frames: 3000, gop: 30 });
  const result = run({ at: [50, 10.5] }, stream, { seek: true });
  assert.deepEqual([...result.picks.keys()], [315, 1500]);
  assert.equal(result.framesFed, 60); // the GOP of each target, nothing else
  const selector = createSelector({ count: 3 }, stream.timeline);
  assert.equal(selector.nextNeededSeconds(), 0);
  selector.select(stream.gops[0] ?? [], 1);
  assert.equal(selector.nextNeededSeconds(), 1500 / 30); // index 1500 (of 0, 1500, 2999)
});

test('explicit plans agree with the reference on the hand-made streams', () => {
  const plans: SamplingOptions[] = [
    { fps: 7 }, { fps: 45, startSeconds: 1.53, endSeconds: 3.2 }, { count: 7 }, { count: 11, startSeconds: 0.3 },
    { at: [0.2, 2.02, 1.4, 9, 11.39, 11.4] }, { fps: 5, maxFrames: 3 }, { count: 9, maxFrames: 2 },
  ];
  for (const stream of [CFR, OFFSET, VFR]) {
    for (const options of plans) {
      for (const feed of FEEDS) assertMatchesReference(run(options, stream, feed), reference(options, stream), JSON.stringify(options));
    }
  }
});
