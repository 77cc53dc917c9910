/**
 * The pure parts behind extract(): planned frame counts, model input → output options, progress reporters.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { httpProgress, outputForModel, plannedFrameCount, progressEvents, type VideoInfo } from '../src/index.ts';
import { coverSteps } from '../src/preprocess/filter-graph.ts';

const FILE = { frameCount: 1800, durationSeconds: 60, fps: 30, startSeconds: 0, isLive: false, keyframeIntervalEstimate: 60 } satisfies Partial<VideoInfo>;

describe('plannedFrameCount', () => {
  it('counts what each plan will deliver', () => {
    assert.equal(plannedFrameCount({}, FILE), 1800);
    assert.equal(plannedFrameCount({ every: 30 }, FILE), 60);
    assert.equal(plannedFrameCount({ every: 7 }, FILE), 258);
    assert.equal(plannedFrameCount({ fps: 1 }, FILE), 60);
    assert.equal(plannedFrameCount({ fps: 1, startSeconds: 10.5, endSeconds: 20 }, FILE), 10);
    assert.equal(plannedFrameCount({ count: 16 }, FILE), 16);
    assert.equal(plannedFrameCount({ at: [1, 2, 70] }, FILE), 2);
    assert.equal(plannedFrameCount({ keyframes: true }, FILE), 30);
    assert.equal(plannedFrameCount({ every: 2, maxFrames: 5 }, FILE), 5);
  });
  it('is null when it cannot be known', () => {
    assert.equal(plannedFrameCount({ fps: 1 }, { ...FILE, isLive: true, durationSeconds: null }), null);
    assert.equal(plannedFrameCount({ fps: 1, maxFrames: 9 }, { ...FILE, isLive: true, durationSeconds: null }), 9);
    assert.equal(plannedFrameCount({ keyframes: true }, { ...FILE, keyframeIntervalEstimate: null }), null);
  });
});

describe('outputForModel', () => {
  it('maps a declared input to output options with defaults', () => {
    assert.deepEqual(outputForModel({ width: 224, height: 224, mean: [0.5], std: [0.5] }), {
      width: 224, height: 224, fit: 'cover', pixelFormat: 'rgb24', layout: 'chw', dtype: 'float32', mean: [0.5], std: [0.5],
    });
  });
  it('passes a CLIP-style short side on to the filter graph', () => {
    const out = outputForModel({ width: 224, height: 224, shortestEdge: 256 });
    assert.equal(out.shortestEdge, 256);
    assert.equal(out.fit, 'cover');
    assert.equal(outputForModel({ width: 224, height: 224, shortestEdge: 224 }).shortestEdge, undefined);
  });
});

describe('cover geometry follows Hugging Face image processors', () => {
  it('rounds the long side down and crops at floor((scaled - crop) / 2)', () => {
    assert.deepEqual(coverSteps(320, 240, 224, 224), ['scale=298:224:out_range=full', 'crop=224:224:37:0']);
    assert.deepEqual(coverSteps(200, 500, 224, 224), ['scale=224:560:out_range=full', 'crop=224:224:0:168']);
    assert.deepEqual(coverSteps(1920, 1080, 224, 224, 256), ['scale=455:256:out_range=full', 'crop=224:224:115:16']);
    assert.deepEqual(coverSteps(224, 224, 224, 224), ['scale=224:224:out_range=full']);
    assert.throws(() => coverSteps(640, 480, 224, 224, 100), /shortestEdge/);
  });
});

describe('progress reporters', () => {
  it('httpProgress posts the seed payloads, throttled, always sending the last update', async () => {
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const hook = httpProgress(`http://127.0.0.1:${(server.address() as AddressInfo).port}/p`, { intervalMs: 1000 });
      hook.reset(10);
      for (let i = 1; i <= 10; i++) hook.update(i);
      await hook.flush();
      assert.deepEqual(bodies[0], { total_frames: 10 });
      assert.deepEqual(bodies.at(-1), { current_frame: 10 });
      assert.ok(bodies.length <= 3, `throttled: ${bodies.length} posts`);
    } finally {
      server.close();
    }
  });
  it('httpProgress never throws when the endpoint is down', async () => {
    const errors: unknown[] = [];
    const hook = httpProgress('http://127.0.0.1:9/unreachable', { onError: (e) => errors.push(e), intervalMs: 0 });
    hook.reset(1);
    hook.update(1);
    await hook.flush();
    assert.ok(errors.length >= 1);
  });
  it('progressEvents iterates events until finished', async () => {
    const p = progressEvents();
    p.listener({ type: 'source-failed', source: 's', error: { code: 'ERR_NOT_FOUND', message: 'x', retriable: false, details: {} } });
    p.listener({ type: 'finished', processed: 0, seconds: 0, framesPerSecond: 0 });
    const types: string[] = [];
    for await (const e of p.events) types.push(e.type);
    assert.deepEqual(types, ['source-failed', 'finished']);
  });
});
