/**
 * Hugging Face CLIP models against PyTorch, offline, with the tiny CLIP fixture and its reference.json:
 * token ids exactly, text and image embeddings within 1e-5 (after L2-normalising PyTorch's), the input
 * derived from preprocessor_config.json, and the whole path PNG → frame engine → model against the
 * processor's own pixel_values.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FramepipeError } from '../src/core/errors.ts';
import { openVideo, outputForModel } from '../src/index.ts';
import { createClipImageModel, createClipTextEncoder, l2Normalize } from '../src/models/hf/index.ts';
import type { ModelWarning } from '../src/models/onnx/index.ts';
import type { ModelBatch, ModelInput } from '../src/models/types.ts';
import type { OutputOptions } from '../src/core/types.ts';

const FIXTURE = fileURLToPath(new URL('../../shared/fixtures/tiny-clip/', import.meta.url));
const FRAME = 3 * 224 * 224;
const TOLERANCE = 1e-5;

interface Reference {
  texts: { text: string; input_ids: number[]; text_embeds: number[] }[];
  images: {
    file: string;
    width: number;
    height: number;
    pixel_values_file: string;
    pixel_values_shape: number[];
    image_embeds: number[];
  }[];
}

let ref: Reference;
let pixels: Float32Array[] = [];

before(async () => {
  ref = JSON.parse(await readFile(join(FIXTURE, 'reference.json'), 'utf8')) as Reference;
  pixels = await Promise.all(
    ref.images.map(async (im) => {
      const buf = await readFile(join(FIXTURE, im.pixel_values_file));
      return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    }),
  );
});

const unit = (v: readonly number[]) => l2Normalize(Float32Array.from(v));
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * (b[i] as number), 0);

function batchOf(data: Float32Array): ModelBatch {
  const n = data.length / FRAME;
  const frames = Array.from({ length: n }, (_, i) => ({
    index: i,
    ptsSeconds: 0,
    durationSeconds: null,
    keyframe: true,
    decodedAtMs: 0,
    source: `image${i}`,
  }));
  return { frames, shape: [n, 3, 224, 224], format: 'rgb24', layout: 'chw', dtype: 'float32', data };
}

/** The frame engine's output options for a model's declared input, as extract() derives them. */
function outputFor(input: ModelInput): OutputOptions {
  return outputForModel(input);
}

describe('CLIP text encoder vs PyTorch', () => {
  test('token ids are exactly those of the Python tokenizer, for every reference text', async () => {
    await using text = await createClipTextEncoder({ model: FIXTURE, warmup: false });
    assert.deepEqual(
      text.tokenize(ref.texts.map((t) => t.text)),
      ref.texts.map((t) => t.input_ids),
    );
    assert.equal(text.maxLength, 77);
    assert.equal(text.dimensions, 16);
    assert.equal(text.id, `clip-text:${FIXTURE}`);
  });

  for (const padding of ['longest', 'max_length'] as const) {
    test(`text_embeds within ${TOLERANCE} of PyTorch (L2-normalised), padding ${padding}, batched and one by one`, async () => {
      await using text = await createClipTextEncoder({ model: FIXTURE, padding, batchSize: 2 });
      const all = await text.encode(ref.texts.map((t) => t.text));
      const single = await Promise.all(ref.texts.map(async (t) => (await text.encode([t.text]))[0]));
      for (const [i, t] of ref.texts.entries()) {
        const d = maxAbsDiff(all[i] ?? [], unit(t.text_embeds));
        assert.ok(d <= TOLERANCE, `"${t.text}": max abs diff ${d}`);
        assert.ok(maxAbsDiff(single[i] ?? [], all[i] ?? []) <= 1e-6, `"${t.text}" alone vs in a batch`);
        assert.ok(Math.abs(dot(all[i] ?? [], all[i] ?? []) - 1) < 1e-5, 'unit length');
      }
    });
  }

  test('a text longer than 77 tokens is cut to 77 keeping <|endoftext|>; empty lists and strings work', async () => {
    await using text = await createClipTextEncoder({ model: FIXTURE, warmup: false });
    const [long] = text.tokenize(['a photo of a dog '.repeat(40)]);
    assert.equal(long?.length, 77);
    assert.deepEqual([long?.[0], long?.at(-1)], [0, 1], 'starts with <|startoftext|>, ends with <|endoftext|>');
    assert.deepEqual(await text.encode([]), []);
    const [embedding] = await text.encode(['', 'x '.repeat(500)]);
    assert.equal(embedding?.length, 16);
    await assert.rejects(text.encode([42 as unknown as string]), (err: FramepipeError) => err.code === 'ERR_INVALID_OPTIONS');
  });

  test('dispose is idempotent and encode afterwards → ERR_MODEL_RUN', async () => {
    const text = await createClipTextEncoder({ model: FIXTURE });
    await Promise.all([text.dispose(), text.dispose()]);
    await assert.rejects(text.encode(['a']), (err: FramepipeError) => err.code === 'ERR_MODEL_RUN');
  });

  test('the vision file given as the text model → ERR_MODEL_INVALID naming what a text export needs', async () => {
    await assert.rejects(
      createClipTextEncoder({ model: FIXTURE, onnxFile: 'onnx/vision_model.onnx' }),
      (err: FramepipeError) => err.code === 'ERR_MODEL_INVALID' && /int64 input_ids/.test(err.message),
    );
  });
});

describe('CLIP image model vs PyTorch', () => {
  test('the input is derived from preprocessor_config.json', async () => {
    await using image = await createClipImageModel({ model: FIXTURE, warmup: false });
    assert.deepEqual(image.input, {
      width: 224,
      height: 224,
      fit: 'cover',
      shortestEdge: 224,
      pixelFormat: 'rgb24',
      layout: 'chw',
      dtype: 'float32',
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
    });
    assert.equal(image.id, `clip-image:${FIXTURE}`);
    assert.equal(image.dimensions, 16);
    assert.equal(image.provider, 'cpu');
  });

  test(`image_embeds from the exact reference pixel_values within ${TOLERANCE}, as one batch and frame by frame`, async () => {
    await using image = await createClipImageModel({ model: FIXTURE, threads: 1 });
    const all = new Float32Array(pixels.length * FRAME);
    pixels.forEach((p, i) => all.set(p, i * FRAME));
    const batched = await image.run(batchOf(all));
    for (const [i, im] of ref.images.entries()) {
      const [alone] = await image.run(batchOf(pixels[i] ?? new Float32Array(0)));
      const d = maxAbsDiff(batched[i] ?? [], unit(im.image_embeds));
      assert.ok(d <= TOLERANCE, `${im.file}: max abs diff ${d}`);
      assert.ok(maxAbsDiff(alone ?? [], batched[i] ?? []) <= 1e-6, `${im.file} alone vs in a batch`);
    }
  });

  test('image and text embeddings share one space: similarity is a dot product of unit vectors', async () => {
    await using image = await createClipImageModel({ model: FIXTURE });
    await using text = await createClipTextEncoder({ model: FIXTURE });
    const [img] = await image.run(batchOf(pixels[0] ?? new Float32Array(0)));
    const [txt] = await text.encode([ref.texts[0]?.text ?? '']);
    const expected = dot(unit(ref.images[0]?.image_embeds ?? []), unit(ref.texts[0]?.text_embeds ?? []));
    assert.ok(Math.abs(dot(img ?? [], txt ?? []) - expected) < 1e-5);
  });

  test('providers and the fallback warning pass through; an input override is validated', async () => {
    const warnings: ModelWarning[] = [];
    await using image = await createClipImageModel({ model: FIXTURE, providers: ['dml', 'cpu'], onWarning: (w) => warnings.push(w) });
    assert.equal(image.provider, 'cpu');
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['provider-fallback'],
    );
    await assert.rejects(
      createClipImageModel({ model: FIXTURE, input: { width: 112, height: 112, shortestEdge: 112 } }),
      (err: FramepipeError) => err.code === 'ERR_MODEL_INPUT_MISMATCH',
    );
    await assert.rejects(
      createClipImageModel({ model: FIXTURE, input: { width: -1 } }),
      (err: FramepipeError) => err.code === 'ERR_INVALID_OPTIONS',
    );
  });
});

/**
 * PNG → frame engine → tensor, against the processor's pixel_values. PIL's and swscale's bicubic kernels
 * differ at hard edges (the images are checkerboards with a flat square), so pixels are compared by mean
 * and max absolute difference in normalised units, and the embeddings by cosine similarity. Measured
 * (FFmpeg 8.1 in node-av): max 0.071–0.085, mean 0.0025–0.0026, cosine ≥ 0.9999999; 224×224 (no resize)
 * is exact. The limits below leave about 2× room.
 */
describe('end to end: reference PNGs through the frame engine', () => {
  const limits = { maxAbs: 0.15, meanAbs: 0.005, cosine: 0.9999 };
  for (const name of ['ref_224x224.png', 'ref_640x360.png', 'ref_200x500.png', 'ref_320x240.png']) {
    // The cover geometry rounds like CLIPImageProcessor (320×240 → 298×224, crop at x=37); what remains is
    // the resampling kernel (PIL bicubic vs swscale bicubic) at the test pattern's hard edges.
    test(`${name}: pixels and embedding match the Python processor`, async () => {
      const i = ref.images.findIndex((im) => im.file === name);
      const im = ref.images[i];
      assert.ok(im, name);
      await using image = await createClipImageModel({ model: FIXTURE });
      await using video = await openVideo(join(FIXTURE, name), { output: outputFor(image.input) });
      const batches: ModelBatch[] = [];
      for await (const batch of video.batches(8)) batches.push({ ...batch, frames: batch.frames.map((f) => ({ ...f, source: name })) });
      assert.equal(batches.length, 1, 'a PNG is a one-frame video');
      const batch = batches[0] as ModelBatch;
      assert.deepEqual(batch.shape, im.pixel_values_shape);
      const expected = pixels[i] ?? new Float32Array(0);
      const maxAbs = maxAbsDiff(expected, batch.data);
      const meanAbs = Array.from(expected).reduce((sum, v, k) => sum + Math.abs(v - (batch.data[k] as number)), 0) / expected.length;
      const [embedding] = await image.run(batch);
      const cosine = dot(embedding ?? [], unit(im.image_embeds));
      const measured = `max ${maxAbs.toFixed(4)}, mean ${meanAbs.toFixed(5)}, cosine ${cosine.toFixed(7)}`;
      assert.ok(maxAbs <= limits.maxAbs && meanAbs <= limits.meanAbs && cosine >= limits.cosine, `${name}: ${measured}`);
    });
  }
});
