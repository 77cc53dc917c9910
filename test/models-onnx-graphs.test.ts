/**
 * Tiny ONNX graphs written byte by byte in the test (no Python here), so cases the CLIP fixture cannot
 * show run on the real ONNX Runtime: a fixed batch dimension (split and pad), NHWC uint8 input, outputs
 * that are not per frame, and a whole Hugging Face classifier directory (config, preprocessor, model.onnx)
 * whose logits are computed independently in JavaScript.
 *
 * The graph: pixels → ReduceMean over H and W → MatMul W[3,C] → Add b[C] → logits [N,C].
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FramepipeError } from '../src/core/errors.ts';
import { openVideo } from '../src/index.ts';
import { createImageClassifier, topKLabels } from '../src/models/hf/index.ts';
import { createOnnxModel } from '../src/models/onnx/index.ts';
import type { ModelBatch } from '../src/models/types.ts';

// --- A minimal ONNX (protobuf) writer: just the fields these graphs use. ---
type Bytes = number[];
const varint = (n: number): Bytes => {
  const out: Bytes = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  return [...out, Number(v)];
};
const int = (field: number, n: number): Bytes => [...varint(field << 3), ...varint(n)];
const bytes = (field: number, b: Bytes | Uint8Array): Bytes => [...varint((field << 3) | 2), ...varint(b.length), ...b];
const str = (field: number, s: string): Bytes => bytes(field, [...Buffer.from(s)]);
const FLOAT = 1;
const UINT8 = 2;

/** A graph input (field 11) or output (field 12): name and tensor type with its shape. */
function valueInfo(field: 11 | 12, name: string, elemType: number, dims: readonly (number | string)[]): Bytes {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return bytes(field, [...str(1, name), ...bytes(2, bytes(1, [...int(1, elemType), ...bytes(2, shape)]))]);
}
function node(op: string, inputs: string[], outputs: string[], attrs: Bytes[] = []): Bytes {
  return bytes(1, [
    ...inputs.flatMap((i) => str(1, i)),
    ...outputs.flatMap((o) => str(2, o)),
    ...str(4, op),
    ...attrs.flatMap((a) => bytes(5, a)),
  ]);
}
const intsAttr = (name: string, values: number[]): Bytes => [...str(1, name), ...values.flatMap((v) => int(8, v)), ...int(20, 7)];
const intAttr = (name: string, value: number): Bytes => [...str(1, name), ...int(3, value), ...int(20, 2)];
function initializer(name: string, dims: number[], values: number[]): Bytes {
  return bytes(5, [
    ...dims.flatMap((d) => int(1, d)),
    ...int(2, FLOAT),
    ...str(8, name),
    ...bytes(9, new Uint8Array(Float32Array.from(values).buffer)),
  ]);
}

interface GraphSpec {
  batch: number | string;
  layout: 'chw' | 'hwc';
  dtype: 'float32' | 'uint8';
  size: number;
  weights: number[][];
  bias: number[];
}

/** pixels [N,3,S,S] or [N,S,S,3] → per-channel mean → MatMul W + b → `logits` [N,C]; also `weights` = W as a second output. */
function classifierOnnx(spec: GraphSpec): Uint8Array {
  const c = spec.bias.length;
  const dims = spec.layout === 'chw' ? [spec.batch, 3, spec.size, spec.size] : [spec.batch, spec.size, spec.size, 3];
  const cast = spec.dtype === 'uint8' ? [node('Cast', ['pixels'], ['x'], [intAttr('to', FLOAT)])] : [];
  const graph = [
    ...cast.flat(),
    ...node(
      'ReduceMean',
      [cast.length ? 'x' : 'pixels'],
      ['m'],
      [intsAttr('axes', spec.layout === 'chw' ? [2, 3] : [1, 2]), intAttr('keepdims', 0)],
    ),
    ...node('MatMul', ['m', 'W'], ['z']),
    ...node('Add', ['z', 'b'], ['logits']),
    ...node('Identity', ['W'], ['weights']),
    ...str(2, 'tiny'),
    ...initializer('W', [3, c], spec.weights.flat()),
    ...initializer('b', [c], spec.bias),
    ...valueInfo(11, 'pixels', spec.dtype === 'uint8' ? UINT8 : FLOAT, dims),
    ...valueInfo(12, 'logits', FLOAT, [spec.batch, c]),
    ...valueInfo(12, 'weights', FLOAT, [3, c]),
  ];
  // ModelProto: ir_version 8, the graph, opset 13 of the default domain.
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 13)])]);
}

/** What the graph computes, in plain JavaScript. */
function expectedLogits(spec: GraphSpec, frame: ArrayLike<number>): number[] {
  const plane = spec.size * spec.size;
  const means = [0, 1, 2].map((ch) => {
    let sum = 0;
    for (let p = 0; p < plane; p++) sum += frame[spec.layout === 'chw' ? ch * plane + p : p * 3 + ch] as number;
    return sum / plane;
  });
  return spec.bias.map((b, k) => b + means.reduce((acc, m, ch) => acc + m * (spec.weights[ch]?.[k] ?? 0), 0));
}

const SPEC: GraphSpec = {
  batch: 'N',
  layout: 'chw',
  dtype: 'float32',
  size: 8,
  weights: [
    [1, -2, 0.5, 0],
    [0, 1, -1, 3],
    [2, 0, 1, -1],
  ],
  bias: [0.1, 0, -0.2, 0.3],
};
const FRAME = 3 * 8 * 8;

function batchOf(data: Float32Array | Uint8Array, layout: 'chw' | 'hwc' = 'chw'): ModelBatch {
  const n = data.length / FRAME;
  const frames = Array.from({ length: n }, (_, i) => ({
    index: i,
    ptsSeconds: i,
    durationSeconds: null,
    keyframe: true,
    decodedAtMs: 0,
    source: 't',
  }));
  return {
    frames,
    shape: layout === 'chw' ? [n, 3, 8, 8] : [n, 8, 8, 3],
    format: 'rgb24',
    layout,
    dtype: data instanceof Float32Array ? 'float32' : 'uint8',
    data,
  };
}
const frames = (n: number) => new Float32Array(n * FRAME).map((_, i) => Math.cos(i * 0.11) + (i % 7) / 7);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) =>
  Array.from(a).every((v, i) => Math.abs(v - (b[i] as number)) <= tol);

let tmp = '';
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'framepipe-graphs-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('hand-written ONNX graphs on ONNX Runtime', () => {
  test('a dynamic batch dimension: each row equals the JavaScript computation', async () => {
    await using model = createOnnxModel({ model: classifierOnnx(SPEC), input: { width: 8, height: 8 }, outputName: 'logits' });
    const data = frames(3);
    const rows = await model.run(batchOf(data));
    assert.equal(model.id, 'onnx:bytes');
    assert.equal(model.maxBatchSize, undefined);
    rows.forEach((row, i) => assert.ok(close(row, expectedLogits(SPEC, data.subarray(i * FRAME, (i + 1) * FRAME))), `frame ${i}`));
  });

  test('a fixed batch of 2: maxBatchSize 2; 5 frames run as 2+2+2 with one zero frame padded and dropped', async () => {
    const fixed = { ...SPEC, batch: 2 };
    await using model = createOnnxModel({ model: classifierOnnx(fixed), input: { width: 8, height: 8 } });
    await model.init();
    assert.equal(model.maxBatchSize, 2);
    const data = frames(5);
    const rows = await model.run(batchOf(data));
    assert.equal(rows.length, 5);
    rows.forEach((row, i) => assert.ok(close(row, expectedLogits(SPEC, data.subarray(i * FRAME, (i + 1) * FRAME))), `frame ${i}`));
    assert.ok(close((await model.run(batchOf(data.slice(0, FRAME))))[0] ?? [], rows[0] ?? []), 'a single frame is padded to 2');
  });

  test('NHWC uint8 input declared as hwc/uint8 runs; declared chw it is refused with the fix', async () => {
    const spec = { ...SPEC, layout: 'hwc' as const, dtype: 'uint8' as const };
    const bytesOnnx = classifierOnnx(spec);
    await using model = createOnnxModel({ model: bytesOnnx, input: { width: 8, height: 8, layout: 'hwc', dtype: 'uint8' } });
    const data = new Uint8Array(2 * FRAME).map((_, i) => (i * 37) % 256);
    const rows = await model.run(batchOf(data, 'hwc'));
    rows.forEach((row, i) => assert.ok(close(row, expectedLogits(spec, data.subarray(i * FRAME, (i + 1) * FRAME)), 1e-4), `frame ${i}`));
    await assert.rejects(
      createOnnxModel({ model: bytesOnnx, input: { width: 8, height: 8, dtype: 'uint8' } }).init(),
      (err: FramepipeError) => err.code === 'ERR_MODEL_INPUT_MISMATCH' && /Declare layout: 'hwc'/.test(err.message),
    );
  });

  test('an output whose first dimension is not the batch → ERR_MODEL_RUN naming its shape', async () => {
    await using model = createOnnxModel({ model: classifierOnnx(SPEC), input: { width: 8, height: 8 }, outputName: 'weights' });
    await assert.rejects(
      model.run(batchOf(frames(2))),
      (err: FramepipeError) => err.code === 'ERR_MODEL_RUN' && err.message.includes('[3,4]'),
    );
  });
});

describe('createImageClassifier on a hand-made Hugging Face directory', () => {
  const labels = ['cat', 'dog', 'car', 'tree'];
  async function modelDir(name: string, id2label: Record<string, string>, spec: GraphSpec = SPEC): Promise<string> {
    const dir = join(tmp, name);
    await mkdir(join(dir, 'onnx'), { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'vit', id2label }));
    // ViT-style processor: fixed resize, no crop, mean/std 0.5.
    await writeFile(
      join(dir, 'preprocessor_config.json'),
      JSON.stringify({
        do_resize: true,
        size: { height: 8, width: 8 },
        do_normalize: true,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
        rescale_factor: 1 / 255,
      }),
    );
    await writeFile(join(dir, 'onnx', 'model.onnx'), classifierOnnx(spec));
    return dir;
  }
  const id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));

  test('input derived from the processor; labels, softmax scores and top-k match the JavaScript computation', async () => {
    const dir = await modelDir('vit-tiny', id2label);
    await using classifier = await createImageClassifier({ model: dir, topK: 2 });
    assert.deepEqual(classifier.input, {
      width: 8,
      height: 8,
      fit: 'fill',
      pixelFormat: 'rgb24',
      layout: 'chw',
      dtype: 'float32',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    assert.deepEqual(classifier.labels, labels);
    assert.equal(classifier.id, `hf-classifier:${dir}`);
    const data = frames(3);
    const results = await classifier.run(batchOf(data));
    results.forEach((top, i) => {
      const want = topKLabels(expectedLogits(SPEC, data.subarray(i * FRAME, (i + 1) * FRAME)), labels, 2);
      assert.deepEqual(
        top.map((t) => t.label),
        want.map((t) => t.label),
        `frame ${i}`,
      );
      assert.ok(
        close(
          top.map((t) => t.score),
          want.map((t) => t.score),
        ),
        `frame ${i} scores`,
      );
    });
    await using all = await createImageClassifier({ model: dir });
    const [five] = await all.run(batchOf(data.slice(0, FRAME)));
    assert.equal(five?.length, 4, 'topK 5 of 4 classes gives all 4');
    assert.ok(Math.abs((five ?? []).reduce((s, t) => s + t.score, 0) - 1) < 1e-6);
  });

  test('end to end: a PNG through the frame engine with the derived input, then the classifier', async () => {
    const dir = await modelDir('vit-e2e', id2label);
    await using classifier = await createImageClassifier({ model: dir, topK: 4 });
    const png = fileURLToPath(new URL('../../shared/fixtures/tiny-clip/ref_320x240.png', import.meta.url));
    const { shortestEdge: _unused, ...output } = classifier.input;
    await using video = await openVideo(png, { output });
    for await (const batch of video.batches(4)) {
      assert.deepEqual(batch.shape, [1, 3, 8, 8]);
      const [top] = await classifier.run({ ...batch, frames: batch.frames.map((f) => ({ ...f, source: 'png' })) });
      const want = topKLabels(expectedLogits(SPEC, batch.data), labels, 4);
      assert.deepEqual(
        top?.map((t) => t.label),
        want.map((t) => t.label),
      );
    }
  });

  test('labels that do not fit the model, or no labels → ERR_MODEL_INVALID', async () => {
    const three = await modelDir('vit-3', { 0: 'a', 1: 'b', 2: 'c' });
    await assert.rejects(
      createImageClassifier({ model: three }),
      (err: FramepipeError) => err.code === 'ERR_MODEL_INVALID' && /scores 4 classes but config.json id2label names 3/.test(err.message),
    );
    const none = await modelDir('vit-0', {});
    await assert.rejects(
      createImageClassifier({ model: none }),
      (err: FramepipeError) => err.code === 'ERR_MODEL_INVALID' && /no id2label/.test(err.message),
    );
    const gap = await modelDir('vit-gap', { 0: 'a', 1: 'b', 2: 'c', 7: 'd' });
    await assert.rejects(createImageClassifier({ model: gap }), code('ERR_MODEL_INVALID'));
  });

  test('a model without a logits output → ERR_MODEL_INVALID; topK 0 → ERR_INVALID_OPTIONS', async () => {
    const dir = await modelDir('vit-clip', id2label);
    const clipVision = fileURLToPath(new URL('../../shared/fixtures/tiny-clip/onnx/vision_model.onnx', import.meta.url));
    await copyFile(clipVision, join(dir, 'onnx', 'vision.onnx'));
    await assert.rejects(
      createImageClassifier({ model: dir, onnxFile: 'onnx/vision.onnx', input: { width: 224, height: 224 } }),
      (err: FramepipeError) => err.code === 'ERR_MODEL_INVALID' && /no output 'logits'/.test(err.message),
    );
    await assert.rejects(createImageClassifier({ model: dir, topK: 0 }), code('ERR_INVALID_OPTIONS'));
  });
});

function code(expected: string) {
  return (err: unknown) => (err as FramepipeError).code === expected;
}
