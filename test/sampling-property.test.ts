/**
 * Property-style checks: many random CFR and VFR streams and option combinations, each fed through the
 * decoder simulation in several ways (every GOP, seeking, frame by frame, odd run sizes); the delivered
 * frames and the manifest must equal the brute-force reference every time. Seeded, so failures replay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SamplingOptions } from '../src/core/types.ts';
import { createSelector } from '../src/sampling/selector.ts';
import type { SimOptions, Stream } from './sampling-fixtures.test.ts';
import { assertMatchesReference, cfrStream, prng, randomVfrStream, reference, simulate } from './sampling-fixtures.test.ts';

const FEEDS: SimOptions[] = [{}, { seek: true }, { runFrames: 1 }, { seek: true, runFrames: 7 }];
const SOURCE_FPS = [24, 25, 30, 30000 / 1001, 60, 12.5];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomCfr(random: () => number): Stream {
  const fps = pick(random, SOURCE_FPS);
  return cfrStream({
    fps,
    frames: 1 + Math.floor(random() * 400),
    startSeconds: pick(random, [0, 0, 1.4, Math.round(random() * 5000) / 1000]),
    gop: pick(random, [1, 12, 30, 60, 250]),
    jitterSeconds: pick(random, [0, 1e-8, 4e-7]),
    seed: Math.floor(random() * 1e9),
  });
}

function streamSpan(stream: Stream): [number, number] {
  const first = stream.frames[0]?.ptsSeconds ?? 0;
  const last = stream.frames.at(-1)?.ptsSeconds ?? 0;
  return [first, last];
}

/** Random valid options for a stream: a mode, maybe a range, maybe a cap. */
function randomOptions(random: () => number, stream: Stream): SamplingOptions {
  const [first, last] = streamSpan(stream);
  const span = last - first + 1;
  const frameTime = (): number => (stream.frames[Math.floor(random() * stream.frames.length)] as { ptsSeconds: number }).ptsSeconds;
  const time = (): number => Math.max(0, pick(random, [first + random() * span, frameTime(), first - 0.5 + random() * (span + 2)]));
  const modes: (() => SamplingOptions)[] = [
    () => ({}),
    () => ({ every: 1 + Math.floor(random() * 40) }),
    () => ({ fps: pick(random, [0.5, 1, 2, 7.3, 30, 60, 120, 0.1 + random() * 100]) }),
    () => ({ count: 1 + Math.floor(random() * 500) }),
    () => ({ count: 1 + Math.floor(random() * 60), first: true }),
    () => ({ at: Array.from({ length: 1 + Math.floor(random() * 20) }, time) }),
    () => ({ keyframes: true }),
  ];
  const options: SamplingOptions = pick(random, modes)();
  if (random() < 0.4) options.startSeconds = Math.round(Math.max(0, first - 1 + random() * span) * 1000) / 1000;
  if (random() < 0.4) options.endSeconds = (options.startSeconds ?? 0) + 0.01 + random() * span;
  if (random() < 0.3) options.maxFrames = 1 + Math.floor(random() * 50);
  return options;
}

function check(stream: Stream, options: SamplingOptions, label: string): void {
  const tl = stream.timeline;
  if (options.count !== undefined && !options.first && options.endSeconds === undefined && (tl.durationSeconds === null || tl.isLive)) {
    assert.throws(() => createSelector(options, tl), { code: 'ERR_INVALID_OPTIONS' }, label);
    return;
  }
  const expected = reference(options, stream);
  for (const feed of FEEDS) {
    const result = simulate(createSelector(options, stream.timeline), stream, feed);
    assertMatchesReference(result, expected, `${label} feed=${JSON.stringify(feed)}`);
  }
}

test('random CFR streams and options match the brute-force reference', () => {
  const random = prng(20240611);
  for (let i = 0; i < 600; i++) {
    const stream = randomCfr(random);
    const options = randomOptions(random, stream);
    check(stream, options, `case ${i} ${JSON.stringify(options)} tl=${JSON.stringify(stream.timeline)}`);
  }
});

test('random VFR streams and options match the brute-force reference', () => {
  const random = prng(777);
  for (let i = 0; i < 600; i++) {
    const vfr = randomVfrStream(random, 1 + Math.floor(random() * 300), pick(random, [0, 1.4, 3.21]));
    // Declared durations are often a little off, and the average rate is sometimes unknown.
    const duration = vfr.timeline.durationSeconds;
    const stream: Stream = {
      ...vfr,
      timeline: {
        ...vfr.timeline,
        durationSeconds: duration === null ? null : duration * pick(random, [1, 1, 0.9, 1.1]),
        fps: random() < 0.2 ? null : vfr.timeline.fps,
      },
    };
    const options = randomOptions(random, stream);
    check(stream, options, `case ${i} ${JSON.stringify(options)}`);
  }
});

test('random streams without a declared duration: fps runs lazily, count needs an end', () => {
  const random = prng(99);
  for (let i = 0; i < 300; i++) {
    const cfr = randomCfr(random);
    const isLive = random() < 0.5;
    const stream: Stream = { ...cfr, timeline: { ...cfr.timeline, durationSeconds: null, frameCount: null, isLive } };
    const options = randomOptions(random, stream);
    check(stream, options, `case ${i} ${JSON.stringify(options)}`);
  }
});

test('seeking never decodes more than feeding every GOP, and sparse plans decode less', () => {
  const stream = cfrStream({ fps: 30, frames: 3000, gop: 30 });
  for (const options of [{ fps: 0.2 }, { count: 5 }, { at: [10, 50, 90] }, { every: 300 }] as SamplingOptions[]) {
    const all = simulate(createSelector(options, stream.timeline), stream, {});
    const seeking = simulate(createSelector(options, stream.timeline), stream, { seek: true });
    assert.deepEqual([...seeking.picks.keys()], [...all.picks.keys()]);
    assert.ok(seeking.framesFed <= all.framesFed / 4, `${JSON.stringify(options)}: fed ${seeking.framesFed} of ${all.framesFed}`);
  }
});
