/**
 * Offline pipelines end to end over real decoded clips: every call is checked frame by frame against the
 * pure schedule run over the same frames (the oracle), two runs must give identical results, and start
 * position, target fps, models, hooks, errors and options behave as documented.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Algorithm, createPipeline, createSchedule, defineModel, type Due, type Frame, openVideo, type PipelineEvent,
  type Position, type Registration, selectForPlayback,
} from '../src/index.ts';
import { failure } from './helpers/assertions.ts';
import { makeMedia } from './helpers/media.ts';

/** 3 s of 25 fps testsrc2, 64×48, GOP 10: 75 frames with distinct pixels. */
function clip(): Promise<string> {
  return makeMedia('runner-25fps.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25:duration=3', '-c:v', 'libx264', '-g', '10', '-pix_fmt', 'yuv420p',
  ]);
}

function sum(data: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < data.length; i++) total += data[i] as number;
  return total;
}

/** Mean pixel value of a window's frames: deterministic and sensitive to the exact frames. */
const meanOf: Algorithm<number[]> = {
  run: (frames) => frames.map((f) => Math.round((sum(f.data) / f.data.length) * 1000) / 1000),
};

interface Call {
  algorithm: string;
  dueSeconds: number;
  frames: readonly number[];
  index: number;
  result?: unknown;
}

const REGISTRATIONS: Registration[] = [
  { name: 'every-200ms', frameCount: 1, frameStep: 1, intervalSeconds: 0.2 },
  { name: 'three-step-two', frameCount: 3, frameStep: 2, intervalSeconds: 0.5 },
  { name: 'third', frameCount: 1, frameStep: 1, intervalSeconds: 1 / 3 },
];

async function decodedFrames(path: string): Promise<{ index: number; ptsSeconds: number; durationSeconds: number | null }[]> {
  await using video = await openVideo(path, { output: { width: 8, height: 8 } });
  const out = [];
  for await (const f of video.frames()) out.push({ index: f.index, ptsSeconds: f.ptsSeconds, durationSeconds: f.durationSeconds });
  return out;
}

function oracle(frames: readonly { index: number; ptsSeconds: number }[], bufferFrames: number, startSeconds?: number): Call[] {
  const schedule = createSchedule(REGISTRATIONS, { bufferFrames, startSeconds });
  return frames.flatMap((f) => schedule.onFrame(f).map((d: Due) => ({ algorithm: d.algorithm, dueSeconds: d.dueSeconds, frames: d.frames, index: d.position.index })));
}

async function runCalls(path: string, extra: Record<string, unknown> = {}): Promise<{ calls: Call[]; report: Awaited<ReturnType<ReturnType<typeof createPipeline>['run']>> }> {
  const calls: Call[] = [];
  const pipeline = createPipeline({
    source: path,
    algorithms: REGISTRATIONS.map((r) => ({ ...r, algorithm: meanOf })),
    bufferFrames: 8,
    collect: (p: Position, algorithm: string, result: unknown) => {
      calls.push({ algorithm, dueSeconds: p.dueSeconds, frames: p.frames, index: p.index, result });
    },
    ...extra,
  });
  const report = await pipeline.run();
  return { calls, report };
}

const strip = (calls: Call[]) => calls.map(({ result: _, ...c }) => c);

describe('offline pipeline', () => {
  it('makes exactly the calls of the pure schedule, frame by frame, and two runs are identical', async () => {
    const path = await clip();
    const frames = await decodedFrames(path);
    assert.equal(frames.length, 75);
    const first = await runCalls(path);
    assert.deepEqual(strip(first.calls), oracle(frames, 8));
    const second = await runCalls(path);
    assert.deepEqual(second.calls, first.calls);
    assert.equal(first.report.state, 'stopped');
    assert.equal(first.report.reason, 'ended');
    assert.equal(first.report.framesPlayed, 75);
    assert.equal(first.report.algorithms['every-200ms']?.fired, 15);
    assert.equal(first.report.algorithms['every-200ms']?.completed, 15);
    assert.ok(first.report.peakBufferedFrames <= 8);
    // Windows of three frames two apart hold three distinct means.
    const window = first.calls.find((c) => c.algorithm === 'three-step-two');
    assert.equal((window?.result as number[]).length, 3);
  });

  it('honours a fractional start position and a target fps, as the pure policies do', async () => {
    const path = await clip();
    const frames = await decodedFrames(path);
    const startSeconds = 0.53;
    const after = frames.filter((f) => f.ptsSeconds >= startSeconds - 1e-6);
    const played = selectForPlayback(after, { targetFps: 10, startSeconds });
    const { calls, report } = await runCalls(path, { startSeconds, targetFps: 10 });
    assert.deepEqual(strip(calls), oracle(played, 8, startSeconds));
    assert.equal(report.framesPlayed, played.length);
    assert.ok(calls.every((c) => c.index >= 14), 'no call before the start');
  });

  it('converts frames to a model\u2019s declared input and returns its output per window', async () => {
    const path = await clip();
    const seen: number[][] = [];
    const model = defineModel((batch) => {
      seen.push([...batch.shape]);
      return batch.frames.map((f) => f.index);
    }, { width: 16, height: 16, layout: 'chw', dtype: 'float32' }, 'test:index');
    const results: unknown[] = [];
    await createPipeline({
      source: path,
      algorithms: [{ name: 'one', algorithm: model, intervalSeconds: 1 }, { name: 'pair', algorithm: model, frameCount: 2, intervalSeconds: 1 }],
      collect: (_p, _a, r) => void results.push(r),
    }).run();
    assert.deepEqual(seen[0], [1, 3, 16, 16]);
    assert.deepEqual(seen[1], [2, 3, 16, 16]);
    assert.deepEqual(results.slice(0, 2), [0, [0, 1]]);
  });

  it('gives the hook its own copy of each frame and the latest results', async () => {
    const path = await clip();
    let hooked = 0;
    let latestAtLast: unknown;
    await createPipeline({
      source: path,
      endSeconds: 1,
      algorithms: [{ name: 'idx', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.4 }],
      onFrame: (frame, { latest }) => {
        hooked += 1;
        frame.data.fill(0);
        latestAtLast = latest.get('idx')?.result;
      },
      collect: () => undefined,
    }).run();
    assert.equal(hooked, 25);
    assert.equal(latestAtLast, 20);
  });

  it('fails with ERR_ALGORITHM when an algorithm throws, keeping the report', async () => {
    const path = await clip();
    const pipeline = createPipeline({
      source: path,
      algorithms: [{ name: 'boom', algorithm: { run: (f: readonly Frame[]) => { if ((f[0]?.index ?? 0) >= 25) throw new Error('kaput'); return 1; } }, intervalSeconds: 0.2 }],
    });
    const err = await failure(() => pipeline.run());
    assert.equal(err.code, 'ERR_ALGORITHM');
    assert.match(err.message, /'boom' failed on frame 25 .*kaput/);
    assert.equal(pipeline.state, 'failed');
    assert.equal(pipeline.report?.algorithms.boom?.completed, 5);
  });

  it('reports algorithm errors and goes on with onAlgorithmError: report', async () => {
    const path = await clip();
    const events: PipelineEvent[] = [];
    const report = await createPipeline({
      source: path,
      onAlgorithmError: 'report',
      onEvent: (e) => events.push(e),
      algorithms: [{ name: 'odd', algorithm: { run: (f: readonly Frame[]) => { if ((f[0]?.index ?? 0) % 2) throw new Error('odd frame'); return 0; } }, intervalSeconds: 0.04 }],
    }).run();
    assert.equal(report.state, 'stopped');
    assert.equal(report.algorithms.odd?.errors, 37);
    assert.equal(report.algorithms.odd?.completed, 38);
    assert.equal(events.filter((e) => e.type === 'algorithm-error').length, 37);
  });

  it('fails a missing source with its own error, in state failed', async () => {
    const pipeline = createPipeline({ source: '/nonexistent/clip.mp4', algorithms: [{ name: 'm', algorithm: meanOf, intervalSeconds: 1 }] });
    const err = await failure(() => pipeline.run());
    assert.equal(err.code, 'ERR_NOT_FOUND');
    assert.equal(pipeline.state, 'failed');
  });
});

describe('pipeline options', () => {
  const alg = { name: 'a', algorithm: meanOf, intervalSeconds: 1 };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['buffer too small for a window', { algorithms: [{ ...alg, frameCount: 4, frameStep: 10 }], bufferFrames: 20 }, /needs a buffer of 31 frames.*at least 31/],
    ['no algorithms, no hook', { algorithms: [] }, /register at least one algorithm/],
    ['bad mode', { algorithms: [alg], mode: 'fast' }, /mode is invalid/],
    ['negative interval', { algorithms: [{ ...alg, intervalSeconds: -1 }] }, /intervalSeconds/],
    ['duplicate names', { algorithms: [alg, alg] }, /registered twice/],
    ['not an algorithm', { algorithms: [{ name: 'x', algorithm: {}, intervalSeconds: 1 }] }, /algorithms\[0\]\.algorithm/],
    ['end before start', { algorithms: [alg], startSeconds: 2, endSeconds: 1 }, /endSeconds/],
    ['zero target fps', { algorithms: [alg], targetFps: 0 }, /targetFps/],
    ['speed offline', { algorithms: [alg], speed: 2 }, /speed applies to mode 'realtime'/],
    ['record without path', { algorithms: [alg], record: {} }, /record\.path/],
  ];
  for (const [name, options, message] of cases) {
    it(`rejects ${name} at createPipeline`, () => {
      assert.throws(() => createPipeline({ source: 'x.mp4', ...options } as never), (err: { code: string; message: string }) => {
        assert.equal(err.code, 'ERR_INVALID_OPTIONS');
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
