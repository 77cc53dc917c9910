/**
 * The pure parts of the Hugging Face adapters: deriving a declared input from preprocessor configs of the
 * common processor families, softmax/top-k, labels from id2label, L2 normalisation.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FramepipeError } from '../src/core/errors.ts';
import { inputFromPreprocessorConfig, l2Normalize, labelsOf, type PreprocessorConfig, topKLabels } from '../src/models/hf/index.ts';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
const code = (expected: string) => (err: unknown) => (err as FramepipeError).code === expected;

describe('inputFromPreprocessorConfig', () => {
  test('CLIP: shortest edge, centre crop, mean/std kept exactly', () => {
    const input = inputFromPreprocessorConfig({
      do_resize: true,
      size: { shortest_edge: 224 },
      do_center_crop: true,
      crop_size: { height: 224, width: 224 },
      do_rescale: true,
      rescale_factor: 0.00392156862745098,
      do_normalize: true,
      image_mean: CLIP_MEAN,
      image_std: CLIP_STD,
    });
    assert.deepEqual(input, {
      width: 224,
      height: 224,
      fit: 'cover',
      shortestEdge: 224,
      pixelFormat: 'rgb24',
      layout: 'chw',
      dtype: 'float32',
      mean: CLIP_MEAN,
      std: CLIP_STD,
    });
  });

  test('older configs: size and crop_size as plain numbers; a larger shortest edge than the crop', () => {
    assert.deepEqual(inputFromPreprocessorConfig({ size: 256, crop_size: 224, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] }), {
      width: 224,
      height: 224,
      fit: 'cover',
      shortestEdge: 256,
      pixelFormat: 'rgb24',
      layout: 'chw',
      dtype: 'float32',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
  });

  test('ViT: fixed resize without crop is a fill; single-number mean/std expand to 3 channels', () => {
    const input = inputFromPreprocessorConfig({
      size: { height: 384, width: 384 },
      do_center_crop: false,
      image_mean: 0.5,
      image_std: 0.5,
    });
    assert.deepEqual(input, {
      width: 384,
      height: 384,
      fit: 'fill',
      pixelFormat: 'rgb24',
      layout: 'chw',
      dtype: 'float32',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
  });

  test('ConvNeXt: crop_pct below 384 resizes the short side to edge/crop_pct then crops; from 384 it warps', () => {
    const small = inputFromPreprocessorConfig({
      size: { shortest_edge: 224 },
      crop_pct: 0.875,
      image_mean: CLIP_MEAN,
      image_std: CLIP_STD,
    });
    assert.deepEqual([small.width, small.height, small.fit, small.shortestEdge], [224, 224, 'cover', 256]);
    const large = inputFromPreprocessorConfig({
      size: { shortest_edge: 384 },
      crop_pct: 0.875,
      image_mean: CLIP_MEAN,
      image_std: CLIP_STD,
    });
    assert.deepEqual([large.width, large.height, large.fit, large.shortestEdge], [384, 384, 'fill', undefined]);
  });

  test('rescale and normalise fold into mean/std in [0,1] units; none at all means no mean/std', () => {
    // No rescale, normalise in 0–255 units: (v − 127.5) / 127.5 = (v/255 − 0.5) / 0.5.
    const raw = inputFromPreprocessorConfig({
      size: { height: 32, width: 32 },
      do_rescale: false,
      image_mean: [127.5, 127.5, 127.5],
      image_std: [127.5, 127.5, 127.5],
    });
    assert.deepEqual(
      [raw.mean, raw.std],
      [
        [0.5, 0.5, 0.5],
        [0.5, 0.5, 0.5],
      ],
    );
    // No normalise, no rescale: the model wants 0–255 floats: (v/255 − 0) / (1/255).
    const bytes = inputFromPreprocessorConfig({ size: { height: 32, width: 32 }, do_rescale: false, do_normalize: false });
    assert.deepEqual(
      [bytes.mean, bytes.std],
      [
        [0, 0, 0],
        [1 / 255, 1 / 255, 1 / 255],
      ],
    );
    const plain = inputFromPreprocessorConfig({ size: { height: 32, width: 32 }, do_normalize: false });
    assert.deepEqual([plain.mean, plain.std], [undefined, undefined]);
  });

  test('channel flip gives bgr24', () => {
    assert.equal(
      inputFromPreprocessorConfig({ size: { height: 32, width: 32 }, do_flip_channel_order: true, do_normalize: false }).pixelFormat,
      'bgr24',
    );
  });

  test('what a fixed-size batch cannot express → ERR_MODEL_INVALID naming the field', () => {
    const cases: [PreprocessorConfig, RegExp][] = [
      [{ do_resize: false, size: { height: 32, width: 32 } }, /do_resize/],
      [{}, /size = undefined is missing/],
      [{ size: { shortest_edge: 800, longest_edge: 1333 } }, /limits the longest edge/],
      [{ size: { shortest_edge: 224 }, do_center_crop: false }, /do_center_crop/],
      [{ size: { shortest_edge: 200 }, crop_size: 224 }, /would pad/],
      [{ size: { height: 32, width: 32 }, do_center_crop: true, crop_size: 28 }, /does not chain/],
      [{ size: { height: 32, width: 32 }, image_mean: [0.5, 0.5] }, /image_mean/],
      [{ size: { height: 32, width: 32 }, rescale_factor: -1 }, /rescale_factor/],
    ];
    for (const [config, pattern] of cases) {
      assert.throws(
        () => inputFromPreprocessorConfig(config, 'x/preprocessor_config.json'),
        (err: FramepipeError) =>
          err.code === 'ERR_MODEL_INVALID' && pattern.test(err.message) && err.message.startsWith('x/preprocessor_config.json'),
        JSON.stringify(config),
      );
    }
  });
});

describe('topKLabels', () => {
  test('softmax probabilities, best first, k of them', () => {
    const top = topKLabels(Float32Array.of(1, 3, 2), ['cat', 'dog', 'car'], 2);
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2);
    assert.deepEqual(
      top.map((t) => t.label),
      ['dog', 'car'],
    );
    assert.ok(Math.abs((top[0]?.score ?? 0) - Math.exp(3) / z) < 1e-12);
    assert.ok(Math.abs((top[1]?.score ?? 0) - Math.exp(2) / z) < 1e-12);
  });

  test('stable for huge logits; ties keep index order; k beyond the classes gives all; missing names are LABEL_i', () => {
    const huge = topKLabels([1000, 1000, -1000], ['a', 'b'], 10);
    assert.deepEqual(
      huge.map((t) => t.label),
      ['a', 'b', 'LABEL_2'],
    );
    assert.deepEqual(
      huge.map((t) => t.score),
      [0.5, 0.5, 0],
    );
    assert.ok(
      topKLabels(
        Float32Array.from({ length: 100 }, (_, i) => Math.sin(i)),
        [],
        100,
      ).reduce((s, t) => s + t.score, 0) -
        1 <
        1e-9,
    );
  });

  test('k must be a positive integer', () => {
    for (const k of [0, -1, 1.5, Number.NaN]) assert.throws(() => topKLabels([1], ['a'], k), code('ERR_INVALID_OPTIONS'), String(k));
  });
});

describe('labelsOf and l2Normalize', () => {
  test('id2label in any key order becomes an array; gaps and non-indices are refused', () => {
    assert.deepEqual(labelsOf({ id2label: { 1: 'dog', 0: 'cat' } }, 'c'), ['cat', 'dog']);
    for (const id2label of [{}, { 0: 'a', 2: 'b' }, { x: 'a' }, { '-1': 'a' }] as Record<string, string>[])
      assert.throws(() => labelsOf({ id2label }, 'c'), code('ERR_MODEL_INVALID'), JSON.stringify(id2label));
    assert.throws(() => labelsOf({}, 'c'), code('ERR_MODEL_INVALID'));
  });

  test('unit length in place; zero stays zero', () => {
    const v = Float32Array.of(3, 4);
    assert.equal(l2Normalize(v), v);
    assert.deepEqual([...v], [0.6000000238418579, 0.800000011920929]);
    assert.deepEqual([...l2Normalize(new Float32Array(3))], [0, 0, 0]);
  });
});
