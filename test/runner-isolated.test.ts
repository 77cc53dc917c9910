/**
 * Algorithms in worker threads: the same results as in-process runs, playback that keeps its pace while an
 * algorithm computes synchronously, and clear errors for bad specs, failing runs and unsendable results.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { builtinModel, createPipeline, type Frame, isolatedAlgorithm, loadModel, type PipelineOptions } from '../src/index.ts';
import { failure } from './helpers/assertions.ts';
import { makeMedia } from './helpers/media.ts';

const MODULE = fileURLToPath(new URL('./fixtures/algorithms/busy.mjs', import.meta.url));
const TINY_CLIP = fileURLToPath(new URL('../../shared/fixtures/tiny-clip', import.meta.url));

function clip(): Promise<string> {
  return makeMedia('runner-iso-25fps.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25:duration=2', '-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p',
  ]);
}

async function results(algorithm: PipelineOptions['algorithms'] extends readonly (infer R)[] | undefined ? R extends { algorithm: infer A } ? A : never : never, extra: Partial<PipelineOptions> = {}) {
  const out: unknown[] = [];
  const report = await createPipeline({
    source: await clip(),
    algorithms: [{ name: 'a', algorithm, intervalSeconds: 0.2 }],
    collect: (_p, _a, r) => void out.push(r),
    ...extra,
  }).run();
  return { out, report };
}

describe('isolated algorithms', () => {
  it('a built-in model in a worker gives the same results as in the main thread', async () => {
    const inline = await results(builtinModel('stats'));
    const isolated = await results(isolatedAlgorithm({ kind: 'spec', spec: 'builtin:stats' }));
    assert.equal(isolated.out.length, 10);
    assert.deepEqual(isolated.out, inline.out);
  });

  it('an ONNX Runtime model (tiny CLIP) in a worker gives the same embeddings as in the main thread', async () => {
    const inline = await results(await loadModel(`hf:${TINY_CLIP}`, { offline: true }));
    const isolated = await results(isolatedAlgorithm({ kind: 'spec', spec: `hf:${TINY_CLIP}`, flags: { offline: true } }));
    assert.equal(isolated.out.length, 10);
    isolated.out.forEach((embedding, i) => {
      assert.ok(embedding instanceof Float32Array);
      assert.deepEqual(Array.from(embedding), Array.from(inline.out[i] as Float32Array));
    });
  });

  it('loads a module export: a class with options, a factory function, a plain object', async () => {
    const cls = await results(isolatedAlgorithm({ kind: 'module', module: MODULE, options: { ms: 1 } }));
    assert.deepEqual(cls.out, [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    const factory = await results(isolatedAlgorithm({ kind: 'module', module: MODULE, export: 'scaled', options: { factor: 2 } }));
    assert.deepEqual(factory.out.slice(0, 3), [0, 10, 20]);
  });

  it('keeps realtime playback on pace while the algorithm computes synchronously', async () => {
    let playedBeforeFirst = 0;
    let got = false;
    const isolated = await results(isolatedAlgorithm({ kind: 'module', module: MODULE, options: { ms: 150 } }), {
      mode: 'realtime',
      onFrame: () => void (got || (playedBeforeFirst += 1)),
      onEvent: (e) => void (e.type === 'result' && (got = true)),
    });
    assert.ok(playedBeforeFirst >= 3, `frames played during the first window: ${playedBeforeFirst}`);
    // The same computation in the main thread holds playback: frames are played late.
    const busy = { run: (frames: readonly Frame[]) => { const until = Date.now() + 150; while (Date.now() < until); return frames.at(-1)?.index; } };
    const inline = await results(busy, { mode: 'realtime' });
    assert.ok(inline.report.framesLate >= 10, `late frames in the main thread: ${inline.report.framesLate}`);
    assert.ok(isolated.report.framesLate * 3 < inline.report.framesLate, `late frames: ${isolated.report.framesLate} with the worker, ${inline.report.framesLate} in the main thread`);
  });

  it('reports a bad spec, a missing export and a non-algorithm at init', async () => {
    assert.equal((await failure(() => isolatedAlgorithm({ kind: 'spec', spec: 'builtin:nope' }).init())).code, 'ERR_INVALID_OPTIONS');
    const missing = await failure(() => isolatedAlgorithm({ kind: 'module', module: MODULE, export: 'absent' }).init());
    assert.match(missing.message, /no export "absent"/);
    const notAlg = await failure(() => isolatedAlgorithm({ kind: 'module', module: MODULE, export: 'notAnAlgorithm' }).init());
    assert.match(notAlg.message, /not an algorithm: it needs a run\(frames\) method/);
  });

  it('fails the run with ERR_ALGORITHM when the worker\u2019s algorithm throws or returns something unsendable', async () => {
    const pipeline = createPipeline({
      source: await clip(),
      algorithms: [{ name: 'odd', algorithm: isolatedAlgorithm({ kind: 'module', module: MODULE, export: 'oddFails' }), intervalSeconds: 0.04 }],
    });
    const err = await failure(() => pipeline.run());
    assert.equal(err.code, 'ERR_ALGORITHM');
    assert.match(err.message, /odd frame 1/);
    const unsendable = createPipeline({
      source: await clip(),
      algorithms: [{ name: 'u', algorithm: isolatedAlgorithm({ kind: 'module', module: MODULE, export: 'unsendable' }), intervalSeconds: 1 }],
    });
    const err2 = await failure(() => unsendable.run());
    assert.equal(err2.code, 'ERR_ALGORITHM');
    assert.match(err2.message, /cannot be sent from the worker/);
  });
});
