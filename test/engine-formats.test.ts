/**
 * Every supported codec/container decodes with the same frame indices and timestamps as FFmpeg's own
 * per-frame listing, and `info` matches ffprobe.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openVideo } from '../src/index.ts';
import { probeFrames, probeStream } from './helpers/ffmpeg.ts';
import { type FixtureName, fixture } from './helpers/media.ts';

const DECODABLE: FixtureName[] = [
  'h264-bframes.mp4',
  'h264-faststart.mp4',
  'h264-start-offset.mp4',
  'hevc-10bit.mp4',
  'vp9.webm',
  'av1.mkv',
  'mpeg2.ts',
  'mjpeg.avi',
  'vfr.mkv',
  'rotated-90.mp4',
  'rotated-180.mp4',
  'odd-size.mp4',
  'full-range.mp4',
];

describe('every frame of each format matches ffprobe', () => {
  for (const name of DECODABLE) {
    it(name, async () => {
      const path = await fixture(name);
      const [expected, stream] = await Promise.all([probeFrames(path), probeStream(path)]);
      await using video = await openVideo(path, { output: { width: 32, height: 24 } });
      assert.equal(video.info.width, stream.displayWidth);
      assert.equal(video.info.height, stream.displayHeight);
      assert.equal(video.info.rotation, stream.rotationCw);
      assert.equal(video.info.codec, stream.codecName);
      if (stream.nbFrames !== null) assert.equal(video.info.frameCount, stream.nbFrames);
      const got: { index: number; ptsSeconds: number; keyframe: boolean }[] = [];
      for await (const frame of video.frames()) {
        assert.equal(frame.width, 32);
        assert.equal(frame.height, 24);
        assert.equal(frame.data.length, 32 * 24 * 3);
        got.push({ index: frame.index, ptsSeconds: frame.ptsSeconds, keyframe: frame.keyframe });
      }
      assert.equal(got.length, expected.length, 'frame count');
      for (const [i, frame] of got.entries()) {
        const ref = expected[i];
        assert.ok(ref);
        assert.equal(frame.index, ref.index, `index of frame ${i}`);
        assert.ok(Math.abs(frame.ptsSeconds - ref.ptsSeconds) < 1e-4, `pts of frame ${i}: ${frame.ptsSeconds} vs ${ref.ptsSeconds}`);
      }
      const keyIndices = got.filter((f) => f.keyframe).map((f) => f.index);
      assert.deepEqual(keyIndices, expected.filter((f) => f.keyframe).map((f) => f.index), 'keyframes');
      assert.equal(video.manifest?.delivered, expected.length);
      assert.deepEqual(video.manifest?.skipped, {});
    });
  }
});

describe('info', () => {
  it('describes an H.264 file as displayed, with fps, duration, GOP and no audio', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'));
    const { info } = video;
    assert.equal(info.container.includes('mp4'), true);
    assert.deepEqual([info.width, info.height, info.rotation], [320, 240, 0]);
    assert.equal(info.fps, 30);
    assert.equal(info.nominalFps, 30);
    assert.equal(info.frameCount, 90);
    assert.ok(Math.abs((info.durationSeconds ?? 0) - 3) < 0.01);
    assert.equal(info.keyframeIntervalEstimate, 30);
    assert.equal(info.constantFrameRate, true);
    assert.equal(info.isLive, false);
    assert.equal(info.hasAudio, false);
    assert.equal(info.pixelFormat, 'yuv420p');
  });

  it('reports rotation and swaps the displayed size', async () => {
    await using video = await openVideo(await fixture('rotated-90.mp4'));
    assert.deepEqual([video.info.codedWidth, video.info.codedHeight, video.info.width, video.info.height, video.info.rotation], [320, 240, 240, 320, 90]);
  });

  it('does not claim a constant frame rate for a VFR file', async () => {
    await using video = await openVideo(await fixture('vfr.mkv'));
    assert.equal(video.info.constantFrameRate, false);
  });

  it('knows full range and 10-bit pixel formats', async () => {
    await using full = await openVideo(await fixture('full-range.mp4'));
    assert.equal(full.info.colorRange, 'full');
    await using hevc = await openVideo(await fixture('hevc-10bit.mp4'));
    assert.equal(hevc.info.pixelFormat, 'yuv420p10le');
  });
});
