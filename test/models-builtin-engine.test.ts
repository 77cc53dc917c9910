/**
 * The scene model through the real frame engine: a clip of 2 s of `testsrc2` (a moving test pattern) then
 * 2 s of `smptebars`, sampled at 5 fps in the scene model's declared input form, gives exactly one cut, at
 * the join (2.0 s).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openVideo } from '../src/index.ts';
import { sceneModel, type SceneOutput } from '../src/models/builtin/index.ts';
import type { ModelBatch } from '../src/models/types.ts';
import { makeMedia } from './helpers/media.ts';

const CLIP_ARGS = [
  ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2'],
  ...['-f', 'lavfi', '-i', 'smptebars=size=320x240:rate=25:duration=2'],
  ...['-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0[v]', '-map', '[v]'],
  ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p'],
];

test('scene model finds exactly one cut, at the join of testsrc2 and smptebars', async () => {
  const path = await makeMedia('testsrc2-then-smptebars.mp4', CLIP_ARGS);
  const model = sceneModel();
  const { width, height, fit, pixelFormat, layout, dtype } = model.input;
  await using video = await openVideo(path, { sampling: { fps: 5 }, output: { width, height, fit, pixelFormat, layout, dtype } });
  const results: { ptsSeconds: number; out: SceneOutput }[] = [];
  for await (const batch of video.batches(8)) {
    const sourced: ModelBatch = { ...batch, frames: batch.frames.map((f) => ({ ...f, source: 'clip' })) };
    const outputs = await model.run(sourced);
    assert.equal(outputs.length, batch.frames.length);
    outputs.forEach((out, i) => results.push({ ptsSeconds: batch.frames[i]?.ptsSeconds as number, out }));
  }
  assert.equal(results.length, 20);
  const cuts = results.filter((r) => r.out.cut);
  const scores = results.map((r) => `${r.ptsSeconds.toFixed(2)}:${r.out.score?.toFixed(1)}`).join(' ');
  assert.equal(cuts.length, 1, `cuts at ${cuts.map((c) => c.ptsSeconds).join(', ')}; scores ${scores}`);
  assert.ok(Math.abs((cuts[0]?.ptsSeconds as number) - 2) < 0.05, `cut at ${cuts[0]?.ptsSeconds}; scores ${scores}`);
  assert.deepEqual(
    results.map((r) => r.out.sceneIndex),
    results.map((r) => (r.ptsSeconds < 2 - 0.05 ? 0 : 1)),
  );
  const inScene = results.filter((r) => !r.out.cut && r.out.score !== null).map((r) => r.out.score as number);
  assert.ok(Math.max(...inScene) < 27 / 2, `in-scene scores stay well under the threshold: ${scores}`);
  assert.equal(results[0]?.out.score, null);
});
