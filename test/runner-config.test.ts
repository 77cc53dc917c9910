/**
 * Pipeline config files: each kind of mistake is ERR_INVALID_CONFIG with the path to the bad field and a
 * message saying what is expected, found before anything runs; a good file becomes one PipelineOptions
 * per source with fresh algorithm instances and shared sinks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { configToPipelines, loadPipelineConfig } from '../src/runner/config/index.ts';
import { failure } from './helpers/assertions.ts';

let dir = '';
let n = 0;

/** Writes `text` to a fresh file with `ext` and returns its path. */
async function file(text: string, ext = 'yaml'): Promise<string> {
  const path = join(dir, `config-${++n}.${ext}`);
  await writeFile(path, text);
  return path;
}

const ALGO = `algorithms:\n  - name: hist\n    use: builtin:histogram\n    intervalSeconds: 1\n`;

/** Loads a YAML text and returns the error, asserting its code, path and message. */
async function mistake(text: string, path: string, message: RegExp, ext = 'yaml'): Promise<Record<string, unknown>> {
  const at = await file(text, ext);
  const error = await failure(() => loadPipelineConfig(at));
  assert.equal(error.code, 'ERR_INVALID_CONFIG', error.message);
  assert.equal(error.details.path, path, error.message);
  assert.match(error.message, message);
  assert.ok(error.message.startsWith(`${at}: `), error.message);
  return error.details;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-config-'));
  await writeFile(join(dir, 'algos.mjs'), [
    'export let made = 0;',
    'export const plain = { run: (frames) => frames.length };',
    'export function createCounter(options) { made++; return { step: options.step ?? 1, run(frames) { return frames[0].index * this.step; } }; }',
    'export async function asyncFactory() { return { run: () => 1 }; }',
    'export class Mean { constructor(options) { this.scale = options.scale ?? 1; } run(frames) { return frames[0].data[0] * this.scale; } }',
    'export function noRun() { return { compute: () => 1 }; }',
    'export const notAnAlgorithm = 42;',
    'export function throws() { throw new Error("bad option"); }',
  ].join('\n'));
  await writeFile(join(dir, 'typed.ts'), 'export default { run: (frames: readonly unknown[]): number => frames.length };\n');
  await writeFile(join(dir, 'broken.mjs'), 'export const = ;\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pipeline config mistakes', () => {
  it('a value of the wrong type names the field, the expectation and the value, with the line', async () => {
    const text = `sources: [a.mp4]\n${ALGO}  - name: scene\n    use: builtin:scene\n    intervalSeconds: fast\n`;
    const details = await mistake(text, 'algorithms[1].intervalSeconds', /: algorithms\[1\]\.intervalSeconds: expected a number > 0, got "fast" \(line 8\)$/);
    assert.equal(details.line, 8);
  });

  it('an unknown key is rejected with the closest allowed key', async () => {
    await mistake(`sources: [a.mp4]\n${ALGO}    intervalSecond: 2\n`, 'algorithms[0].intervalSecond', /unknown key; did you mean intervalSeconds\? \(allowed: name, use, frameCount, frameStep, intervalSeconds, isolate, options\)/);
    await mistake(`sources: [a.mp4]\n${ALGO}sink: [out.jsonl]\n`, 'sink', /sink: unknown key; did you mean sinks\?/);
    await mistake(`sources: [{ url: a.mp4, options: { timeout: 5 } }]\n${ALGO}`, 'sources[0].options.timeout', /did you mean timeoutMs\?/);
  });

  it('a missing required field says what is expected', async () => {
    await mistake(`sources: [a.mp4]\nalgorithms:\n  - name: hist\n    use: builtin:histogram\n`, 'algorithms[0].intervalSeconds', /algorithms\[0\]\.intervalSeconds: missing; expected a number > 0/);
    await mistake(ALGO, 'sources', /sources: missing; expected a list of sources/);
    await mistake(`sources: []\n${ALGO}`, 'sources', /expected a list of at least one source, got \[\]/);
  });

  it('a bad enum value lists the accepted ones', async () => {
    await mistake(`sources: [a.mp4]\nmode: fast\n${ALGO}`, 'mode', /mode: expected one of offline, realtime, got "fast"/);
    await mistake(`sources: [a.mp4]\n${ALGO}record: { path: out.mp4, preset: quick }\n`, 'record.preset', /expected one of ultrafast, .*veryslow, got "quick"/);
    await mistake(`sources: [a.mp4]\n${ALGO}sinks: [{ type: parquet, path: x }]\n`, 'sinks[0].type', /expected type: jsonl, lance, redis or webhook, got "parquet"/);
  });

  it('a negative or zero interval, and out-of-range numbers, are refused', async () => {
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: a, use: builtin:stats, intervalSeconds: -1 }]\n`, 'algorithms[0].intervalSeconds', /expected a number > 0, got -1/);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: a, use: builtin:stats, intervalSeconds: 0 }]\n`, 'algorithms[0].intervalSeconds', /got 0/);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: a, use: builtin:stats, intervalSeconds: 1, frameCount: 1.5 }]\n`, 'algorithms[0].frameCount', /expected an integer ≥ 1, got 1.5/);
    await mistake(`sources: [a.mp4]\nstartSeconds: 4\nendSeconds: 2\n${ALGO}`, 'endSeconds', /expected a time after startSeconds \(4\), got 2/);
    await mistake(`sources: [a.mp4]\nspeed: 2\n${ALGO}`, 'speed', /speed applies to mode: realtime only/);
    await mistake(`sources: [a.mp4]\nbufferFrames: 3\nalgorithms: [{ name: pose, use: builtin:stats, intervalSeconds: 1, frameCount: 4, frameStep: 2 }]\n`, 'bufferFrames', /expected at least 7 \(algorithm 'pose' spans 7 frames/);
  });

  it('duplicate algorithm names and source ids are refused', async () => {
    await mistake(`sources: [a.mp4]\n${ALGO}  - name: hist\n    use: builtin:stats\n    intervalSeconds: 2\n`, 'algorithms[1].name', /duplicate name "hist" \(algorithms\[0\] has it too\)/);
    await mistake(`sources: [{ url: a.mp4, id: cam }, { url: b.mp4, id: cam }]\n${ALGO}`, 'sources[1].id', /duplicate id "cam"/);
  });

  it('a module that does not exist or does not load names the file', async () => {
    const missing = await mistake(`sources: [a.mp4]\nalgorithms:\n  - name: x\n    use: { module: ./nope.ts }\n    intervalSeconds: 1\n`, 'algorithms[0].use.module', /module file not found: .*nope\.ts \(line 4\)/);
    assert.equal(missing.line, 4);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: { module: ./broken.mjs }, intervalSeconds: 1 }]\n`, 'algorithms[0].use.module', /could not load broken\.mjs: /);
  });

  it('a missing export lists the exports there are', async () => {
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: { module: ./algos.mjs, export: nope }, intervalSeconds: 1 }]\n`, 'algorithms[0].use.export', /algos\.mjs has no export "nope"; its exports: .*createCounter/);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: { module: ./algos.mjs }, intervalSeconds: 1 }]\n`, 'algorithms[0].use.export', /has no export "default"/);
  });

  it('an export without run() is refused, whether object, factory result or value', async () => {
    const config = (name: string) => `sources: [a.mp4]\nalgorithms: [{ name: x, use: { module: ./algos.mjs, export: ${name} }, intervalSeconds: 1 }]\n`;
    await mistake(config('noRun'), 'algorithms[0].use', /export "noRun" of algos\.mjs returned an object without a run\(\) method; export an algorithm/);
    await mistake(config('notAnAlgorithm'), 'algorithms[0].use', /export "notAnAlgorithm" of algos\.mjs is 42 without a run\(\) method/);
    await mistake(config('throws'), 'algorithms[0].use', /export "throws" of algos\.mjs threw while creating the algorithm: bad option/);
    const withOptions = `sources: [a.mp4]\nalgorithms: [{ name: x, use: { module: ./algos.mjs, export: plain, options: { a: 1 } }, intervalSeconds: 1 }]\n`;
    await mistake(withOptions, 'algorithms[0].use.options', /is an object, not a factory function or class, so it takes no options/);
  });

  it('an unknown built-in lists the built-ins; a bad built-in option names the option', async () => {
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: builtin:nosuch, intervalSeconds: 1 }]\n`, 'algorithms[0].use', /unknown built-in model "builtin:nosuch"; available: builtin:histogram, builtin:phash, builtin:stats, builtin:motion, builtin:scene/);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: histogram, intervalSeconds: 1 }]\n`, 'algorithms[0].use', /got "histogram"; did you mean builtin:histogram\?/);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: builtin:scene, intervalSeconds: 1, options: { threshold: high } }]\n`, 'algorithms[0].options.threshold', /option "threshold" must be a number/);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: ./missing.onnx, intervalSeconds: 1 }]\n`, 'algorithms[0].use', /model file not found: .*missing\.onnx/);
    await mistake(`sources: [a.mp4]\nalgorithms: [{ name: x, use: 5, intervalSeconds: 1 }]\n`, 'algorithms[0].use', /expected a model spec .* or a mapping \{ module, export\?, options\? \}, got 5/);
  });

  it('a YAML syntax error gives its line', async () => {
    const details = await mistake(`sources: [a.mp4\n${ALGO}`, '', /not valid YAML at line 2: /);
    assert.equal(details.line, 2);
    await mistake(`sources: [a.mp4]\nsources: [b.mp4]\n${ALGO}`, '', /not valid YAML at line 2: Map keys must be unique/);
  });

  it('an empty file, a file of comments and a missing file are clear errors', async () => {
    await mistake('', '', /the file is empty; expected a mapping with sources and algorithms/);
    await mistake('  \n\n', '', /the file is empty/);
    await mistake('# nothing here\n', '', /the file holds no settings/);
    await mistake('- a.mp4\n', '', /expected a mapping with sources and algorithms at the top, got a list/);
    const error = await failure(() => loadPipelineConfig(join(dir, 'absent.yaml')));
    assert.equal(error.code, 'ERR_INVALID_CONFIG');
    assert.match(error.message, /absent\.yaml: cannot read the config file: no such file/);
  });

  it('JSON with trailing garbage or a trailing comma gives the line', async () => {
    const good = JSON.stringify({ sources: ['a.mp4'], algorithms: [{ name: 'h', use: 'builtin:histogram', intervalSeconds: 1 }] }, null, 2);
    const details = await mistake(`${good}\n}\n`, '', /not valid JSON at line 13: Unexpected non-whitespace character after JSON$/, 'json');
    assert.equal(details.line, 13);
    await mistake('{\n  "sources": ["a.mp4"],\n}\n', '', /not valid JSON at line 3: /, 'json');
    await mistake(good.replace('"intervalSeconds": 1', '"intervalSeconds": "1"'), 'algorithms[0].intervalSeconds', /expected a number > 0, got "1" \(line 9\)/, 'json');
  });

  it('sinks, record and progress are checked too', async () => {
    await mistake(`sources: [a.mp4]\n${ALGO}sinks: [out.parquet]\n`, 'sinks[0]', /expected a sink spec \(FILE\.jsonl, DIR\.lance, redis:\/\/…, http\(s\):\/\/…\) or a mapping \{ type, … \}, got "out\.parquet"/);
    await mistake(`sources: [a.mp4]\n${ALGO}sinks: [{ type: redis, url: localhost }]\n`, 'sinks[0].url', /expected a redis:\/\/ or rediss:\/\/ URL, got "localhost"/);
    await mistake(`sources: [a.mp4, b.mp4]\n${ALGO}record: { path: out/run.mp4 }\n`, 'record.path', /with 2 sources the path needs \{source\}/);
    await mistake(`sources: [a/cam.mp4, b/cam.mp4]\n${ALGO}record: { path: "out/{source}.mp4" }\n`, 'sources[1]', /sources\[0\] and sources\[1\] would both record to out\/cam\.mp4; give them different ids/);
    await mistake(`sources: [a.mp4]\n${ALGO}record: { path: out/run.avi }\n`, 'record.path', /expected a path ending in \.mp4, got "out\/run\.avi"/);
    await mistake(`sources: [a.mp4]\n${ALGO}progress: loud\n`, 'progress', /progress: expected one of bar, events, none, got "loud"/);
    await mistake(`sources: [a.mp4]\n${ALGO}progress: { http: ftp://x }\n`, 'progress.http', /expected an http\(s\):\/\/ URL/);
  });
});

describe('a valid pipeline config', () => {
  it('becomes one PipelineOptions per source, with fresh algorithm instances and shared sinks', async () => {
    const at = await file([
      'sources:',
      '  - clips/a.mp4',
      '  - url: https://user:pw@cdn.example/b.mp4?token=x',
      '    id: cam-b',
      '    options: { timeoutMs: 5000, retry: { retries: 1 }, headers: { authorization: Bearer x } }',
      'mode: realtime',
      'speed: 2',
      'startSeconds: 1',
      'endSeconds: 9.5',
      'targetFps: 10',
      'playback: { width: 320 }',
      'onAlgorithmError: report',
      'algorithms:',
      '  - { name: scene, use: builtin:scene, intervalSeconds: 0.5, options: { threshold: 30 } }',
      '  - { name: count, use: { module: ./algos.mjs, export: createCounter, options: { step: 2 } }, intervalSeconds: 1, frameCount: 3, frameStep: 2 }',
      '  - { name: mean, use: { module: ./algos.mjs, export: Mean }, options: { scale: 3 }, intervalSeconds: 1 }',
      '  - { name: plain, use: { module: ./algos.mjs, export: plain }, intervalSeconds: 2 }',
      '  - { name: typed, use: { module: ./typed.ts }, intervalSeconds: 2 }',
      '  - { name: later, use: { module: ./algos.mjs, export: asyncFactory }, intervalSeconds: 2 }',
      '  - { name: apart, use: { module: ./algos.mjs, export: createCounter, options: { step: 5 } }, intervalSeconds: 2, isolate: true }',
      'sinks:',
      '  - out/results.jsonl',
      '  - { type: webhook, url: "http://127.0.0.1:9/hook", batchSize: 10 }',
      'record: { path: "rec/{source}.mp4", crf: 30 }',
    ].join('\n'));
    const algos = (await import(pathToFileURL(join(dir, 'algos.mjs')).href)) as { made: number };
    const before = algos.made;
    const loaded = await loadPipelineConfig(at);
    assert.equal(algos.made, before + 2, 'each factory runs once while loading (the isolated one too, as a check)');
    assert.deepEqual(loaded.algorithms.map((a) => [a.name, a.kind, a.isolate]), [
      ['scene', 'builtin', false], ['count', 'module', false], ['mean', 'module', false], ['plain', 'module', false], ['typed', 'module', false], ['later', 'module', false], ['apart', 'module', true],
    ]);

    const out = join(dir, 'outputs');
    await using run = await configToPipelines(loaded, { outDir: out });
    assert.equal(algos.made, before + 3, 'the second source gets its own instance; isolated ones are made in their worker');
    const [a, b] = run.pipelines;
    assert.ok(a && b && run.pipelines.length === 2);
    assert.equal(a.options.source, join(dir, 'clips/a.mp4'));
    assert.equal(a.sourceId, 'clips/a.mp4');
    assert.equal(b.options.source, 'https://user:pw@cdn.example/b.mp4?token=x');
    assert.equal(b.sourceId, 'cam-b');
    assert.deepEqual(b.options.open?.source, { timeoutMs: 5000, retry: { retries: 1 }, headers: { authorization: 'Bearer x' } });
    assert.equal(a.recordPath, join(out, 'rec/a.mp4'));
    assert.equal(b.options.record?.path, join(out, 'rec/cam-b.mp4'));
    assert.equal(b.options.record?.crf, 30);
    for (const p of [a, b]) {
      const o = p.options;
      assert.deepEqual([o.mode, o.speed, o.startSeconds, o.endSeconds, o.targetFps, o.onAlgorithmError], ['realtime', 2, 1, 9.5, 10, 'report']);
      assert.deepEqual(o.playback, { width: 320 });
      assert.equal(o.keepSinksOpen, true);
      assert.deepEqual(o.algorithms?.map((r) => [r.name, r.frameCount, r.frameStep, r.intervalSeconds]), [
        ['scene', 1, 1, 0.5], ['count', 3, 2, 1], ['mean', 1, 1, 1], ['plain', 1, 1, 2], ['typed', 1, 1, 2], ['later', 1, 1, 2], ['apart', 1, 1, 2],
      ]);
    }
    const instance = (p: typeof a, name: string) => p.options.algorithms?.find((r) => r.name === name)?.algorithm as unknown as Record<string, unknown>;
    assert.notEqual(instance(a, 'scene'), instance(b, 'scene'), 'stateful built-ins are per source');
    assert.equal((instance(a, 'scene') as { id: string }).id, (instance(b, 'scene') as { id: string }).id);
    assert.equal(instance(a, 'count').step, 2);
    assert.equal(instance(a, 'mean').scale, 3);
    assert.equal(instance(a, 'plain'), instance(b, 'plain'), 'a plain object export is shared');
    assert.equal(typeof instance(b, 'later').run, 'function');
    assert.equal(instance(a, 'apart').id, `module:${join(dir, 'algos.mjs')}#createCounter`, 'an isolatedAlgorithm, loaded on init()');
    assert.notEqual(instance(a, 'apart'), instance(b, 'apart'));
    assert.equal(run.sinks.length, 2);
    assert.equal(a.options.sinks, b.options.sinks);
    assert.deepEqual(run.sinks.map((s) => s.name.split(':')[0]), ['jsonl', 'webhook']);
  });
});
