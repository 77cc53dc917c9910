/**
 * The CLI end to end, as a user runs it: `framepipe probe` and `framepipe frames` in a child process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeFrames } from './helpers/ffmpeg.ts';
import { fixture } from './helpers/media.ts';

const BIN = fileURLToPath(new URL('../bin/framepipe.js', import.meta.url));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('framepipe probe', () => {
  it('--json prints one object with the documented fields', async () => {
    const { code, stdout } = await cli(['probe', await fixture('rotated-90.mp4'), '--json']);
    assert.equal(code, 0);
    const info = JSON.parse(stdout);
    assert.deepEqual([info.width, info.height, info.rotation, info.fps, info.frameCount, info.codec], [240, 320, 90, 30, 90, 'h264']);
    assert.ok(Math.abs(info.durationSeconds - 3) < 0.01);
  });

  it('prints a readable summary without --json', async () => {
    const { code, stdout } = await cli(['probe', await fixture('h264-bframes.mp4')]);
    assert.equal(code, 0);
    assert.match(stdout, /size\s+320x240/);
    assert.match(stdout, /keyframe interval\s+30 frames/);
  });

  it('fails with error CODE: message and exit 1', async () => {
    const { code, stderr } = await cli(['probe', '/nonexistent/clip.mp4']);
    assert.equal(code, 1);
    assert.match(stderr, /^error ERR_NOT_FOUND: .*\/nonexistent\/clip\.mp4/m);
    const notVideo = await cli(['probe', await fixture('not-a-video.mp4')]);
    assert.equal(notVideo.code, 1);
    assert.match(notVideo.stderr, /^error ERR_NOT_A_VIDEO: /m);
  });
});

describe('framepipe frames', () => {
  it('writes images, frames.jsonl and manifest.json for the sampled frames', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'framepipe-cli-'));
    try {
      const path = await fixture('h264-bframes.mp4');
      const { code, stdout, stderr } = await cli(['frames', path, '--every', '30', '--size', '64x48', '--out', dir, '--format', 'png']);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /3 frames written/);
      assert.match(stderr, /progress .*done/);
      const lines = (await readFile(join(dir, 'frames.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      const listing = await probeFrames(path);
      assert.deepEqual(lines.map((l) => l.index), [0, 30, 60]);
      for (const l of lines) {
        assert.ok(Math.abs(l.ptsSeconds - (listing[l.index]?.ptsSeconds ?? -1)) < 1e-6);
        const png = await readFile(join(dir, l.file));
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'PNG signature');
        assert.equal(png.readUInt32BE(16), 64);
        assert.equal(png.readUInt32BE(20), 48);
      }
      assert.equal(lines[0].keyframe, true);
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
      assert.equal(manifest.delivered, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes JPEG and raw frames with every sampling flag family', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'framepipe-cli-'));
    try {
      const path = await fixture('h264-bframes.mp4');
      const jpg = await cli(['frames', path, '--at', '0.5,1.25', '--out', join(dir, 'jpg'), '--fit', 'cover', '--size', '32x32']);
      assert.equal(jpg.code, 0, jpg.stderr);
      const files = (await readdir(join(dir, 'jpg'))).filter((f) => f.endsWith('.jpg')).sort();
      assert.deepEqual(files, ['frame_000015.jpg', 'frame_000037.jpg']);
      const head = await readFile(join(dir, 'jpg', files[0] as string));
      assert.deepEqual([...head.subarray(0, 2)], [0xff, 0xd8], 'JPEG SOI marker');
      const raw = await cli(['frames', path, '--count', '2', '--pix', 'gray', '--size', '16x8', '--format', 'raw', '--out', join(dir, 'raw')]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal((await stat(join(dir, 'raw', 'frame_000089.raw'))).size, 16 * 8);
      const keys = await cli(['frames', path, '--keyframes', '--max', '2', '--format', 'raw', '--size', '4x4', '--out', join(dir, 'keys')]);
      assert.equal(keys.code, 0, keys.stderr);
      const keyLines = (await readFile(join(dir, 'keys', 'frames.jsonl'), 'utf8')).trim().split('\n');
      assert.equal(keyLines.length, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('usage errors exit 2 and name the flag', async () => {
    const path = await fixture('h264-bframes.mp4');
    const cases: [string[], RegExp][] = [
      [['frames', path], /--out/],
      [['frames', path, '--out', '/tmp/x', '--every', 'abc'], /--every/],
      [['frames', path, '--out', '/tmp/x', '--size', '12'], /--size/],
      [['frames', path, '--out', '/tmp/x', '--every', '2', '--fps', '3'], /cannot be combined/],
      [['frames', path, '--out', '/tmp/x', '--bogus'], /bogus/],
      [['nonsense'], /unknown command/],
    ];
    for (const [args, pattern] of cases) {
      const { code, stderr } = await cli(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, /^error ERR_INVALID_OPTIONS: /m);
      assert.match(stderr, pattern);
    }
  });

  it('an unwritable output directory is a clear error', async () => {
    const { code, stderr } = await cli(['frames', await fixture('h264-bframes.mp4'), '--out', '/etc/hostname/framepipe-out']);
    assert.notEqual(code, 0);
    assert.match(stderr, /^error ERR_INVALID_OPTIONS: Cannot create the output directory/m);
  });
});
