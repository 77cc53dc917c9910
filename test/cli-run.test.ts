/**
 * `framepipe run FILE` end to end, as a user runs it: exit codes (0 ok, 1 a run failed, 2 a config or usage
 * mistake, 130 on Ctrl-C), the dry-run plan, the summary per source and the event lines.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeFrames } from './helpers/ffmpeg.ts';
import { fixture } from './helpers/media.ts';

const BIN = fileURLToPath(new URL('../bin/framepipe.js', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../examples/media/sample.mp4', import.meta.url));

function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 120_000, cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir = '';
let n = 0;
async function config(text: string, ext = 'yaml'): Promise<string> {
  const path = join(dir, `pipeline-${++n}.${ext}`);
  await writeFile(path, text);
  return path;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-run-'));
  await writeFile(join(dir, 'algos.mjs'), [
    'export const failing = { run(frames) { if (frames[0].index >= 30) throw new Error("cannot handle frame " + frames[0].index); return frames[0].index; } };',
    'export function slow() { return { async run(frames) { await new Promise((r) => setTimeout(r, 120)); return frames[0].index; } }; }',
  ].join('\n'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('framepipe run', () => {
  it('runs a config: summary per source, results in the sink, recording, exit 0', async () => {
    const path = await config([
      `sources: ["${SAMPLE}"]`,
      'algorithms:',
      '  - { name: stats, use: builtin:stats, intervalSeconds: 1 }',
      '  - { name: hash, use: builtin:phash, intervalSeconds: 0.5 }',
      'sinks: [results.jsonl]',
      'record: { path: "rec/{source}.mp4" }',
      'progress: none',
    ].join('\n'));
    const out = join(dir, 'run-ok');
    const { code, stdout, stderr } = await cli(['run', path, '--out-dir', out]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /sample\.mp4: ended; 150 frames played \(150 decoded, 0 skipped\) in \d+\.\d\ds\n/);
    assert.match(stdout, /^ {2}algorithm +fired +completed +errors +dropped +p50 ms +p99 ms$/m);
    assert.match(stdout, /^ {2}stats +5 +5 +0 +0 +[\d.]+ +[\d.]+$/m);
    assert.match(stdout, /^ {2}hash +10 +10 +0 +0 +[\d.]+ +[\d.]+$/m);
    assert.match(stdout, new RegExp(`recording: ${join(out, 'rec', 'sample.mp4').replaceAll('.', '\\.')} \\(150 frames, 320x240\\)`));
    const records = (await readFile(join(out, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(records.length, 15);
    assert.deepEqual(new Set(records.map((r) => r.model)), new Set(['stats', 'hash']));
    assert.equal((await probeFrames(join(out, 'rec', 'sample.mp4'))).length, 150);
  });

  it('isolate: true runs a module algorithm and a built-in in worker threads with the same results', async () => {
    const algorithms = [
      '  - { name: index, use: { module: ./algos.mjs, export: slow }, intervalSeconds: 1, isolate: true }',
      '  - { name: stats, use: builtin:stats, intervalSeconds: 1, isolate: true }',
    ];
    const path = await config([`sources: ["${SAMPLE}"]`, 'algorithms:', ...algorithms, 'sinks: [isolated.jsonl]', 'progress: none'].join('\n'));
    const { code, stdout, stderr } = await cli(['run', path, '--out-dir', join(dir, 'isolated')]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^ {2}index +5 +5 +0 +0 /m);
    const results = (await readFile(join(dir, 'isolated', 'isolated.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(results.filter((r) => r.model === 'index').map((r) => r.output), [0, 30, 60, 90, 120]);
    assert.equal(results.filter((r) => r.model === 'stats' && typeof r.output.brightness === 'number').length, 5);
  });

  it('--dry-run checks the file and prints the plan without running or writing', async () => {
    const path = await config(`sources: [{ url: "${SAMPLE}", id: cam }]\nmode: realtime\nspeed: 2\nalgorithms: [{ name: s, use: builtin:scene, intervalSeconds: 0.25, frameCount: 1 }]\nsinks: [out/x.jsonl]\nrecord: { path: out/x.mp4 }\n`);
    const out = join(dir, 'dry');
    const { code, stdout, stderr } = await cli(['run', path, '--dry-run', '--out-dir', out]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /: valid; 1 source, 1 algorithm, realtime mode\n/);
    assert.match(stdout, /play: 0s to the end, every frame, speed 2\n/);
    assert.match(stdout, new RegExp(`^ {2}cam = ${SAMPLE.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(stdout, /^ {2}s {2}builtin:scene, every 0\.25s of media, 1 frame$/m);
    assert.match(stdout, /^sinks: jsonl:.*out\/x\.jsonl$/m);
    assert.match(stdout, /^record: .*out\/x\.mp4$/m);
    assert.equal(existsSync(out), false, 'nothing written');
  });

  it('config mistakes exit 2 with the field path; usage mistakes exit 2', async () => {
    const bad = await config(`sources: [a.mp4]\nalgorithms:\n  - { name: a, use: builtin:stats, intervalSeconds: 1 }\n  - { name: b, use: builtin:stats, intervalSeconds: fast }\n`);
    const cases: [string[], RegExp][] = [
      [['run', bad], /^error ERR_INVALID_CONFIG: .*pipeline-\d+\.yaml: algorithms\[1\]\.intervalSeconds: expected a number > 0, got "fast" \(line 4\)\n$/],
      [['run', join(dir, 'missing.yaml')], /error ERR_INVALID_CONFIG: .*missing\.yaml: cannot read the config file: no such file/],
      [['run', await config('sources: [a.mp4\n')], /error ERR_INVALID_CONFIG: .*not valid YAML at line 2/],
      [['run'], /error ERR_INVALID_OPTIONS: run needs exactly one config file, got 0/],
      [['run', 'a.yaml', 'b.yaml'], /run needs exactly one config file, got 2/],
      [['run', bad, '--progress', 'loud'], /--progress must be bar, events or none, got "loud"/],
      [['run', bad, '--bogus'], /error ERR_INVALID_OPTIONS: .*--bogus/],
    ];
    for (const [args, pattern] of cases) {
      const { code, stdout, stderr } = await cli(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, pattern, args.join(' '));
      assert.equal(stdout, '');
    }
  });

  it('a failing source or algorithm exits 1 while the other source finishes', async () => {
    const path = await config([
      `sources: ["${SAMPLE}", { url: "${await fixture('not-a-video.mp4')}", id: broken }]`,
      'algorithms: [{ name: stats, use: builtin:stats, intervalSeconds: 1 }]',
      'sinks: [results.jsonl]',
      'progress: none',
    ].join('\n'));
    const out = join(dir, 'run-fail');
    const { code, stdout, stderr } = await cli(['run', path, '--out-dir', out]);
    assert.equal(code, 1, stderr);
    assert.match(stdout, /sample\.mp4: ended; 150 frames played/);
    assert.match(stdout, /^broken: failed: ERR_NOT_A_VIDEO: /m);
    assert.match(stderr, /^error ERR_NOT_A_VIDEO: broken: /m);
    assert.equal((await readFile(join(out, 'results.jsonl'), 'utf8')).trim().split('\n').length, 5);

    const throwing = `sources: ["${SAMPLE}"]\nalgorithms: [{ name: bad, use: { module: ./algos.mjs, export: failing }, intervalSeconds: 0.5 }]\nprogress: none\n`;
    const failed = await cli(['run', await config(throwing), '--out-dir', out]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /error ERR_ALGORITHM: .*cannot handle frame 30/);
    const reported = await cli(['run', await config(`${throwing}onAlgorithmError: report\n`), '--out-dir', out]);
    assert.equal(reported.code, 0, reported.stderr);
    assert.match(reported.stdout, /^ {2}bad +10 +2 +8 +0 /m);
    assert.match(reported.stderr, /source .*sample\.mp4: algorithm 'bad' failed on frame 30 \(1\.000 s\): cannot handle frame 30\n/);
  });

  it('an unwritable sink fails before any pipeline starts (outputs relative to the current directory), exit 1', async () => {
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const path = await config(`sources: ["${SAMPLE}"]\nalgorithms: [{ name: s, use: builtin:stats, intervalSeconds: 1 }]\nsinks: [a-file/x.jsonl]\n`);
    const { code, stderr, stdout } = await cli(['run', path], dir);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /error ERR_SINK_WRITE: .*a-file/);
    assert.equal(stdout, '');
  });

  it('progress: events writes every event and a report per source as JSON lines; realtime drops are counted by cause', async () => {
    const path = await config([
      `sources: [{ url: "${SAMPLE}", id: cam }]`,
      'mode: realtime',
      'speed: 4',
      'algorithms: [{ name: slow, use: { module: ./algos.mjs, export: slow }, intervalSeconds: 0.05 }]',
      'progress: events',
    ].join('\n'));
    const { code, stdout, stderr } = await cli(['run', path]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.every((l) => l.source === 'cam'));
    assert.ok(lines.some((l) => l.type === 'state' && l.state === 'running'));
    assert.ok(lines.some((l) => l.type === 'result' && l.algorithm === 'slow'));
    assert.ok(lines.some((l) => l.type === 'drop'), 'a 120 ms algorithm every 50 ms of 4x playback must drop');
    const report = lines.at(-1) as { type: string; mode: string; algorithms: Record<string, { fired: number; dropped: Record<string, number> }> };
    assert.equal(report.type, 'report');
    assert.equal(report.mode, 'realtime');
    const dropped = Object.values(report.algorithms.slow?.dropped ?? {}).reduce((a, b) => a + b, 0);
    assert.ok(dropped > 0 && (report.algorithms.slow?.fired ?? 0) > 0, JSON.stringify(report.algorithms));
  });

  it('Ctrl-C stops every pipeline, keeps results and the recording, exits 130', async () => {
    const path = await config([
      `sources: ["${SAMPLE}"]`,
      'mode: realtime',
      'algorithms: [{ name: stats, use: builtin:stats, intervalSeconds: 0.1 }]',
      'sinks: [{ type: jsonl, path: results.jsonl, fsync: false }]',
      'record: { path: rec.mp4 }',
      'progress: bar',
    ].join('\n'));
    const out = join(dir, 'sigint');
    const child = spawn(process.execPath, [BIN, 'run', path, '--out-dir', out]);
    let stderr = '';
    let stdout = '';
    let interrupting = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
        // One Ctrl-C once the run is playing (the realtime run of the 5 s sample takes 5 s).
        if (/progress .*: \d+ frames/.test(stderr) && !interrupting) {
          interrupting = true;
          setTimeout(() => child.kill('SIGINT'), 500);
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted: results written so far are kept/);
    assert.match(stdout, /sample\.mp4: stopped; (\d+) frames played/);
    const played = Number(/stopped; (\d+) frames played/.exec(stdout)?.[1]);
    assert.ok(played > 0 && played < 150, `${played} frames played`);
    const lines = (await readFile(join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
    assert.ok(lines.length > 0 && lines.length < 50, `${lines.length} results`);
    for (const line of lines) JSON.parse(line);
    assert.equal((await probeFrames(join(out, 'rec.mp4'))).length, played, 'the recording was finalised with every played frame');
  });
});
