/**
 * Every example in `examples/pipelines/` runs through the CLI as the docs say, with its outputs redirected
 * into a temporary directory by `--out-dir`, and produces what its comments promise.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeFrames } from './helpers/ffmpeg.ts';

const BIN = fileURLToPath(new URL('../bin/framepipe.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../examples/pipelines/', import.meta.url));

function run(example: string, out: string, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'run', join(EXAMPLES, example), '--out-dir', out, ...flags], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Row {
  source: string;
  index: number;
  ptsSeconds: number;
  model: string;
  output: unknown;
}

async function rows(path: string): Promise<Row[]> {
  return (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Row);
}

const byModel = (list: Row[], model: string) => list.filter((r) => r.model === model);

describe('examples/pipelines', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framepipe-examples-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every example passes --dry-run', async () => {
    const examples = (await readdir(EXAMPLES)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    assert.deepEqual(examples, ['custom.yaml', 'offline.yaml', 'realtime.json']);
    for (const example of examples) {
      const { code, stdout, stderr } = await run(example, join(dir, 'dry'), '--dry-run');
      assert.equal(code, 0, `${example}: ${stderr}`);
      assert.match(stdout, new RegExp(`${example.replace('.', '\\.')}: valid; 1 source, 2 algorithms, (offline|realtime) mode`));
    }
  });

  it('offline.yaml: two built-ins at their own cadences into JSONL, and a recording of every frame', async () => {
    const out = join(dir, 'offline');
    const { code, stdout, stderr } = await run('offline.yaml', out);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /sample\.mp4: ended; 150 frames played/);
    const results = await rows(join(out, 'out', 'offline.jsonl'));
    assert.deepEqual(byModel(results, 'histogram').map((r) => r.ptsSeconds), [0, 1, 2, 3, 4]);
    assert.equal(byModel(results, 'scene').length, 25);
    assert.ok(byModel(results, 'histogram').every((r) => Array.isArray(r.output) && r.output.length > 0));
    assert.equal((await probeFrames(join(out, 'out', 'sample.mp4'))).length, 150);
  });

  it('realtime.json: paced playback at 15 fps and 160 px, events as JSON lines, results into JSONL', async () => {
    const out = join(dir, 'realtime');
    const { code, stdout, stderr } = await run('realtime.json', out);
    assert.equal(code, 0, stderr);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(events.every((e) => e.source === 'camera-1'));
    const report = events.at(-1) as { type: string; mode: string; framesPlayed: number; reason: string; wallMs: number };
    assert.deepEqual([report.type, report.mode, report.reason], ['report', 'realtime', 'ended']);
    assert.equal(report.framesPlayed, 75, '5 s at targetFps 15');
    assert.ok(report.wallMs >= 1000, `speed 4 plays 5 s in about 1.25 s, took ${report.wallMs} ms`);
    const results = await rows(join(out, 'out', 'realtime.jsonl'));
    const stats = byModel(results, 'stats');
    const motion = byModel(results, 'motion');
    assert.ok(stats.length > 0 && stats.length <= 10, `${stats.length} stats results`);
    assert.ok(motion.length > 0 && motion.length <= 20, `${motion.length} motion results`);
    assert.ok(results.every((r) => r.source === 'camera-1'));
    assert.equal(typeof (stats[0]?.output as { brightness?: unknown }).brightness, 'number');
  });

  it('custom.yaml: the user module algorithm returns a brightness number every 0.5 s between 1 s and 4 s', async () => {
    const out = join(dir, 'custom');
    const { code, stdout, stderr } = await run('custom.yaml', out);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^ {2}brightness +6 +6 +0 +0 /m);
    const results = await rows(join(out, 'out', 'custom.jsonl'));
    const brightness = byModel(results, 'brightness');
    assert.deepEqual(brightness.map((r) => r.ptsSeconds), [1, 1.5, 2, 2.5, 3, 3.5]);
    for (const r of brightness) assert.ok(typeof r.output === 'number' && r.output > 0 && r.output < 255, String(r.output));
    assert.deepEqual(byModel(results, 'phash').map((r) => r.ptsSeconds), [1, 2, 3]);
    assert.ok(results.every((r) => r.source === 'sample'));
  });
});
