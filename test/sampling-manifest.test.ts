/**
 * The manifest: undelivered frames, how a run ends (normal end, abort, budget, maxFrames), the entry
 * limit, and misuse of the selector by a decode loop.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Target } from '../src/core/types.ts';
import { MANIFEST_ENTRY_LIMIT, OPEN_PLAN_ENTRY_LIMIT } from '../src/sampling/manifest.ts';
import { createSelector } from '../src/sampling/selector.ts';
import type { FrameRef } from '../src/sampling/types.ts';
import { cfrStream, simulate } from './sampling-fixtures.test.ts';

const CFR = cfrStream({ fps: 30, frames: 300 });
const gop = (g: number): FrameRef[] => CFR.gops[g] ?? [];
const nextOf = (g: number): number | null => CFR.gops[g + 1]?.[0]?.ptsSeconds ?? null;
const time = (seconds: number): Target => ({ kind: 'time', seconds });

test('markUndelivered: the targets of that frame take the reason; the frame is not counted', () => {
  const selector = createSelector({ fps: 1 }, CFR.timeline);
  const [first, second] = selector.select(gop(0), nextOf(0));
  assert.ok(first && second);
  selector.markUndelivered(first, 'decode-error', 'ERR_DECODE');
  selector.markUndelivered(first, 'decode-error', 'ERR_DECODE'); // counted once
  for (let g = 1; g < CFR.gops.length; g++) selector.select(gop(g), nextOf(g));
  const manifest = selector.finish('beyond-end');
  assert.equal(manifest.delivered, 9);
  assert.deepEqual(manifest.skipped, { 'decode-error': 1 });
  assert.deepEqual(manifest.entries[0], { target: time(0), status: 'decode-error', frameIndex: 0, ptsSeconds: 0, detail: 'ERR_DECODE' });
  assert.equal(manifest.entries[1]?.status, 'delivered');
  assert.equal(manifest.plan, '1 fps');
  assert.equal(manifest.endedBy, null);
});

test('markUndelivered on a frame with several targets skips each of them', () => {
  const selector = createSelector({ fps: 60, endSeconds: 0.1 }, CFR.timeline);
  const selections = selector.select(gop(0), nextOf(0));
  assert.deepEqual(selections.map((s) => s.targets.length), [2, 2, 2]);
  selector.markUndelivered(selections[1] as (typeof selections)[number], 'dropped');
  const manifest = selector.finish('beyond-end');
  assert.deepEqual(manifest.skipped, { dropped: 2 });
  assert.equal(manifest.delivered, 2);
  assert.deepEqual(manifest.entries.map((e) => e.status), ['delivered', 'delivered', 'dropped', 'dropped', 'delivered', 'delivered']);
});

test('markUndelivered on an open-ended plan changes that frame\'s entry', () => {
  const selector = createSelector({ every: 100 }, CFR.timeline);
  const selections = selector.select(gop(0), nextOf(0));
  selector.markUndelivered(selections[0] as (typeof selections)[number], 'budget', 'ERR_BUDGET_EXCEEDED');
  const manifest = selector.finish('budget', 'ERR_BUDGET_EXCEEDED');
  assert.deepEqual(manifest.entries, [
    { target: { kind: 'index', index: 0 }, status: 'budget', frameIndex: 0, ptsSeconds: 0, detail: 'ERR_BUDGET_EXCEEDED' },
  ]);
  assert.deepEqual(manifest.skipped, { budget: 1 });
  assert.equal(manifest.delivered, 0);
  assert.equal(manifest.requested, null);
  assert.equal(manifest.endedBy, 'ERR_BUDGET_EXCEEDED');
});

test('finish with a reason: outstanding targets take it, with the error code as detail', () => {
  const selector = createSelector({ fps: 1 }, CFR.timeline);
  selector.select(gop(0), nextOf(0));
  const manifest = selector.finish('aborted', 'ERR_ABORTED');
  assert.equal(manifest.delivered, 2);
  assert.deepEqual(manifest.skipped, { aborted: 8 });
  assert.deepEqual(manifest.entries[2], { target: time(2), status: 'aborted', detail: 'ERR_ABORTED' });
  assert.equal(manifest.endedBy, 'ERR_ABORTED');
  assert.equal(selector.isDone(), true);
  assert.equal(selector.nextNeededSeconds(), null);
  assert.deepEqual(selector.select(gop(1), nextOf(1)), []);
  assert.equal(selector.finish('beyond-end'), manifest); // idempotent
});

test('maxFrames on an explicit plan: the rest are max-frames', () => {
  const result = simulate(createSelector({ fps: 1, maxFrames: 3 }, CFR.timeline), CFR, { seek: true });
  assert.deepEqual([...result.picks.keys()], [0, 30, 60]);
  assert.equal(result.manifest.plan, '1 fps, at most 3 frames');
  assert.deepEqual(result.manifest.skipped, { 'max-frames': 7 });
  assert.deepEqual(result.manifest.entries[3], { target: time(3), status: 'max-frames', detail: 'maxFrames (3) reached' });
  // Targets outside the range stay beyond-end even when the cap stopped the run.
  const at = simulate(createSelector({ at: [1, 2, 99], maxFrames: 1 }, CFR.timeline), CFR);
  assert.deepEqual(at.manifest.entries.map((e) => e.status), ['delivered', 'max-frames', 'beyond-end']);
});

test('maxFrames counts delivered frames: an undelivered frame frees its slot', () => {
  const selector = createSelector({ fps: 1, maxFrames: 3 }, CFR.timeline);
  assert.equal(selector.select(gop(0), nextOf(0)).length, 2);
  const [third] = selector.select(gop(1), nextOf(1)); // 2 s taken, 3 s refused by the cap
  assert.ok(third);
  assert.equal(selector.isDone(), true);
  selector.markUndelivered(third, 'decode-error');
  assert.equal(selector.isDone(), false);
  assert.equal(selector.nextNeededSeconds(), 4); // 3 s is pending but its frame has passed
  const late = selector.select(gop(2), nextOf(2));
  assert.deepEqual(late, [{ position: 0, targets: [time(3), time(4)] }]); // the first frame after 3 s
  assert.equal(selector.isDone(), true);
  const manifest = selector.finish('beyond-end');
  assert.deepEqual(manifest.skipped, { 'decode-error': 1, 'max-frames': 5 });
  assert.equal(manifest.delivered, 3);
});

test('requested per plan', () => {
  const cases: [object, number | null][] = [
    [{}, null], [{ every: 5 }, null], [{ keyframes: true }, null], [{ count: 4, first: true }, 4],
    [{ count: 9 }, 9], [{ at: [1, 2, 2] }, 3], [{ fps: 2 }, 20], [{ fps: 2, startSeconds: 9.2 }, 2],
  ];
  for (const [options, requested] of cases) assert.equal(createSelector(options, CFR.timeline).requested, requested, JSON.stringify(options));
});

test('a plan with nothing to select is done at once', () => {
  const selector = createSelector({ fps: 2, startSeconds: 30 }, CFR.timeline);
  assert.equal(selector.requested, 0);
  assert.equal(selector.isDone(), true);
  assert.equal(selector.nextNeededSeconds(), null);
  assert.deepEqual(selector.finish('beyond-end'), { plan: '2 fps from 30s', requested: 0, delivered: 0, entries: [], skipped: {}, endedBy: null });
});

test('entries stop at the limit, counts stay exact, and the plan says so', () => {
  const timeline = { startSeconds: 0, durationSeconds: 0.001, frameCount: 1, fps: 1000, constantFrameRate: true, isLive: false };
  const selector = createSelector({ fps: 1000, endSeconds: 200 }, timeline);
  assert.equal(selector.select([{ index: 0, ptsSeconds: 0, keyframe: true }], null).length, 1);
  const manifest = selector.finish('beyond-end');
  assert.equal(manifest.requested, 200_000);
  assert.equal(manifest.entries.length, MANIFEST_ENTRY_LIMIT);
  assert.deepEqual(manifest.skipped, { 'beyond-end': 199_999 });
  assert.equal(manifest.plan, `1000 fps until 200s; the manifest lists only the first ${MANIFEST_ENTRY_LIMIT} targets`);

  const frames = Array.from({ length: MANIFEST_ENTRY_LIMIT + 5 }, (_, index) => ({ index, ptsSeconds: index / 1000, keyframe: index === 0 }));
  const open = createSelector({}, { ...timeline, durationSeconds: null, frameCount: null });
  assert.equal(open.select(frames, null).length, MANIFEST_ENTRY_LIMIT + 5);
  const openManifest = open.finish('beyond-end');
  assert.equal(openManifest.delivered, MANIFEST_ENTRY_LIMIT + 5);
  assert.equal(openManifest.entries.length, OPEN_PLAN_ENTRY_LIMIT);
  assert.match(openManifest.plan, /^every frame; the manifest lists only the first 10000 frames$/);
});

test('finish returns one manifest; selecting afterwards changes nothing', () => {
  const selector = createSelector({ every: 2 }, CFR.timeline);
  selector.select(gop(0), nextOf(0));
  const manifest = selector.finish('beyond-end');
  assert.deepEqual(selector.select(gop(1), nextOf(1)), []);
  assert.equal(selector.finish('aborted'), manifest);
  assert.equal(manifest.delivered, 30);
  assert.equal(manifest.entries.length, 30);
});

test('misuse by the decode loop is an ERR_INTERNAL', () => {
  const selector = createSelector({ fps: 1 }, CFR.timeline);
  const [selection] = selector.select(gop(0), nextOf(0));
  assert.ok(selection);
  assert.throws(() => selector.markUndelivered({ position: 0, targets: [] }, 'dropped'), { code: 'ERR_INTERNAL', message: /did not return/ });
  selector.finish('beyond-end');
  assert.throws(() => selector.markUndelivered(selection, 'dropped'), { code: 'ERR_INTERNAL', message: /after finish/ });
  const open = createSelector({}, CFR.timeline);
  assert.throws(() => open.markUndelivered({ position: 0, targets: [] }, 'dropped'), { code: 'ERR_INTERNAL' });
  assert.throws(() => createSelector({}, { ...CFR.timeline, startSeconds: Number.NaN }), { code: 'ERR_INTERNAL' });
});

test('createSelector validates its options too', () => {
  assert.throws(() => createSelector({ every: 0 }, CFR.timeline), { code: 'ERR_INVALID_OPTIONS', message: /sampling\.every/ });
  assert.throws(() => createSelector({ evry: 3 } as object, CFR.timeline), { code: 'ERR_INVALID_OPTIONS', message: /unknown option sampling\.evry/ });
});
