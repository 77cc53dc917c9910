/**
 * The H.264 MP4 recorder against an independent oracle: ffprobe for codec, size, frame count, duration and
 * per-frame timestamps; ffmpeg and framepipe's own decoder for the pixels of an overlay drawn before encoding.
 * H.264 is lossy, so pixel checks use a thick box and a tolerance.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRecorder } from '../src/decode/recorder.ts';
import { openVideo } from '../src/index.ts';
import { drawBox, drawText, type OverlayImage } from '../src/preprocess/overlay.ts';
import { ffmpegRawFrames, probeFrames, probeStream } from './helpers/ffmpeg.ts';

const W = 320;
const H = 240;
/** The red box every test frame carries: 12 pixels thick, so its centre line survives chroma subsampling. */
const BOX = { x: 60, y: 50, width: 160, height: 120 };
const THICKNESS = 12;

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-recorder-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A moving grey-blue gradient with a red box and the frame number drawn by the overlay helpers. */
function testFrame(n: number, width = W, height = H): OverlayImage {
  const img: OverlayImage = { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      img.data[at] = 40 + ((x + n * 4) % 80);
      img.data[at + 1] = 60 + ((y * 2) % 100);
      img.data[at + 2] = 120;
    }
  }
  drawBox(img, BOX, { color: '#ff0000', thickness: THICKNESS });
  drawText(img, `frame ${n}`, { x: 4, y: 4, scale: 2, color: '#ffffff', background: '#000000' });
  return img;
}

/** Share of sampled points on the box's border centre line (6 px in from its edges) that are clearly red. */
function redShare(rgb: Uint8Array, width: number, scaleX = 1, scaleY = 1): number {
  const inset = THICKNESS / 2;
  const points: [number, number][] = [];
  for (let x = BOX.x + inset; x < BOX.x + BOX.width - inset; x += 8) points.push([x, BOX.y + inset], [x, BOX.y + BOX.height - inset]);
  for (let y = BOX.y + inset; y < BOX.y + BOX.height - inset; y += 8) points.push([BOX.x + inset, y], [BOX.x + BOX.width - inset, y]);
  const red = points.filter(([x, y]) => {
    const at = (Math.round(y * scaleY) * width + Math.round(x * scaleX)) * 3;
    return (rgb[at] as number) > 200 && (rgb[at + 1] as number) < 60 && (rgb[at + 2] as number) < 60;
  });
  return red.length / points.length;
}

describe('recording H.264 MP4', () => {
  let path = '';
  before(() => {
    path = join(dir, 'box.mp4');
    const recorder = createRecorder({ path, width: W, height: H, fps: 15 });
    for (let n = 0; n < 45; n++) recorder.write({ data: testFrame(n).data, ptsSeconds: n / 15 });
    assert.equal(recorder.framesWritten, 45);
    recorder.closeSync();
  });

  it('is H.264 yuv420p at the source size with 45 frames over 3 s', async () => {
    const s = await probeStream(path);
    assert.equal(s.codecName, 'h264');
    assert.equal(s.pixFmt, 'yuv420p');
    assert.equal(s.width, W);
    assert.equal(s.height, H);
    assert.equal(s.nbFrames, 45);
    assert.ok(Math.abs((s.durationSeconds ?? 0) - 3) < 0.01, `duration ${s.durationSeconds}`);
    assert.ok(Math.abs((s.avgFrameRate ?? 0) - 15) < 0.01, `avg_frame_rate ${s.avgFrameRate}`);
    const frames = await probeFrames(path);
    assert.equal(frames.length, 45);
    frames.forEach((f, i) => assert.ok(Math.abs(f.ptsSeconds - i / 15) < 0.001, `frame ${i} at ${f.ptsSeconds}`));
  });

  it('keeps the overlay: the box decodes red with ffmpeg and with framepipe', async () => {
    const [ref] = await ffmpegRawFrames(path, { frameIndices: [15] });
    assert.ok(redShare(ref as Buffer, W) > 0.9, `ffmpeg: ${redShare(ref as Buffer, W)}`);
    await using video = await openVideo(path, { sampling: { at: [1] } });
    const frames = [];
    for await (const f of video.frames()) frames.push(f);
    assert.equal(frames.length, 1);
    const frame = frames[0] as (typeof frames)[number];
    assert.ok(Math.abs(frame.ptsSeconds - 1) < 0.001);
    const share = redShare(frame.data as Uint8Array, W);
    assert.ok(share > 0.9, `framepipe: ${share}`);
    // Inside the box stays the gradient (blue 120), not red.
    const centre = ((BOX.y + BOX.height / 2) * W + BOX.x + BOX.width / 2) * 3;
    assert.ok((frame.data[centre] as number) < 160 && (frame.data[centre + 2] as number) > 90);
  });

  it('moves the MP4 index to the front (faststart)', async () => {
    const { open } = await import('node:fs/promises');
    const file = await open(path);
    const head = Buffer.alloc(64);
    await file.read(head, 0, 64, 0);
    await file.close();
    assert.ok(head.toString('latin1').includes('moov'), 'moov follows ftyp');
  });
});

describe('timestamps', () => {
  it('preserves irregular (VFR) presentation times within 1 ms', async () => {
    const path = join(dir, 'vfr.mp4');
    const times = [0, 0.04, 0.05, 0.2, 0.2333, 0.5, 0.51, 1.0, 1.7, 1.75];
    await using recorder = createRecorder({ path, width: W, height: H, fps: { num: 30000, den: 1001 } });
    for (const [n, t] of times.entries()) recorder.write({ data: testFrame(n).data, ptsSeconds: 10 + t });
    await recorder.close();
    const frames = await probeFrames(path);
    assert.deepEqual(frames.length, times.length);
    frames.forEach((f, i) => assert.ok(Math.abs(f.ptsSeconds - (times[i] as number)) < 0.001, `frame ${i}: ${f.ptsSeconds} vs ${times[i]}`));
  });

  it('drops frames whose time does not advance, and counts them', async () => {
    const path = join(dir, 'dup.mp4');
    const recorder = createRecorder({ path, width: W, height: H, fps: 10 });
    const accepted = [0, 0.1, 0.1, 0.05, 0.2].map((t, n) => recorder.write({ data: testFrame(n).data, ptsSeconds: t }));
    recorder.closeSync();
    assert.deepEqual(accepted, [true, true, false, false, true]);
    assert.equal(recorder.framesWritten, 3);
    assert.equal(recorder.framesDropped, 2);
    assert.deepEqual((await probeFrames(path)).map((f) => Math.round(f.ptsSeconds * 1000)), [0, 100, 200]);
  });

  it('keeps media times as they are with rebaseTimestamps: false', async () => {
    const path = join(dir, 'abs.mp4');
    const recorder = createRecorder({ path, width: W, height: H, fps: 10, rebaseTimestamps: false });
    for (let n = 0; n < 5; n++) recorder.write({ data: testFrame(n).data, ptsSeconds: 2 + n / 10 });
    recorder.closeSync();
    const frames = await probeFrames(path);
    assert.ok(Math.abs((frames[0]?.ptsSeconds ?? 0) - 2) < 0.001, `first at ${frames[0]?.ptsSeconds}`);
  });
});

describe('sizes and errors', () => {
  it('scales to a chosen output size, rounding odd sizes up to even', async () => {
    const path = join(dir, 'small.mp4');
    const recorder = createRecorder({ path, width: W, height: H, fps: 15, outputWidth: 160, outputHeight: 119, crf: 18, preset: 'ultrafast' });
    assert.deepEqual(recorder.outputSize, { width: 160, height: 120 });
    for (let n = 0; n < 6; n++) recorder.write({ data: testFrame(n).data, ptsSeconds: n / 15 });
    recorder.closeSync();
    const s = await probeStream(path);
    assert.deepEqual([s.width, s.height, s.nbFrames], [160, 120, 6]);
    const [ref] = await ffmpegRawFrames(path, { frameIndices: [3] });
    assert.ok(redShare(ref as Buffer, 160, 0.5, 0.5) > 0.8);
  });

  it('records odd-sized input by scaling to the next even size', async () => {
    const path = join(dir, 'odd.mp4');
    const recorder = createRecorder({ path, width: 321, height: 241, fps: 15 });
    recorder.write({ data: testFrame(0, 321, 241).data, ptsSeconds: 0 });
    recorder.closeSync();
    const s = await probeStream(path);
    assert.deepEqual([s.width, s.height], [322, 242]);
  });

  it('reports an unwritable path as ERR_SINK_WRITE naming the path', () => {
    const path = join(dir, 'no-such-folder', 'out.mp4');
    assert.throws(
      () => createRecorder({ path, width: W, height: H, fps: 15 }),
      (err: Error & { code?: string }) => err.code === 'ERR_SINK_WRITE' && err.message.includes(path),
    );
  });

  it('validates options and frames', async () => {
    const base = { path: join(dir, 'v.mp4'), width: W, height: H, fps: 15 };
    for (const bad of [{ width: 0 }, { fps: 0 }, { fps: { num: 1, den: 0 } }, { crf: 60 }, { preset: 'warp' }, { pixelFormat: 'yuv' }, { path: '' }]) {
      assert.throws(() => createRecorder({ ...base, ...bad } as never), { code: 'ERR_INVALID_OPTIONS' }, JSON.stringify(bad));
    }
    const recorder = createRecorder(base);
    assert.throws(() => recorder.write({ data: new Uint8Array(10), ptsSeconds: 0 }), { code: 'ERR_INVALID_OPTIONS' });
    assert.throws(() => recorder.write({ data: new Float32Array(W * H * 3), ptsSeconds: 0 }), { code: 'ERR_INVALID_OPTIONS' });
    recorder.closeSync();
    recorder.closeSync();
    await recorder.close();
    assert.throws(() => recorder.write({ data: testFrame(0).data, ptsSeconds: 1 }), { code: 'ERR_CLOSED' });
    assert.ok((await stat(base.path)).size > 0, 'an empty recording is still a valid file');
  });
});
