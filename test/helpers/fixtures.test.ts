/**
 * Proves that every generated fixture has the property it exists for, using only the ffmpeg CLI, and that
 * the reference helpers (raw frames, rotation, frame selection) answer correctly.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  compareFrames,
  ffmpegDecodeErrors,
  ffmpegRawFrames,
  probeCodecTypes,
  probeFrames,
  probeStream,
} from './ffmpeg.ts';
import {
  FIXTURE_NAMES,
  type FixtureName,
  fixture,
  makeMedia,
  mp4TopLevelBoxes,
  VFR_PTS_SECONDS,
} from './media.ts';

const paths = new Map<FixtureName, string>();
const path = (name: FixtureName): string => paths.get(name) ?? assert.fail(`${name} was not generated`);
const boxTypes = async (name: FixtureName) => mp4TopLevelBoxes(await readFile(path(name))).map((b) => b.type);
const near = (actual: number, expected: number, tolerance = 0.0015) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `expected ${actual} to be within ${tolerance} of ${expected}`,
  );

before(async () => {
  await Promise.all(FIXTURE_NAMES.map(async (name) => paths.set(name, await fixture(name))));
});

describe('H.264 fixtures', () => {
  test('h264-bframes.mp4: 90 frames at n/30 s, B-frames, key frames every 30, moov at the end', async () => {
    const stream = await probeStream(path('h264-bframes.mp4'));
    assert.deepEqual(
      [stream.codecName, stream.width, stream.height, stream.pixFmt],
      ['h264', 320, 240, 'yuv420p'],
    );
    const frames = await probeFrames(path('h264-bframes.mp4'));
    assert.equal(frames.length, 90);
    for (const f of frames) near(f.ptsSeconds, f.index / 30);
    assert.ok(frames.some((f) => f.pictType === 'B'));
    assert.deepEqual(
      frames.filter((f) => f.keyframe).map((f) => f.index),
      [0, 30, 60],
    );
    assert.deepEqual(await boxTypes('h264-bframes.mp4'), ['ftyp', 'free', 'mdat', 'moov']);
  });

  test('h264-faststart.mp4: the same frames with moov before mdat', async () => {
    const types = await boxTypes('h264-faststart.mp4');
    assert.ok(types.indexOf('moov') < types.indexOf('mdat'), types.join(' '));
    const frames = await probeFrames(path('h264-faststart.mp4'));
    assert.equal(frames.length, 90);
    assert.ok(frames.some((f) => f.pictType === 'B'));
  });

  test('h264-start-offset.mp4: first pts 2.5 s', async () => {
    const frames = await probeFrames(path('h264-start-offset.mp4'));
    assert.equal(frames.length, 90);
    for (const f of frames) near(f.ptsSeconds, 2.5 + f.index / 30);
    near((await probeStream(path('h264-start-offset.mp4'))).startSeconds ?? Number.NaN, 2.5);
  });
});

describe('other codecs', () => {
  const cases: [FixtureName, string, string, number, number][] = [
    ['hevc-10bit.mp4', 'hevc', 'yuv420p10le', 320, 60],
    ['vp9.webm', 'vp9', 'yuv420p', 320, 60],
    ['av1.mkv', 'av1', 'yuv420p', 160, 60],
    ['mpeg2.ts', 'mpeg2video', 'yuv420p', 320, 60],
    ['mjpeg.avi', 'mjpeg', 'yuvj420p', 320, 60],
  ];
  for (const [name, codec, pixFmt, width, frameCount] of cases) {
    test(`${name}: ${codec}, ${pixFmt}, ${width} px wide, ${frameCount} frames`, async () => {
      const stream = await probeStream(path(name));
      assert.deepEqual([stream.codecName, stream.pixFmt, stream.width], [codec, pixFmt, width]);
      assert.equal((await probeFrames(path(name))).length, frameCount);
    });
  }

  test('vp9.webm: key frames every 15 frames', async () => {
    const keys = (await probeFrames(path('vp9.webm'))).filter((f) => f.keyframe).map((f) => f.index);
    assert.deepEqual(keys, [0, 15, 30, 45]);
  });

  test('mpeg2.ts: MPEG-TS starts well after 0', async () => {
    const first = (await probeFrames(path('mpeg2.ts')))[0];
    assert.ok(first && first.ptsSeconds > 1 && first.ptsSeconds < 2, `first pts ${first?.ptsSeconds}`);
  });

  test('mjpeg.avi: every frame is a key frame, full range', async () => {
    assert.ok((await probeFrames(path('mjpeg.avi'))).every((f) => f.keyframe));
    assert.equal((await probeStream(path('mjpeg.avi'))).colorRange, 'pc');
  });
});

describe('timing, geometry and colour fixtures', () => {
  test('vfr.mkv: 75 frames at the documented, irregular times', async () => {
    const pts = (await probeFrames(path('vfr.mkv'))).map((f) => f.ptsSeconds);
    assert.equal(pts.length, VFR_PTS_SECONDS.length);
    for (const [i, p] of pts.entries()) near(p, VFR_PTS_SECONDS[i] as number, 0.0005);
    const gapsMs = new Set(pts.slice(1).map((p, i) => Math.round((p - (pts[i] as number)) * 1000)));
    assert.deepEqual(
      [...gapsMs].sort((a, b) => a - b),
      [20, 33, 34, 66, 67],
    );
  });

  test('rotated-90.mp4: coded 320x240, displayed 240x320 turned clockwise', async () => {
    const stream = await probeStream(path('rotated-90.mp4'));
    assert.deepEqual(
      [
        stream.width,
        stream.height,
        stream.rotation,
        stream.rotationCw,
        stream.displayWidth,
        stream.displayHeight,
      ],
      [320, 240, -90, 90, 240, 320],
    );
    const [upright] = await ffmpegRawFrames(path('rotated-90.mp4'), { frameIndices: [10] });
    const [turned] = await ffmpegRawFrames(path('rotated-90.mp4'), {
      frameIndices: [10],
      autorotate: false,
      vf: 'transpose=clock',
    });
    const [coded] = await ffmpegRawFrames(path('rotated-90.mp4'), { frameIndices: [10], autorotate: false });
    assert.equal(upright?.length, 240 * 320 * 3);
    assert.equal(coded?.length, 320 * 240 * 3);
    assert.equal(compareFrames(upright as Buffer, turned as Buffer).maxAbsDiff, 0);
  });

  test('rotated-180.mp4: 180 degrees, dimensions unchanged', async () => {
    const stream = await probeStream(path('rotated-180.mp4'));
    assert.equal(Math.abs(stream.rotation), 180);
    assert.deepEqual([stream.rotationCw, stream.displayWidth, stream.displayHeight], [180, 320, 240]);
    const [upright] = await ffmpegRawFrames(path('rotated-180.mp4'), { frameIndices: [3] });
    const [flipped] = await ffmpegRawFrames(path('rotated-180.mp4'), {
      frameIndices: [3],
      autorotate: false,
      vf: 'hflip,vflip',
    });
    assert.equal(compareFrames(upright as Buffer, flipped as Buffer).maxAbsDiff, 0);
  });

  test('odd-size.mp4: 321x241 yuv444p', async () => {
    const stream = await probeStream(path('odd-size.mp4'));
    assert.deepEqual([stream.width, stream.height, stream.pixFmt], [321, 241, 'yuv444p']);
    const [frame] = await ffmpegRawFrames(path('odd-size.mp4'), { frameIndices: [0] });
    assert.equal(frame?.length, 321 * 241 * 3);
  });

  test('full-range.mp4: tagged pc and really full range', async () => {
    const stream = await probeStream(path('full-range.mp4'));
    assert.equal(stream.colorRange, 'pc');
    // extractplanes copies the coded luma bytes, so no range conversion happens on the way out.
    const luma = { frameIndices: [0], vf: 'extractplanes=y', pixFmt: 'gray' } as const;
    const [full] = await ffmpegRawFrames(path('full-range.mp4'), luma);
    const [limited] = await ffmpegRawFrames(path('h264-bframes.mp4'), luma);
    assert.ok(full && limited);
    // The same testsrc2 frame: black sits near 0 in full range but near 16 in limited range.
    assert.ok(
      Math.min(...full) <= 6 && Math.min(...limited) >= 12,
      `${Math.min(...full)} vs ${Math.min(...limited)}`,
    );
    assert.ok(Math.max(...full) > Math.max(...limited) + 10);
  });
});

describe('broken and non-video fixtures', () => {
  test('audio-only.m4a has one audio stream and no video', async () => {
    assert.deepEqual(await probeCodecTypes(path('audio-only.m4a')), ['audio']);
    await assert.rejects(probeStream(path('audio-only.m4a')), /no video stream/);
  });

  test('empty.mp4 has 0 bytes; not-a-video.mp4 is text', async () => {
    assert.equal((await stat(path('empty.mp4'))).size, 0);
    await assert.rejects(probeStream(path('empty.mp4')));
    assert.match(await readFile(path('not-a-video.mp4'), 'utf8'), /^This is a text file/);
    await assert.rejects(probeStream(path('not-a-video.mp4')), /Invalid data/);
  });

  test('truncated.mp4: 60% of the faststart file, decodes only a prefix', async () => {
    const full = (await stat(path('h264-faststart.mp4'))).size;
    assert.equal((await stat(path('truncated.mp4'))).size, Math.floor(full * 0.6));
    const frames = await probeFrames(path('truncated.mp4'));
    assert.ok(frames.length > 10 && frames.length < 90, `${frames.length} frames`);
  });

  test('no-index.mp4: mdat without moov, unreadable', async () => {
    assert.deepEqual(await boxTypes('no-index.mp4'), ['ftyp', 'free', 'mdat']);
    await assert.rejects(probeStream(path('no-index.mp4')), /moov atom not found/);
  });

  test('corrupt-middle.mp4: same size as its source, some frames fail to decode', async () => {
    assert.equal(
      (await stat(path('corrupt-middle.mp4'))).size,
      (await stat(path('h264-faststart.mp4'))).size,
    );
    const { exitCode, errorLines } = await ffmpegDecodeErrors(path('corrupt-middle.mp4'));
    assert.equal(exitCode, 0);
    assert.ok(
      errorLines.some((l) => /Invalid NAL unit size|Error while decoding/.test(l)),
      errorLines.join('\n'),
    );
    assert.deepEqual((await ffmpegDecodeErrors(path('h264-faststart.mp4'))).errorLines, []);
  });
});

describe('helpers', () => {
  test('ffmpegRawFrames selects frames by display index, in the order asked', async () => {
    const all = await ffmpegRawFrames(path('h264-bframes.mp4'), { vf: 'scale=32:24' });
    assert.equal(all.length, 90);
    const picked = await ffmpegRawFrames(path('h264-bframes.mp4'), {
      vf: 'scale=32:24',
      frameIndices: [47, 3, 47],
    });
    assert.equal(picked.length, 3);
    assert.deepEqual(picked[0], all[47]);
    assert.deepEqual(picked[1], all[3]);
    assert.deepEqual(picked[2], all[47]);
    assert.ok(compareFrames(all[3] as Buffer, all[47] as Buffer).meanAbsDiff > 1, 'testsrc2 frames differ');
    await assert.rejects(ffmpegRawFrames(path('h264-bframes.mp4'), { frameIndices: [90] }), /only 0/);
  });

  test('ffmpegRawFrames keeps every VFR frame (no duplication to a constant rate)', async () => {
    const frames = await ffmpegRawFrames(path('vfr.mkv'), { pixFmt: 'yuv420p' });
    assert.equal(frames.length, 75);
    assert.equal(frames[0]?.length, 160 * 120 * 1.5);
  });

  test('compareFrames', () => {
    assert.deepEqual(compareFrames([0, 10, 20, 30], [0, 12, 20, 26]), { maxAbsDiff: 4, meanAbsDiff: 1.5 });
    assert.throws(() => compareFrames([1], [1, 2]), /1 and 2 elements/);
  });

  test('makeMedia caches by arguments and survives two processes racing', async () => {
    const nonce = `${process.pid}-${Date.now()}`;
    const plain = [
      '-f',
      'lavfi',
      '-i',
      'color=gray:size=64x48:rate=30:duration=0.5',
      '-metadata',
      `comment=${nonce}`,
    ];
    const helpers = fileURLToPath(new URL('./media.ts', import.meta.url));
    const script = `import { makeMedia } from ${JSON.stringify(helpers)};
      process.stdout.write(await makeMedia('race.mkv', ${JSON.stringify([...plain, '-c:v', 'ffv1'])}));`;
    const child = () =>
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout, stderr) =>
          err ? reject(new Error(stderr)) : resolve(stdout),
        ),
      );
    const [a, b] = await Promise.all([child(), child()]);
    assert.equal(a, b);
    assert.equal((await probeFrames(a)).length, 15);
    assert.equal(await makeMedia('race.mkv', [...plain, '-c:v', 'ffv1']), a);
    const other = await makeMedia('race.mkv', [...plain, '-c:v', 'ffv1', '-g', '1']);
    assert.notEqual(other, a);
    // The nonce makes these unique per run: remove them so test/.fixtures does not grow.
    await Promise.all([rm(a), rm(other)]);
    await assert.rejects(makeMedia('../escape.mp4', plain), /no folders/);
  });
});
