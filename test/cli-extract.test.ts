/**
 * `framepipe extract` and `framepipe search` end to end, as a user runs them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixture } from './helpers/media.ts';

const BIN = fileURLToPath(new URL('../bin/framepipe.js', import.meta.url));
const TINY_CLIP = fileURLToPath(new URL('../../shared/fixtures/tiny-clip', import.meta.url));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('framepipe extract / search', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framepipe-extract-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSONL line per sampled frame with a built-in model, and a re-run adds nothing', async () => {
    const video = await fixture('h264-bframes.mp4');
    const out = join(dir, 'stats.jsonl');
    const first = await cli(['extract', video, '--model', 'builtin:stats', '--every', '30', '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /3 frames from 1\/1 sources/);
    const again = await cli(['extract', video, '--model', 'builtin:stats', '--every', '30', '--out', out]);
    assert.equal(again.code, 0, again.stderr);
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.index), [0, 30, 60]);
    assert.ok(lines.every((l) => l.model === 'builtin:stats' && typeof l.output.brightness === 'number'));
  });

  it('a broken source among good ones: results for the good ones, exit 1 and the code for the bad one', async () => {
    const out = join(dir, 'mixed.jsonl');
    const { code, stderr } = await cli(['extract', await fixture('vp9.webm'), await fixture('not-a-video.mp4'), '--model', 'builtin:phash', '--count', '2', '--out', out]);
    assert.equal(code, 1);
    assert.match(stderr, /error ERR_NOT_A_VIDEO: /);
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 2);
  });

  it('CLIP features into LanceDB, then text search prints source, h:mm:ss.mmm and score', async () => {
    const store = join(dir, 'clip.lance');
    const made = await cli(['extract', await fixture('h264-bframes.mp4'), '--model', `hf:${TINY_CLIP}`, '--fps', '2', '--out', store, '--offline']);
    assert.equal(made.code, 0, made.stderr);
    const found = await cli(['search', store, 'a dog on a skateboard', '--k', '3']);
    assert.equal(found.code, 0, found.stderr);
    const rows = found.stdout.trim().split('\n');
    assert.equal(rows.length, 3);
    for (const row of rows) assert.match(row, /^.+h264-bframes.*\.mp4\t0:00:0\d\.\d{3}\t-?\d\.\d{4}$/);
    const json = await cli(['search', store, 'a red car', '--k', '2', '--json']);
    const hits = JSON.parse(json.stdout);
    assert.ok(hits[0].score >= hits[1].score);
  });

  it('bad inputs a new user would try give clear errors', async () => {
    const video = await fixture('h264-bframes.mp4');
    const cases: [string[], number, RegExp][] = [
      [['extract', video, '--model', '/nope/model.onnx', '--out', join(dir, 'x.jsonl')], 1, /ERR_MODEL_NOT_FOUND/],
      [['extract', video, '--model', 'builtin:nosuch', '--out', join(dir, 'x.jsonl')], 1, /ERR_MODEL_NOT_FOUND: .*histogram/],
      [['extract', video, '--model', 'hf:Xenova/clip-vit-base-patch32', '--offline', '--cache-dir', join(dir, 'empty-cache'), '--out', join(dir, 'x.jsonl')], 1, /ERR_MODEL_OFFLINE/],
      [['extract', video, '--model', 'builtin:histogram', '--out', '/etc/hostname/x.jsonl'], 1, /ERR_SINK_WRITE/],
      [['extract', video, '--model', 'builtin:histogram', '--out', 'out.parquet'], 2, /ERR_INVALID_OPTIONS/],
      [['extract', video, '--out', join(dir, 'x.jsonl')], 2, /--model/],
      [['search', join(dir, 'missing.lance'), 'text'], 2, /framepipe\.json|--model/],
    ];
    await writeFile(join(dir, 'not-onnx.onnx'), 'not a model');
    cases.push([['extract', video, '--model', join(dir, 'not-onnx.onnx'), '--out', join(dir, 'x.jsonl')], 1, /ERR_MODEL_INVALID/]);
    for (const [args, exit, pattern] of cases) {
      const { code, stderr } = await cli(args);
      assert.equal(code, exit, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, pattern, args.join(' '));
    }
  });
});

describe('framepipe extract on Ctrl-C', () => {
  it('stops, keeps every complete batch written and exits 130', async () => {
    const { spawn } = await import('node:child_process');
    const dir = await mkdtemp(join(tmpdir(), 'framepipe-sigint-'));
    try {
      const video = await fixture('h264-bframes.mp4');
      const long = join(dir, 'long.ts');
      // 60 copies of the clip back to back (no re-encoding) give a run long enough to interrupt.
      await writeFile(join(dir, 'list.txt'), Array.from({ length: 60 }, () => `file '${video}'`).join('\n'));
      const { runFfmpeg } = await import('./helpers/ffmpeg.ts');
      await runFfmpeg(['-v', 'error', '-f', 'concat', '-safe', '0', '-i', join(dir, 'list.txt'), '-c', 'copy', '-f', 'mpegts', long]);
      const out = join(dir, 'stats.jsonl');
      const child = spawn(process.execPath, [BIN, 'extract', long, '--model', 'builtin:stats', '--batch', '8', '--out', out]);
      let stderr = '';
      let interrupting = false;
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk;
          // One Ctrl-C: a second one during shutdown would (as for any CLI) kill the process outright.
          if (/progress \d+/.test(stderr) && !interrupting) {
            interrupting = true;
            child.kill('SIGINT');
          }
        });
        child.on('exit', (c) => resolve(c));
      });
      assert.equal(code, 130, stderr);
      assert.match(stderr, /interrupted: results written so far are kept/);
      const text = await readFile(out, 'utf8');
      const lines = text.split('\n').filter(Boolean);
      assert.ok(lines.length > 0 && lines.length < 5400, `${lines.length} lines`);
      assert.equal(lines.length % 8, 0, 'whole batches only');
      for (const line of lines) JSON.parse(line);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
