/**
 * The pipeline's state table: run, pause, resume and stop in every state (created, running, paused,
 * stopping, stopped, failed), with the events each transition emits and the report each stop returns.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createPipeline, type Frame, type Pipeline, type PipelineOptions, type PipelineState } from '../src/index.ts';
import { failure } from './helpers/assertions.ts';
import { makeMedia } from './helpers/media.ts';

function clip(): Promise<string> {
  return makeMedia('runner-life-25fps.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25:duration=2', '-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p',
  ]);
}

const index = { run: (f: readonly Frame[]) => f[0]?.index };

async function make(extra: Partial<PipelineOptions> = {}): Promise<{ pipeline: Pipeline; states: PipelineState[] }> {
  const states: PipelineState[] = [];
  const pipeline = createPipeline({
    source: await clip(),
    algorithms: [{ name: 'idx', algorithm: index, intervalSeconds: 0.04 }],
    onEvent: (e) => {
      if (e.type === 'state') states.push(e.state);
    },
    ...extra,
  });
  return { pipeline, states };
}

describe('pipeline states', () => {
  it('created: stop ends it without running; run afterwards is refused', async () => {
    const { pipeline, states } = await make();
    assert.equal(pipeline.state, 'created');
    assert.equal(pipeline.resume(), false);
    const report = await pipeline.stop();
    assert.equal(pipeline.state, 'stopped');
    assert.equal(report.reason, 'stopped');
    assert.equal(report.framesPlayed, 0);
    assert.deepEqual(states, ['stopped']);
    const err = await failure(() => pipeline.run());
    assert.equal(err.code, 'ERR_INVALID_OPTIONS');
    assert.equal(pipeline.pause(), false);
  });

  it('created: pause before run starts the run paused; resume lets it finish', async () => {
    const { pipeline, states } = await make();
    assert.equal(pipeline.pause(), true);
    assert.equal(pipeline.pause(), false, 'already paused');
    const running = pipeline.run();
    await sleep(300);
    assert.equal(pipeline.state, 'paused');
    assert.equal(pipeline.resume(), true);
    const report = await running;
    assert.equal(report.framesPlayed, 50);
    assert.deepEqual(states, ['running', 'paused', 'running', 'stopping', 'stopped']);
  });

  it('running: pause holds playback (offline); stop while paused ends it', async () => {
    let pipeline: Pipeline | null = null;
    let frames = 0;
    const built = await make({
      onFrame: () => {
        frames += 1;
        if (frames === 5) pipeline?.pause();
      },
    });
    pipeline = built.pipeline;
    const running = pipeline.run();
    while (pipeline.state !== 'paused') await sleep(10);
    await sleep(200);
    assert.equal(frames, 5, 'no frame is played while paused');
    assert.equal(pipeline.resume(), true);
    assert.equal(pipeline.pause(), true);
    const report = await pipeline.stop();
    assert.equal(report.reason, 'stopped');
    assert.equal(report.state, 'stopped');
    assert.ok(report.framesPlayed >= 5 && report.framesPlayed < 50);
    assert.equal(await running, report);
    assert.deepEqual(built.states.slice(0, 4), ['running', 'paused', 'running', 'paused']);
    assert.deepEqual(built.states.slice(-2), ['stopping', 'stopped']);
  });

  it('stopping: pause and resume are refused, stop waits for the same report', async () => {
    let pipeline: Pipeline | null = null;
    const slowIdx = { run: async (f: readonly Frame[]) => { await sleep(50); return f[0]?.index; } };
    const built = await make({ algorithms: [{ name: 'idx', algorithm: slowIdx, intervalSeconds: 0.04 }] });
    pipeline = built.pipeline;
    const running = pipeline.run();
    await sleep(300);
    const first = pipeline.stop();
    assert.equal(pipeline.state, 'stopping');
    assert.equal(pipeline.pause(), false);
    assert.equal(pipeline.resume(), false);
    const second = pipeline.stop();
    const [a, b, c] = await Promise.all([first, second, running]);
    assert.equal(a, b);
    assert.equal(a, c);
    assert.equal(pipeline.state, 'stopped');
  });

  it('stopped (ended): everything is a no-op and stop returns the final report', async () => {
    const { pipeline } = await make();
    const report = await pipeline.run();
    assert.equal(report.reason, 'ended');
    assert.equal(pipeline.pause(), false);
    assert.equal(pipeline.resume(), false);
    assert.equal(await pipeline.stop(), report);
    assert.equal(pipeline.report, report);
  });

  it('failed: pause and resume are refused and stop returns the failed report', async () => {
    const boom = { run: () => { throw new Error('nope'); } };
    const { pipeline, states } = await make({ algorithms: [{ name: 'boom', algorithm: boom, intervalSeconds: 1 }] });
    const err = await failure(() => pipeline.run());
    assert.equal(err.code, 'ERR_ALGORITHM');
    assert.equal(pipeline.state, 'failed');
    assert.equal(pipeline.pause(), false);
    assert.equal(pipeline.resume(), false);
    const report = await pipeline.stop();
    assert.equal(report.state, 'failed');
    assert.equal(report.error, err);
    assert.deepEqual(states, ['running', 'stopping', 'failed']);
  });

  it('an AbortSignal stops the run like stop()', async () => {
    const controller = new AbortController();
    const { pipeline } = await make({ mode: 'realtime', signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const report = await pipeline.run();
    assert.equal(report.reason, 'stopped');
    assert.ok(report.framesPlayed < 50);
  });

  it('a signal aborted before run() stops it at once with ERR_ABORTED', async () => {
    const { pipeline } = await make({ signal: AbortSignal.abort() });
    const err = await failure(() => pipeline.run());
    assert.equal(err.code, 'ERR_ABORTED');
    assert.equal(pipeline.state, 'stopped');
  });

  it('disposes every algorithm and closes the sinks it opened, whatever the ending', async () => {
    const log: string[] = [];
    const tracked = { init: () => void log.push('init'), run: () => 1, dispose: () => void log.push('dispose') };
    const sink = { name: 'mem', open: async () => void log.push('open'), write: async () => undefined, close: async () => void log.push('close') };
    let pipeline: Pipeline | null = null;
    ({ pipeline } = await make({ algorithms: [{ name: 't', algorithm: tracked, intervalSeconds: 0.5 }], sinks: [sink], onFrame: () => void pipeline?.stop() }));
    await pipeline.run();
    assert.deepEqual(log.sort(), ['close', 'dispose', 'init', 'open']);
    // Stopped while the source is still opening: nothing was started, so nothing is left to release.
    log.length = 0;
    const early = (await make({ algorithms: [{ name: 't', algorithm: tracked, intervalSeconds: 0.5 }], sinks: [sink] })).pipeline;
    const run = early.run();
    await early.stop();
    assert.equal((await run).reason, 'stopped');
    assert.deepEqual(log, []);
  });
});
