/**
 * The offline schedule: hand-checked examples (the ones in docs/scheduling.md), then every combination of
 * count/step/interval/start over CFR, offset and VFR streams with jumps, compared call by call and drop by
 * drop with the brute-force reference; determinism across runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Due, Registration, ScheduleFrame, ScheduleStats } from '../src/schedule/index.ts';
import { createSchedule, requiredBufferFrames } from '../src/schedule/index.ts';
import { cfr, prng, referenceSchedule, vfr } from './schedule-fixtures.test.ts';

function run(regs: readonly Registration[], frames: readonly ScheduleFrame[], startSeconds?: number, extraBuffer = 0) {
  const bufferFrames = Math.max(...regs.map(requiredBufferFrames)) + extraBuffer;
  const schedule = createSchedule(regs, startSeconds === undefined ? { bufferFrames } : { bufferFrames, startSeconds });
  const due = new Map<number, Due[]>();
  const drops = [];
  for (const frame of frames) {
    const calls = schedule.onFrame(frame);
    if (calls.length > 0) due.set(frame.index, calls);
    drops.push(...schedule.lastDrops());
  }
  const stats = schedule.finish();
  drops.push(...schedule.lastDrops());
  return { due, drops, stats };
}

const at = (result: ReturnType<typeof run>) =>
  [...result.due.values()].flat().map((d) => `${d.algorithm}@${d.position.index}:${d.frames.join(',')}`);

test('30 fps, pose (4 frames, 10 apart, every 1 s): warms up through due time 0, then fires on the grid', () => {
  const result = run([{ name: 'pose', frameCount: 4, frameStep: 10, intervalSeconds: 1 }], cfr(30, 100));
  assert.deepEqual(at(result), ['pose@30:0,10,20,30', 'pose@60:30,40,50,60', 'pose@90:60,70,80,90']);
  assert.deepEqual(result.due.get(30)?.[0]?.dueSeconds, 1);
  assert.equal(result.stats.algorithms.pose?.dropped['warming-up'], 1);
  assert.equal(result.stats.algorithms.pose?.fired, 3);
});

test('a warm-up shorter than the interval delays the first call, without moving the grid', () => {
  const result = run([{ name: 'clip', frameCount: 8, frameStep: 1, intervalSeconds: 0.5 }], cfr(30, 40));
  assert.deepEqual(at(result), ['clip@7:0,1,2,3,4,5,6,7', 'clip@15:8,9,10,11,12,13,14,15', 'clip@30:23,24,25,26,27,28,29,30']);
  assert.deepEqual([...result.due.values()].flat().map((d) => d.dueSeconds), [0, 0.5, 1]);
  assert.equal(result.stats.algorithms.clip?.dropped['warming-up'], 0);
});

test('fractional intervals do not drift: 1/3 s on 30 fps is frames 0, 10, 20 … for 100 s', () => {
  const result = run([{ name: 'third', frameCount: 1, frameStep: 1, intervalSeconds: 1 / 3 }], cfr(30, 3000));
  const indices = [...result.due.keys()];
  assert.equal(indices.length, 300);
  assert.ok(indices.every((index, k) => index === 10 * k), `first drift at ${indices.find((i, k) => i !== 10 * k)}`);
  assert.equal(result.stats.algorithms.third?.dropped.skipped, 0);
});

test('a fractional start: frames before it are ignored, the grid starts at it', () => {
  const result = run([{ name: 'a', frameCount: 1, frameStep: 1, intervalSeconds: 0.5 }], cfr(30, 60), 0.37);
  assert.deepEqual([...result.due.keys()], [12, 27, 42, 57]);
  assert.deepEqual([...result.due.values()].flat().map((d) => d.dueSeconds), [0.37, 0.87, 1.37, 1.87]);
  assert.equal(result.stats.framesBeforeStart, 12);
  assert.equal(result.stats.framesConsidered, 48);
});

test('frameStep counts buffered frames: with a start, the window never reaches before it', () => {
  const result = run([{ name: 'w', frameCount: 3, frameStep: 2, intervalSeconds: 1 }], cfr(30, 70), 1);
  assert.deepEqual(at(result), ['w@34:30,32,34', 'w@60:56,58,60']);
});

test('a jump past several due times fires once and counts the others as skipped', () => {
  const frames = [...cfr(30, 10), { index: 10, ptsSeconds: 3.01 }, { index: 11, ptsSeconds: 3.04 }];
  const result = run([{ name: 'a', frameCount: 1, frameStep: 1, intervalSeconds: 1 }], frames);
  assert.deepEqual([...result.due.keys()], [0, 10]);
  assert.equal(result.due.get(10)?.[0]?.dueSeconds, 3);
  assert.deepEqual(result.drops.map((d) => [d.cause, d.count, d.dueSeconds, d.position?.index]), [['skipped', 2, 1, 10]]);
});

test('an interval shorter than a frame skips the due times between frames', () => {
  const result = run([{ name: 'fast', frameCount: 1, frameStep: 1, intervalSeconds: 0.01 }], cfr(25, 26));
  assert.equal(result.stats.algorithms.fast?.fired, 26);
  assert.equal(result.stats.algorithms.fast?.dropped.skipped, 75); // 101 due times 0 … 1.00, 26 frames fire
});

test('several algorithms on one frame come in registration order', () => {
  const regs = [
    { name: 'z', frameCount: 1, frameStep: 1, intervalSeconds: 1 },
    { name: 'a', frameCount: 2, frameStep: 1, intervalSeconds: 0.5 },
  ];
  const result = run(regs, cfr(10, 21));
  assert.deepEqual(result.due.get(10)?.map((d) => d.algorithm), ['z', 'a']);
  assert.deepEqual(at(result), ['z@0:0', 'a@1:0,1', 'a@5:4,5', 'z@10:10', 'a@10:9,10', 'a@15:14,15', 'z@20:20', 'a@20:19,20']);
});

test('a stream too short for the window drops its due time as warming-up at finish', () => {
  const result = run([{ name: 'long', frameCount: 50, frameStep: 1, intervalSeconds: 10 }], cfr(30, 20));
  assert.equal(result.due.size, 0);
  assert.deepEqual(result.drops.map((d) => [d.cause, d.count, d.position]), [['warming-up', 1, null]]);
});

const COUNTS = [1, 2, 3, 5];
const STEPS = [1, 2, 4];
const INTERVALS = [0.04, 0.1, 1 / 3, 0.5, 1, 2.5, 1 / 30];
const STARTS = [undefined, 0, 0.37, 1 / 3, 1.5, 2.0000004];

function allRegistrations(): Registration[] {
  return COUNTS.flatMap((frameCount) => STEPS.flatMap((frameStep) => INTERVALS.map((intervalSeconds) => ({
    name: `c${frameCount}s${frameStep}i${intervalSeconds.toFixed(4)}`, frameCount, frameStep, intervalSeconds,
  }))));
}

function assertMatchesReference(regs: readonly Registration[], frames: readonly ScheduleFrame[], startSeconds?: number, extraBuffer = 0): void {
  const actual = run(regs, frames, startSeconds, extraBuffer);
  const expected = referenceSchedule(regs, frames, startSeconds);
  const inRange = frames.filter((f) => startSeconds === undefined || f.ptsSeconds >= startSeconds - 1e-6);
  const byIndex = new Map([...expected.due].map(([j, calls]) => [(inRange[j] as ScheduleFrame).index, calls]));
  const label = `start ${startSeconds}, ${frames.length} frames`;
  assert.deepEqual(actual.due, byIndex, label);
  for (const reg of regs) {
    const dropped = Object.fromEntries(Object.entries(actual.stats.algorithms[reg.name]?.dropped ?? {}).filter(([, n]) => n > 0));
    assert.deepEqual(dropped, expected.dropped[reg.name] ?? {}, `${label}, ${reg.name}`);
  }
}

test('every combination of count/step/interval/start on a 30 fps stream equals the reference', () => {
  const frames = cfr(30, 150);
  for (const start of STARTS) assertMatchesReference(allRegistrations(), frames, start);
});

test('… on an NTSC stream that starts at 1.4 s, with a larger buffer', () => {
  const frames = cfr(30000 / 1001, 120, 1.4);
  for (const start of STARTS) assertMatchesReference(allRegistrations(), frames, start, 17);
});

test('… on seeded VFR streams with jumps', () => {
  for (let seed = 1; seed <= 12; seed += 1) {
    const frames = vfr(seed, 160);
    for (const start of [undefined, 0.5, (frames[40] as ScheduleFrame).ptsSeconds, 2.25]) {
      assertMatchesReference(allRegistrations(), frames, start);
    }
  }
});

test('random registrations and streams equal the reference (seeded)', () => {
  const random = prng(2024);
  for (let round = 0; round < 150; round += 1) {
    const regs = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => ({
      name: `r${i}`,
      frameCount: 1 + Math.floor(random() * 6),
      frameStep: 1 + Math.floor(random() * 5),
      intervalSeconds: [0.02, 0.25, 1 / 3, 0.7, 1.1, 3][Math.floor(random() * 6)] as number,
    }));
    const frames = random() < 0.5 ? vfr(round, 40 + Math.floor(random() * 200)) : cfr([24, 25, 30, 60][round % 4] as number, 90, random() * 2);
    const start = random() < 0.5 ? undefined : Math.round(random() * 3000) / 1000;
    assertMatchesReference(regs, frames, start, Math.floor(random() * 10));
  }
});

test('two runs over the same frames give identical calls, drops and counters', () => {
  const regs = allRegistrations();
  const frames = vfr(99, 300);
  const first = run(regs, frames, 0.25);
  const second = run(regs, frames, 0.25);
  assert.deepEqual(second, first);
  const stats: ScheduleStats = first.stats;
  assert.equal(stats.framesConsidered + stats.framesBeforeStart, 300);
});

test('stats() is a copy; finish() twice adds nothing', () => {
  const schedule = createSchedule([{ name: 'a', frameCount: 3, frameStep: 1, intervalSeconds: 1 }], { bufferFrames: 3 });
  schedule.onFrame({ index: 0, ptsSeconds: 0 });
  const snapshot = schedule.stats();
  (snapshot.algorithms.a as { fired: number }).fired = 99;
  assert.equal(schedule.stats().algorithms.a?.fired, 0);
  assert.equal(schedule.finish().algorithms.a?.dropped['warming-up'], 1);
  assert.deepEqual(schedule.finish(), schedule.stats());
  assert.deepEqual(schedule.lastDrops(), []);
});

test('a frame without a finite pts is a caller bug: ERR_INTERNAL', () => {
  const schedule = createSchedule([{ name: 'a', frameCount: 1, frameStep: 1, intervalSeconds: 1 }], { bufferFrames: 1 });
  assert.throws(() => schedule.onFrame({ index: 0, ptsSeconds: Number.NaN }), { code: 'ERR_INTERNAL' });
});
