/**
 * Pixels match FFmpeg's own scaling. The reference is the FFmpeg 5.1 CLI; framepipe links FFmpeg 8.1, whose
 * swscale rounds a little differently, so frames are compared with a tolerance: mean absolute difference
 * ≤ 1.5 levels and max ≤ 24 (differences concentrate on the hard edges of the test pattern). A wrong
 * channel order, range, rotation or crop gives mean differences of 20–100, far outside it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OutputOptions, openVideo } from '../src/index.ts';
import { compareFrames, ffmpegRawFrames, type RawPixFmt } from './helpers/ffmpeg.ts';
import { type FixtureName, fixture } from './helpers/media.ts';

const MEAN_TOLERANCE = 1.5;
const MAX_TOLERANCE = 24;

async function ours(name: FixtureName, output: OutputOptions, indices: number[]): Promise<Buffer[]> {
  await using video = await openVideo(await fixture(name), { output, sampling: { at: indices.map((i) => i / 30) } });
  const frames: Buffer[] = [];
  for await (const f of video.frames()) frames.push(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength));
  return frames;
}

async function check(name: FixtureName, output: OutputOptions, vf: string | undefined, pixFmt: RawPixFmt, indices = [0, 17, 45]) {
  const [got, want] = await Promise.all([ours(name, output, indices), ffmpegRawFrames(await fixture(name), { vf, pixFmt, frameIndices: indices })]);
  assert.equal(got.length, want.length);
  for (const [i, frame] of got.entries()) {
    const ref = want[i] as Buffer;
    assert.equal(frame.length, ref.length, 'frame size');
    const { maxAbsDiff, meanAbsDiff } = compareFrames(frame, ref);
    assert.ok(meanAbsDiff <= MEAN_TOLERANCE && maxAbsDiff <= MAX_TOLERANCE, `${name} frame ${indices[i]}: mean ${meanAbsDiff.toFixed(3)}, max ${maxAbsDiff}`);
  }
}

describe('pixels match FFmpeg', () => {
  it('fill (stretch) to 64x48 rgb24', () => check('h264-bframes.mp4', { width: 64, height: 48 }, 'scale=64:48', 'rgb24'));
  it('cover: scale and centre-crop', () => check('h264-bframes.mp4', { width: 64, height: 64, fit: 'cover' }, 'scale=64:64:force_original_aspect_ratio=increase,crop=64:64', 'rgb24'));
  it('contain: letterbox with a pad colour', () =>
    check('h264-bframes.mp4', { width: 64, height: 64, fit: 'contain', padColor: '#102030' }, 'scale=64:64:force_original_aspect_ratio=decrease,pad=64:64:(ow-iw)/2:(oh-ih)/2:color=#102030', 'rgb24'));
  it('crop box then resize', () => check('h264-bframes.mp4', { crop: { x: 40, y: 20, width: 200, height: 150 }, width: 100, height: 75 }, 'crop=200:150:40:20,scale=100:75', 'rgb24'));
  it('bgr24 and gray', async () => {
    await check('h264-bframes.mp4', { width: 64, height: 48, pixelFormat: 'bgr24' }, 'scale=64:48', 'bgr24');
    await check('h264-bframes.mp4', { width: 64, height: 48, pixelFormat: 'gray' }, 'scale=64:48', 'gray');
  });
  it('rotated video is delivered upright (90 and 180)', async () => {
    await check('rotated-90.mp4', { width: 48, height: 64 }, 'scale=48:64', 'rgb24');
    await check('rotated-180.mp4', { width: 64, height: 48 }, 'scale=64:48', 'rgb24');
  });
  it('full-range source', () => check('full-range.mp4', { width: 64, height: 48 }, 'scale=64:48', 'rgb24', [0, 10]));
  it('10-bit HEVC', () => check('hevc-10bit.mp4', { width: 64, height: 48 }, 'scale=64:48', 'rgb24', [0, 10]));
  it('odd dimensions at native size', () => check('odd-size.mp4', {}, undefined, 'rgb24', [0, 10]));
  it('limited and full range of the same picture agree after conversion', async () => {
    const [limited] = await ours('h264-bframes.mp4', { width: 64, height: 48 }, [0]);
    const [full] = await ours('full-range.mp4', { width: 64, height: 48 }, [0]);
    const { meanAbsDiff } = compareFrames(limited as Buffer, full as Buffer);
    assert.ok(meanAbsDiff < 4, `limited vs full: mean ${meanAbsDiff}`);
  });
});

describe('tensor layout and normalisation', () => {
  it('CHW float32 with mean/std is the HWC uint8 frame transposed and normalised', async () => {
    const mean = [0.48145466, 0.4578275, 0.40821073];
    const std = [0.26862954, 0.26130258, 0.27577711];
    const size = { width: 20, height: 10 };
    await using video = await openVideo(await fixture('h264-bframes.mp4'), { sampling: { at: [1] } });
    let hwc: Uint8Array | undefined;
    for await (const f of video.frames({ output: size })) hwc = f.data as Uint8Array;
    let chw: Float32Array | undefined;
    for await (const f of video.frames({ output: { ...size, layout: 'chw', dtype: 'float32', mean, std } })) {
      assert.equal(f.layout, 'chw');
      assert.equal(f.dtype, 'float32');
      chw = f.data as Float32Array;
    }
    assert.ok(hwc && chw);
    assert.equal(chw.length, 3 * 200);
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 20; x++)
        for (let c = 0; c < 3; c++) {
          const expected = ((hwc[(y * 20 + x) * 3 + c] as number) / 255 - (mean[c] as number)) / (std[c] as number);
          assert.ok(Math.abs((chw[c * 200 + y * 20 + x] as number) - expected) < 1e-5);
        }
  });

  it('CHW uint8 batches have shape [N,C,H,W]', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'), { sampling: { count: 3 }, output: { width: 8, height: 6, layout: 'chw', pixelFormat: 'rgba' } });
    for await (const b of video.batches(3)) assert.deepEqual(b.shape, [3, 4, 6, 8]);
  });
});
