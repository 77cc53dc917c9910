/**
 * Sampling plans on real files: the delivered frames are exactly the ones the plan names (checked against
 * FFmpeg's per-frame listing), and the engine decodes only what they need.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openVideo, type SamplingOptions } from '../src/index.ts';
import { type ProbedFrame, probeFrames } from './helpers/ffmpeg.ts';
import { fixture, makeMedia } from './helpers/media.ts';

async function sample(path: string, sampling: SamplingOptions) {
  await using video = await openVideo(path, { sampling, output: { width: 16, height: 16 } });
  const frames: { index: number; ptsSeconds: number; keyframe: boolean }[] = [];
  for await (const f of video.frames()) frames.push({ index: f.index, ptsSeconds: f.ptsSeconds, keyframe: f.keyframe });
  return { frames, manifest: video.manifest, stats: video.stats, info: video.info };
}

/** The frame displayed at t: the last frame with pts <= t (the first frame if t precedes it). */
function displayedAt(listing: ProbedFrame[], t: number): ProbedFrame {
  let chosen = listing[0] as ProbedFrame;
  for (const f of listing) if (f.ptsSeconds <= t + 1e-6) chosen = f;
  return chosen;
}

const longClip = () =>
  makeMedia('cfr-20s.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-bf', '3', '-pix_fmt', 'yuv420p']);

describe('sampling on real files', () => {
  it('every N delivers indices 0, N, 2N… and skips most decoding', async () => {
    const path = await fixture('h264-bframes.mp4');
    const { frames, stats } = await sample(path, { every: 30 });
    assert.deepEqual(frames.map((f) => f.index), [0, 30, 60]);
    assert.deepEqual(frames.map((f) => f.ptsSeconds), [0, 1, 2]);
    assert.ok(stats && stats.framesDecoded < 90, `decoded ${stats?.framesDecoded} of 90 frames`);
  });

  it('every N with B-frames mid-GOP picks the right frames', async () => {
    const path = await fixture('h264-bframes.mp4');
    const listing = await probeFrames(path);
    const { frames } = await sample(path, { every: 7 });
    assert.deepEqual(frames.map((f) => f.index), listing.filter((f) => f.index % 7 === 0).map((f) => f.index));
    for (const f of frames) assert.ok(Math.abs(f.ptsSeconds - (listing[f.index] as ProbedFrame).ptsSeconds) < 1e-6);
  });

  it('fps delivers the frame displayed at each target time, on a VFR file', async () => {
    const path = await fixture('vfr.mkv');
    const listing = await probeFrames(path);
    const { frames, manifest } = await sample(path, { fps: 4 });
    const last = (listing.at(-1) as ProbedFrame).ptsSeconds;
    const expected = new Map<number, ProbedFrame>();
    for (let k = 0; k / 4 <= last; k++) {
      const f = displayedAt(listing, k / 4);
      expected.set(f.index, f);
    }
    assert.deepEqual(frames.map((f) => f.index), [...expected.keys()]);
    for (const f of frames) assert.ok(Math.abs(f.ptsSeconds - (expected.get(f.index) as ProbedFrame).ptsSeconds) < 1e-4);
    assert.ok(manifest && manifest.entries.every((e) => e.status === 'delivered' || e.status === 'beyond-end'));
  });

  it('count spreads N frames over the file including first and last', async () => {
    const path = await fixture('h264-bframes.mp4');
    const { frames, manifest } = await sample(path, { count: 4 });
    assert.deepEqual(frames.map((f) => f.index), [0, 30, 59, 89]);
    assert.equal(manifest?.requested, 4);
    assert.equal(manifest?.delivered, 4);
  });

  it('count --first delivers the first N frames', async () => {
    const { frames } = await sample(await fixture('h264-bframes.mp4'), { count: 5, first: true });
    assert.deepEqual(frames.map((f) => f.index), [0, 1, 2, 3, 4]);
  });

  it('at delivers the displayed frames and reports times beyond the end', async () => {
    const path = await fixture('h264-start-offset.mp4');
    const { frames, manifest } = await sample(path, { at: [3.0, 2.5, 4.99, 9] });
    // start offset 2.5 s: frame k is at 2.5 + k/30.
    assert.deepEqual(frames.map((f) => f.index), [0, 15, 74]);
    assert.ok(Math.abs((frames[0] as { ptsSeconds: number }).ptsSeconds - 2.5) < 1e-6);
    const statuses = manifest?.entries.map((e) => [e.target.kind === 'time' ? e.target.seconds : -1, e.status, e.frameIndex]);
    assert.deepEqual(statuses, [
      [3.0, 'delivered', 15],
      [2.5, 'delivered', 0],
      [4.99, 'delivered', 74],
      [9, 'beyond-end', undefined],
    ]);
    assert.equal(manifest?.skipped['beyond-end'], 1);
  });

  it('keyframes decodes keyframes only', async () => {
    const { frames, stats } = await sample(await fixture('h264-bframes.mp4'), { keyframes: true });
    assert.deepEqual(frames.map((f) => f.index), [0, 30, 60]);
    assert.ok(frames.every((f) => f.keyframe));
    assert.equal(stats?.framesDecoded, 3);
  });

  it('start/end ranges are fractional and end-exclusive; max caps delivery', async () => {
    const path = await fixture('h264-bframes.mp4');
    const ranged = await sample(path, { startSeconds: 0.5, endSeconds: 1.0 });
    assert.deepEqual(ranged.frames.map((f) => f.index), Array.from({ length: 15 }, (_, i) => 15 + i));
    const capped = await sample(path, { every: 2, maxFrames: 3 });
    assert.deepEqual(capped.frames.map((f) => f.index), [0, 2, 4]);
  });

  it('seeks over long gaps on a constant-rate file and still delivers exact frames', async () => {
    const path = await longClip();
    const { frames, stats } = await sample(path, { count: 5 });
    assert.deepEqual(frames.map((f) => f.index), [0, 150, 300, 449, 599]);
    assert.deepEqual(frames.map((f) => Math.round(f.ptsSeconds * 30)), [0, 150, 300, 449, 599]);
    assert.ok((stats?.seeks ?? 0) >= 3, `seeks: ${stats?.seeks}`);
    assert.ok((stats?.packetsRead ?? 600) < 300, `read ${stats?.packetsRead} of 600 packets`);
  });

  it('a second run on the same video starts from the beginning again', async () => {
    await using video = await openVideo(await fixture('mpeg2.ts'), { sampling: { every: 20 } });
    const runs: number[][] = [];
    for (let r = 0; r < 2; r++) {
      const got: number[] = [];
      for await (const f of video.frames()) got.push(f.index);
      runs.push(got);
    }
    assert.deepEqual(runs[0], [0, 20, 40]);
    assert.deepEqual(runs[1], runs[0]);
  });

  it('batches are contiguous, full except the last, never empty', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'), { sampling: { every: 10 }, output: { width: 8, height: 4 } });
    const shapes: number[][] = [];
    const indices: number[] = [];
    for await (const batch of video.batches(4)) {
      shapes.push(batch.shape);
      assert.equal(batch.data.length, batch.shape.reduce((a, b) => a * b, 1));
      indices.push(...batch.frames.map((f) => f.index));
    }
    assert.deepEqual(shapes, [[4, 4, 8, 3], [4, 4, 8, 3], [1, 4, 8, 3]]);
    assert.deepEqual(indices, [0, 10, 20, 30, 40, 50, 60, 70, 80]);
  });
});
