/**
 * The stateful built-in models (motion, scene): state per source, across batch boundaries and interleaved
 * sources, on hand-built batches of synthetic pixels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanAbsoluteDifference, motionModel, sceneModel, type SceneOutput } from '../src/models/builtin/index.ts';
import type { Model } from '../src/models/types.ts';
import { batchOf, flat, noise, shift, sizeOf, smooth, type SyntheticFrame } from './helpers/synthetic-images.ts';

/** Runs `frames` through `model` in batches of `batchSize`, returning every output in order. */
async function runAll<T>(model: Model<T>, frames: readonly SyntheticFrame[], batchSize = frames.length): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < frames.length; i += batchSize) out.push(...(await model.run(batchOf(model.input, frames.slice(i, i + batchSize)))));
  return out;
}

/** Interleaves two sources' frames a, b, a, b … (both lists the same length). */
const interleave = (a: SyntheticFrame[], b: SyntheticFrame[]) => a.flatMap((f, i) => [f, b[i] as SyntheticFrame]);

describe('motion', () => {
  const size = sizeOf(motionModel());

  it('declares 64x64 gray hwc uint8, stretched', () => {
    assert.deepEqual(motionModel().input, { width: 64, height: 64, fit: 'fill', pixelFormat: 'gray', layout: 'hwc', dtype: 'uint8' });
    assert.equal(motionModel().id, 'builtin:motion');
  });

  it('the first sample of a source is null; identical samples give 0; black to white gives 1', async () => {
    const frames = [0, 0, 255].map((v, i) => ({ data: flat(size, v), ptsSeconds: i * 0.5 }));
    assert.deepEqual(await runAll(motionModel(), frames), [
      { motion: null, intervalSeconds: null },
      { motion: 0, intervalSeconds: 0.5 },
      { motion: 1, intervalSeconds: 0.5 },
    ]);
  });

  it('a shifted image moves; a bigger shift moves more; the value is the mean absolute difference', async () => {
    const picture = smooth(size, 3);
    const [, small, , big] = await runAll(motionModel(), [
      { data: picture, ptsSeconds: 0 },
      { data: shift(size, picture, 1, 0), ptsSeconds: 1 },
      { data: picture, ptsSeconds: 2 },
      { data: shift(size, picture, 6, 3), ptsSeconds: 3 },
    ]);
    assert.ok((small?.motion as number) > 0);
    assert.ok((big?.motion as number) > (small?.motion as number));
    assert.equal(small?.motion, meanAbsoluteDifference(picture, shift(size, picture, 1, 0)) / 255);
  });

  it('keeps state per source when batches interleave sources, across batch boundaries', async () => {
    const seq = (source: string, seed: number): SyntheticFrame[] =>
      [0, 1, 2, 3, 4, 5].map((i) => ({ data: noise(size, seed + (i >> 1)), source, ptsSeconds: i }));
    const a = seq('a', 10);
    const b = seq('b', 50);
    const alone = [...(await runAll(motionModel(), a)), ...(await runAll(motionModel(), b))];
    for (const batchSize of [1, 2, 3, 5, 12]) {
      const mixed = await runAll(motionModel(), interleave(a, b), batchSize);
      const together = [...mixed.filter((_, i) => i % 2 === 0), ...mixed.filter((_, i) => i % 2 === 1)];
      assert.deepEqual(together, alone, `batch size ${batchSize}`);
    }
    assert.equal(alone[0]?.motion, null);
    assert.equal(alone[1]?.motion, 0);
    assert.ok((alone[2]?.motion as number) > 0.2);
  });

  it('a sample earlier than the previous one starts its source over; dispose forgets every source', async () => {
    const model = motionModel();
    const [x, y] = [flat(size, 0), flat(size, 255)];
    const out = await runAll(model, [
      { data: x, ptsSeconds: 5 },
      { data: y, ptsSeconds: 0 },
      { data: y, ptsSeconds: 1 },
    ]);
    assert.deepEqual(
      out.map((o) => o.motion),
      [null, null, 0],
    );
    await model.dispose?.();
    assert.equal((await runAll(model, [{ data: x, ptsSeconds: 2 }]))[0]?.motion, null);
  });
});

/** Flat colour frames of one source at the given times: `A` red, `B` blue, `C` green. */
function colours(model: Model<SceneOutput>, letters: string, stepSeconds = 1, source = 'a', startSeconds = 0): SyntheticFrame[] {
  const size = sizeOf(model);
  const rgb: Record<string, [number, number, number]> = { A: [220, 30, 30], B: [30, 30, 220], C: [30, 200, 30] };
  return [...letters].map((l, i) => ({
    data: flat(size, rgb[l] as [number, number, number]),
    source,
    ptsSeconds: startSeconds + i * stepSeconds,
  }));
}

const cutsOf = (out: SceneOutput[]) => out.flatMap((o, i) => (o.cut ? [i] : []));

describe('scene', () => {
  it('declares 64x64 rgb24 hwc uint8, stretched; defaults threshold 27, minSceneSeconds 0.5', () => {
    const model = sceneModel();
    assert.deepEqual(model.input, { width: 64, height: 64, fit: 'fill', pixelFormat: 'rgb24', layout: 'hwc', dtype: 'uint8' });
    assert.equal(model.id, 'builtin:scene');
    assert.equal(sceneModel({ threshold: 27, minSceneSeconds: 0.5 }).id, 'builtin:scene');
    assert.equal(sceneModel({ minSceneSeconds: 2, threshold: 40 }).id, 'builtin:scene?threshold=40&minSceneSeconds=2');
  });

  it('A A A B B B gives exactly one cut, at the first B, and scene indices 0 0 0 1 1 1', async () => {
    const model = sceneModel();
    const out = await runAll(model, colours(model, 'AAABBB'));
    assert.deepEqual(cutsOf(out), [3]);
    assert.deepEqual(
      out.map((o) => o.sceneIndex),
      [0, 0, 0, 1, 1, 1],
    );
    assert.deepEqual(
      out.map((o) => (o.score === null ? null : o.score > 27)),
      [null, false, false, true, false, false],
    );
    assert.equal(out[1]?.score, 0);
  });

  it('the same across batch boundaries', async () => {
    for (const batchSize of [1, 2, 4]) {
      const model = sceneModel();
      assert.deepEqual(cutsOf(await runAll(model, colours(model, 'AAABBBCCC'), batchSize)), [3, 6], `batch size ${batchSize}`);
    }
  });

  it('small changes inside a scene (noise, a slight shift) stay under the threshold', async () => {
    const model = sceneModel();
    const size = sizeOf(model);
    const base = smooth(size, 4);
    const noisy = base.map((v, i) => Math.max(0, Math.min(255, v + (((i * 2654435761) >>> 0) % 7) - 3)));
    const frames = [base, shift(size, base, 1, 0), shift(size, base, 1, 1), shift(size, base, 2, 1), shift(size, noisy, 2, 1)];
    const out = await runAll(
      model,
      frames.map((data, i) => ({ data, ptsSeconds: i })),
    );
    assert.deepEqual(cutsOf(out), []);
    for (const o of out.slice(1)) assert.ok((o.score as number) > 0 && (o.score as number) < 27 / 2, `score ${o.score}`);
  });

  it('minSceneSeconds suppresses cuts too close to the previous cut or to the start', async () => {
    const model = () => sceneModel({ minSceneSeconds: 1 });
    // Alternating colours every 0.25 s: only every 4th change is far enough from the previous cut.
    const m1 = model();
    const out = await runAll(m1, colours(m1, 'ABABABABAB', 0.25));
    assert.deepEqual(cutsOf(out), [4, 8]);
    assert.deepEqual(
      out.map((o) => o.sceneIndex),
      [0, 0, 0, 0, 1, 1, 1, 1, 2, 2],
    );
    const m2 = model();
    assert.deepEqual(cutsOf(await runAll(m2, colours(m2, 'AB', 0.5))), [], 'too close to the first sample');
    const m3 = model();
    assert.deepEqual(cutsOf(await runAll(m3, colours(m3, 'AB', 1))), [1], 'exactly minSceneSeconds is allowed');
    const m4 = sceneModel({ minSceneSeconds: 0 });
    assert.deepEqual(cutsOf(await runAll(m4, colours(m4, 'ABAB', 0.01))), [1, 2, 3]);
  });

  it('a suppressed cut still moves the comparison on: the new scene does not cut later', async () => {
    const model = sceneModel({ minSceneSeconds: 1 });
    const frames = colours(model, 'ABBBB', 0.4);
    const out = await runAll(model, frames);
    assert.deepEqual(cutsOf(out), []);
    assert.deepEqual(
      out.slice(2).map((o) => o.score),
      [0, 0, 0],
    );
  });

  it('the threshold decides what counts as a cut', async () => {
    const size = sizeOf(sceneModel());
    const frames = [100, 100, 130, 130].map((v, i) => ({ data: flat(size, v), ptsSeconds: i }));
    // A flat grey level step of 30 scores (0 + 0 + 30) / 3 = 10.
    const low = await runAll(sceneModel({ threshold: 10 }), frames);
    assert.equal(low[2]?.score, 10);
    assert.deepEqual(cutsOf(low), [2]);
    assert.deepEqual(cutsOf(await runAll(sceneModel({ threshold: 10.5 }), frames)), []);
  });

  it('hue is compared around the circle', async () => {
    const model = sceneModel({ threshold: 255 });
    const size = sizeOf(model);
    // Hues 356° and 4° are 8° apart, not 352°.
    const [, out] = await runAll(model, [{ data: flat(size, [255, 0, 17]) }, { data: flat(size, [255, 17, 0]) }]);
    assert.equal(out?.score, 8 / 3);
  });

  it('keeps state per source: interleaved sources each get their own cuts and scene indices', async () => {
    const m = sceneModel();
    const a = colours(m, 'AAABBB', 1, 'cam1');
    const b = colours(m, 'CCCCCA', 1, 'cam2');
    const alone = [...(await runAll(sceneModel(), a)), ...(await runAll(sceneModel(), b))];
    for (const batchSize of [1, 3, 5, 12]) {
      const mixed = await runAll(sceneModel(), interleave(a, b), batchSize);
      assert.deepEqual([...mixed.filter((_, i) => i % 2 === 0), ...mixed.filter((_, i) => i % 2 === 1)], alone, `batch size ${batchSize}`);
    }
    assert.deepEqual(cutsOf(alone), [3, 11]);
  });

  it('a new run over the same source starts again at scene 0; dispose forgets every source', async () => {
    const model = sceneModel();
    const first = await runAll(model, colours(model, 'AABB'));
    assert.deepEqual(
      first.map((o) => o.sceneIndex),
      [0, 0, 1, 1],
    );
    const again = await runAll(model, colours(model, 'BBAA'));
    assert.deepEqual(
      again.map((o) => o.sceneIndex),
      [0, 0, 1, 1],
    );
    assert.equal(again[0]?.score, null);
    await model.dispose?.();
    assert.equal((await runAll(model, colours(model, 'A', 1, 'a', 10)))[0]?.score, null);
  });
});
