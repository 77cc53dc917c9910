/**
 * Played frames → a model's input (src/runner/model-frames.ts) against the frame engine itself: for each
 * declared input, toBatch over the full-size rgb24 frames openVideo delivers must give what openVideo gives
 * when asked for outputForModel(input) directly.
 *
 * For an RGB source (PNG in MOV) both paths run the same filter on the same rgb24 pixels, so they must agree
 * exactly. For a YUV 4:2:0 source they cannot: the frame engine scales the Y and chroma planes and converts
 * to RGB at the model's size, while played frames were converted to RGB at full size first. There the
 * difference stays within a few levels on smooth content: with this seed's gradients 4 levels at most and
 * about 1 on average (other seeds' colours reach 12 at a few pixels). The test bounds it at 8 and 2.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Batch, Frame } from '../src/core/types.ts';
import { openVideo } from '../src/index.ts';
import type { ModelInput } from '../src/models/types.ts';
import { outputForModel } from '../src/pipeline/model-input.ts';
import { createModelFrames } from '../src/runner/model-frames.ts';
import { failure } from './helpers/assertions.ts';
import { compareFrames } from './helpers/ffmpeg.ts';
import { makeMedia } from './helpers/media.ts';

/** Not a multiple of 16 or 32, so FFmpeg frames have padded rows and the converter must honour linesize. */
const W = 250;
const H = 180;
const SAMPLING = { every: 7 };
const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];

const INPUTS: Record<string, ModelInput> = {
  'cover with shortestEdge (CLIP-style), uint8 hwc': { width: 112, height: 112, shortestEdge: 128, layout: 'hwc', dtype: 'uint8' },
  'contain with padding, uint8 hwc': { width: 96, height: 96, fit: 'contain', layout: 'hwc', dtype: 'uint8' },
  'cover, float32 chw with mean/std': { width: 64, height: 64, mean: MEAN, std: STD },
  'fill, upscaled, uint8 hwc': { width: 300, height: 200, fit: 'fill', layout: 'hwc', dtype: 'uint8' },
};

async function played(path: string): Promise<Frame[]> {
  await using video = await openVideo(path, { sampling: SAMPLING });
  const frames: Frame[] = [];
  for await (const frame of video.frames()) frames.push(frame);
  return frames;
}

async function engineBatch(path: string, input: ModelInput): Promise<Batch> {
  await using video = await openVideo(path, { sampling: SAMPLING, output: outputForModel(input) });
  const batches: Batch[] = [];
  for await (const batch of video.batches(1000)) batches.push(batch);
  assert.equal(batches.length, 1);
  return batches[0] as Batch;
}

/** Float tensors back to 0–255 levels (undoing mean/std), so differences read as pixel levels. */
function levels(batch: Batch, input: ModelInput): ArrayLike<number> {
  if (batch.dtype === 'uint8') return batch.data;
  const [n, c, h, w] = batch.shape;
  const out = new Float64Array(batch.data.length);
  for (let i = 0; i < out.length; i++) {
    const channel = Math.floor(i / (h * w)) % c;
    out[i] = ((batch.data[i] as number) * (input.std?.[channel] ?? 1) + (input.mean?.[channel] ?? 0)) * 255;
  }
  assert.equal(out.length, n * c * h * w);
  return out;
}

function checkSameForm(ours: Batch, engine: Batch, frames: readonly Frame[]): void {
  assert.deepEqual(ours.shape, engine.shape);
  assert.equal(ours.format, engine.format);
  assert.equal(ours.layout, engine.layout);
  assert.equal(ours.dtype, engine.dtype);
  assert.equal(ours.data.constructor, engine.data.constructor);
  assert.deepEqual(
    ours.frames.map((m) => m.index),
    frames.map((f) => f.index),
  );
}

describe('model frames from an RGB source: identical to the frame engine', () => {
  let path = '';
  let frames: Frame[] = [];
  before(async () => {
    path = await makeMedia('model-frames-rgb.mov', ['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30:duration=1`, '-c:v', 'png', '-pix_fmt', 'rgb24']);
    frames = await played(path);
    assert.equal(frames.length, 5);
    assert.equal(frames[0]?.width, W);
  });

  for (const [name, input] of Object.entries(INPUTS)) {
    it(`${name}: byte for byte`, async () => {
      const modelFrames = createModelFrames({ width: W, height: H }, input, { source: 'cam' });
      try {
        assert.notEqual(modelFrames.filter, null);
        const ours = modelFrames.toBatch(frames);
        const engine = await engineBatch(path, input);
        checkSameForm(ours, engine, frames);
        assert.deepEqual(compareFrames(ours.data, engine.data), { maxAbsDiff: 0, meanAbsDiff: 0 });
      } finally {
        modelFrames.close();
      }
    });
  }
});

describe('model frames from a YUV 4:2:0 source: within a few levels of the frame engine', () => {
  let path = '';
  let frames: Frame[] = [];
  before(async () => {
    path = await makeMedia('model-frames-yuv.mp4', ['-f', 'lavfi', '-i', `gradients=size=${W}x${H}:rate=30:duration=1:speed=0.01:seed=2`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    frames = await played(path);
    assert.equal(frames.length, 5);
  });

  for (const [name, input] of Object.entries(INPUTS)) {
    it(`${name}: max difference ≤ 8 levels, mean ≤ 2`, async () => {
      const modelFrames = createModelFrames({ width: W, height: H }, input, { source: 'cam' });
      try {
        const ours = modelFrames.toBatch(frames);
        const engine = await engineBatch(path, input);
        checkSameForm(ours, engine, frames);
        const { maxAbsDiff, meanAbsDiff } = compareFrames(levels(ours, input), levels(engine, input));
        assert.ok(maxAbsDiff <= 8 && meanAbsDiff <= 2, `max ${maxAbsDiff}, mean ${meanAbsDiff}`);
      } finally {
        modelFrames.close();
      }
    });
  }
});

describe('model frames without a filter graph', () => {
  let frames: Frame[] = [];
  before(async () => {
    const path = await makeMedia('model-frames-rgb.mov', ['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30:duration=1`, '-c:v', 'png', '-pix_fmt', 'rgb24']);
    frames = await played(path);
  });

  it('copies frames as they are when the model takes uint8 hwc rgb24 at the playback size', () => {
    const modelFrames = createModelFrames({ width: W, height: H }, { width: W, height: H, layout: 'hwc', dtype: 'uint8' }, { source: 'cam' });
    assert.equal(modelFrames.filter, null);
    const batch = modelFrames.toBatch(frames.slice(1, 3));
    assert.deepEqual(batch.shape, [2, H, W, 3]);
    assert.deepEqual(batch.data, new Uint8Array(Buffer.concat([frames[1]?.data as Uint8Array, frames[2]?.data as Uint8Array])));
    modelFrames.close();
  });

  it('applies layout, dtype and mean/std directly, exactly as the frame engine does', async () => {
    const input: ModelInput = { width: W, height: H, mean: MEAN, std: STD };
    const modelFrames = createModelFrames({ width: W, height: H }, input, { source: 'cam' });
    assert.equal(modelFrames.filter, null);
    const ours = modelFrames.toBatch(frames);
    const path = await makeMedia('model-frames-rgb.mov', ['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30:duration=1`, '-c:v', 'png', '-pix_fmt', 'rgb24']);
    const engine = await engineBatch(path, input);
    checkSameForm(ours, engine, frames);
    assert.deepEqual(ours.data, engine.data);
    modelFrames.close();
  });

  it('gives SourcedFrameMeta without pixels: index, time, duration, keyframe, decode time and the source id', () => {
    const modelFrames = createModelFrames({ width: W, height: H }, { width: 32, height: 32 }, { source: 'cam-7' });
    const batch = modelFrames.toBatch(frames.slice(0, 2));
    const f = frames[0] as Frame;
    assert.deepEqual(batch.frames[0], { index: f.index, ptsSeconds: f.ptsSeconds, durationSeconds: f.durationSeconds, keyframe: f.keyframe, decodedAtMs: f.decodedAtMs, source: 'cam-7' });
    assert.deepEqual(batch.shape, [2, 3, 32, 32]);
    modelFrames.close();
  });
});

describe('model frames: misuse', () => {
  const input: ModelInput = { width: 32, height: 32 };
  const frame = (width: number, data: Uint8Array | Float32Array): Frame => ({
    index: 0, ptsSeconds: 0, durationSeconds: null, keyframe: true, decodedAtMs: 0,
    width, height: 20, format: 'rgb24', layout: 'hwc', dtype: data instanceof Uint8Array ? 'uint8' : 'float32', data,
  });

  it('rejects frames of another size or type, and empty windows, with ERR_INVALID_OPTIONS', async () => {
    const modelFrames = createModelFrames({ width: 40, height: 20 }, input, { source: 's' });
    try {
      assert.equal(modelFrames.toBatch([frame(40, new Uint8Array(40 * 20 * 3))]).shape[0], 1);
      for (const bad of [[frame(42, new Uint8Array(42 * 20 * 3))], [frame(40, new Float32Array(40 * 20 * 3))], []]) {
        const err = await failure(async () => modelFrames.toBatch(bad));
        assert.equal(err.code, 'ERR_INVALID_OPTIONS');
      }
    } finally {
      modelFrames.close();
    }
  });

  it('rejects a bad playback size and a model input the engine would reject', async () => {
    assert.equal((await failure(async () => createModelFrames({ width: 0, height: 20 }, input, { source: 's' }))).code, 'ERR_INVALID_OPTIONS');
    assert.equal((await failure(async () => createModelFrames({ width: 40, height: 20 }, { width: 32, height: 32, dtype: 'uint8', mean: [0.5] }, { source: 's' }))).code, 'ERR_INVALID_OPTIONS');
  });

  it('close is idempotent and later batches fail with ERR_CLOSED', async () => {
    const modelFrames = createModelFrames({ width: 40, height: 20 }, input, { source: 's' });
    modelFrames.close();
    modelFrames.close();
    assert.equal((await failure(async () => modelFrames.toBatch([frame(40, new Uint8Array(40 * 20 * 3))]))).code, 'ERR_CLOSED');
  });
});
