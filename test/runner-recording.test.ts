/**
 * Recording the played frames with the hook's overlays, offline and realtime, checked with ffprobe and by
 * decoding the recording with the ffmpeg CLI: codec, size, frame count, duration and overlay pixels.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asImage, createPipeline, drawLabel, fillRect, type Frame, resultsOverlay } from '../src/index.ts';
import { summarize } from '../src/runner/results-overlay.ts';
import { failure } from './helpers/assertions.ts';
import { ffmpegRawFrames, probeFrames, probeStream } from './helpers/ffmpeg.ts';
import { makeMedia } from './helpers/media.ts';

function clip(): Promise<string> {
  return makeMedia('runner-rec-25fps.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25:duration=2', '-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p',
  ]);
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-rec-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The [r, g, b] of pixel (x, y) in a packed rgb24 frame of `width`. */
function pixel(frame: Buffer, width: number, x: number, y: number): number[] {
  const at = (y * width + x) * 3;
  return [frame[at] as number, frame[at + 1] as number, frame[at + 2] as number];
}

const index = { run: (f: readonly Frame[]) => f[0]?.index };

/** Draws a red square top-left and a label with the latest result. */
function overlay(frame: Frame, latest: ReadonlyMap<string, { result: unknown }>): void {
  const img = asImage(frame);
  fillRect(img, { x: 0, y: 0, width: 24, height: 24 }, '#ff0000');
  drawLabel(img, { x: 40, y: 30, width: 40, height: 30 }, `#${String(latest.get('idx')?.result ?? '-')}`, { color: '#00ff00' });
}

describe('recording', () => {
  it('offline: every played frame, with the overlay, at the source size and timing', async () => {
    const path = join(dir, 'offline.mp4');
    const report = await createPipeline({
      source: await clip(),
      algorithms: [{ name: 'idx', algorithm: index, intervalSeconds: 0.5 }],
      onFrame: (frame, { latest }) => overlay(frame, latest),
      record: { path, crf: 10 },
    }).run();
    assert.deepEqual(report.recording, { path, width: 96, height: 64, framesWritten: 50, framesDropped: 0 });
    const s = await probeStream(path);
    assert.equal(s.codecName, 'h264');
    assert.equal(s.width, 96);
    assert.equal(s.height, 64);
    assert.ok(Math.abs((s.durationSeconds ?? 0) - 2) < 0.05, `duration ${s.durationSeconds}`);
    assert.equal((await probeFrames(path)).length, 50);
    const [recorded] = await ffmpegRawFrames(path, { frameIndices: [10] });
    const [source] = await ffmpegRawFrames(await clip(), { frameIndices: [10] });
    const red = pixel(recorded as Buffer, 96, 10, 10);
    assert.ok((red[0] as number) > 200 && (red[1] as number) < 60 && (red[2] as number) < 60, `overlay pixel ${red}`);
    const outside = pixel(recorded as Buffer, 96, 90, 5);
    const original = pixel(source as Buffer, 96, 90, 5);
    outside.forEach((v, c) => assert.ok(Math.abs(v - (original[c] as number)) < 40, `outside the overlay the picture is the source's: ${outside} vs ${original}`));
  });

  it('offline: at a chosen size, with start position and target fps', async () => {
    const path = join(dir, 'small.mp4');
    const report = await createPipeline({
      source: await clip(), startSeconds: 0.5, targetFps: 5,
      algorithms: [{ name: 'idx', algorithm: index, intervalSeconds: 0.5 }],
      record: { path, width: 48, height: 32 },
    }).run();
    assert.equal(report.framesPlayed, 8);
    const s = await probeStream(path);
    assert.equal(s.width, 48);
    assert.equal(s.height, 32);
    const frames = await probeFrames(path);
    assert.equal(frames.length, 8);
    // True media times, rebased: the first frame at or after 0.5 s is at 0.52 s, then the frames shown at 0.7, 0.9 … s.
    assert.deepEqual(frames.map((f) => Math.round(f.ptsSeconds * 1000)), [0, 160, 360, 560, 760, 960, 1160, 1360]);
  });

  it('realtime: the played frames are recorded with their overlays, and any encoder drop is counted', async () => {
    const path = join(dir, 'realtime.mp4');
    const report = await createPipeline({
      source: await clip(), mode: 'realtime', speed: 2,
      algorithms: [{ name: 'idx', algorithm: index, intervalSeconds: 0.2 }],
      onFrame: (frame, { latest }) => overlay(frame, latest),
      record: { path },
    }).run();
    const rec = report.recording;
    assert.ok(rec);
    assert.equal(rec.framesWritten + rec.framesDropped, report.framesPlayed);
    assert.equal((await probeFrames(path)).length, rec.framesWritten);
    const [recorded] = await ffmpegRawFrames(path, { frameIndices: [5] });
    const red = pixel(recorded as Buffer, 96, 10, 10);
    assert.ok((red[0] as number) > 200 && (red[1] as number) < 60, `overlay pixel ${red}`);
  });

  it('an unwritable recording path fails the run before any frame, releasing everything', async () => {
    const log: string[] = [];
    const pipeline = createPipeline({
      source: await clip(),
      algorithms: [{ name: 'idx', algorithm: { ...index, init: () => void log.push('init'), dispose: () => void log.push('dispose') }, intervalSeconds: 1 }],
      record: { path: join(dir, 'missing-folder', 'out.mp4') },
    });
    const err = await failure(() => pipeline.run());
    assert.equal(err.code, 'ERR_SINK_WRITE');
    assert.equal(pipeline.report?.framesPlayed, 0);
    assert.deepEqual(log, ['init', 'dispose']);
  });
});

describe('resultsOverlay', () => {
  const frame = (): Frame => ({
    index: 0, ptsSeconds: 0, durationSeconds: null, keyframe: true, decodedAtMs: 0,
    width: 160, height: 120, format: 'rgb24', layout: 'hwc', dtype: 'uint8', data: new Uint8Array(160 * 120 * 3).fill(128),
  });
  const at = (f: Frame, x: number, y: number) => Array.from(f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3));
  const position = { index: 0, ptsSeconds: 0, wallclockMs: 0, dueSeconds: 0, frames: [0] };

  it('draws detections as boxes and other results as text lines in a dark panel', async () => {
    const f = frame();
    const latest = new Map([
      ['det', { result: [{ box: { x: 60, y: 60, width: 40, height: 30 }, label: 'cat', score: 0.9 }], position, receivedAtMs: 0 }],
      ['stats', { result: { brightness: 0.51234, cut: false }, position, receivedAtMs: 0 }],
    ]);
    await resultsOverlay()(f, { latest, mode: 'offline' });
    assert.notDeepEqual(at(f, 60, 75), [128, 128, 128], 'the box edge is drawn');
    assert.deepEqual(at(f, 80, 75), [128, 128, 128], 'the inside of the box is untouched');
    assert.deepEqual(at(f, 2, 2), [0, 0, 0], 'the text panel is dark');
    assert.deepEqual(at(f, 150, 110), [128, 128, 128], 'the rest of the frame is untouched');
  });

  it('summarises results in one short line', () => {
    assert.equal(summarize({ result: { brightness: 0.51234, cut: false, hist: new Float32Array(48) } }, 80), 'brightness=0.512 cut=false hist=[48 values]');
    assert.equal(summarize({ result: [1, 2.5] }, 80), '[1, 2.500]');
    assert.equal(summarize({ result: 'a'.repeat(100) }, 10), 'aaaaaaa...');
  });
});
