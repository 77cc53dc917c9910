/**
 * The per-frame built-in models (histogram, phash, stats) on hand-built batches of synthetic pixels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hammingDistance, histogramModel, phashModel, statsModel } from '../src/models/builtin/index.ts';
import { embeddingOf } from '../src/models/types.ts';
import { batchOf, blur, checkerboard, flat, image, noise, offset, shift, sizeOf, smooth } from './helpers/synthetic-images.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));
const nonZero = (a: Float32Array) => [...a.keys()].filter((i) => (a[i] as number) > 0);

async function runOne<T>(
  model: { input: Parameters<typeof batchOf>[0]; run: (b: ReturnType<typeof batchOf>) => Promise<T[]> },
  data: Uint8Array,
): Promise<T> {
  const [out] = await model.run(batchOf(model.input, [{ data }]));
  return out as T;
}

describe('histogram', () => {
  const model = histogramModel();
  const size = sizeOf(model);
  const hist = (data: Uint8Array) => runOne<Float32Array>(model, data);

  it('declares 64x64 rgb24 hwc uint8 (stretched) and 8x4x4 = 128 dimensions', async () => {
    assert.deepEqual(model.input, { width: 64, height: 64, fit: 'fill', pixelFormat: 'rgb24', layout: 'hwc', dtype: 'uint8' });
    assert.equal(model.id, 'builtin:histogram');
    assert.equal((await hist(flat(size, [10, 200, 30]))).length, 128);
  });

  it('a pure red image concentrates in one bin (hue 0, most saturated, brightest)', async () => {
    const h = await hist(flat(size, [255, 0, 0]));
    assert.deepEqual(nonZero(h), [(0 * 4 + 3) * 4 + 3]);
    assert.equal(h[15], 1);
  });

  it('red just either side of 0° lands in the same bin, green and blue in their own', async () => {
    const bins = await Promise.all(
      [
        [255, 0, 20],
        [255, 20, 0],
        [0, 255, 0],
        [0, 0, 255],
      ].map(async (c) => nonZero(await hist(flat(size, c as [number, number, number])))),
    );
    assert.deepEqual(bins[0], bins[1]);
    assert.equal(new Set(bins.map((b) => b.join())).size, 3);
  });

  it('is unit length (L2) and square roots of bin frequencies', async () => {
    const half = image(size, (x, _y, c) => (x < 16 ? [255, 0, 0][c] : [0, 0, 255][c]) as number);
    const h = await hist(half);
    assert.ok(Math.abs(norm(h) - 1) < 1e-6);
    const values = [...h].filter((v) => v > 0).map((v) => v * v);
    assert.deepEqual(values.map((v) => Math.round(v * 100) / 100).sort(), [0.25, 0.75]);
    assert.ok(Math.abs(norm(await hist(noise(size, 3))) - 1) < 1e-6);
  });

  it('identical images give identical embeddings; different images differ', async () => {
    const a = smooth(size, 1);
    assert.deepEqual(await hist(a), await hist(a.slice()));
    const similarity = dot(await hist(flat(size, [255, 0, 0])), await hist(flat(size, [0, 0, 255])));
    assert.equal(similarity, 0);
    assert.ok(dot(await hist(a), await hist(noise(size, 9))) < 0.6);
  });

  it('ignores layout: a shifted copy has the same colours', async () => {
    const board = image(size, (x, y, c) => (((x >> 3) + (y >> 3)) % 2 ? [250, 200, 10][c] : [10, 60, 200][c]) as number);
    assert.ok(dot(await hist(board), await hist(shift(size, board, 8, 0))) > 0.999);
  });

  it('puts near-grey and near-black pixels in one bin whatever their hue noise', async () => {
    const greyish = image(size, (x, y, c) => 128 + ((x * 7 + y * 3 + c * 5) % 9) - 4);
    assert.equal(nonZero(await hist(greyish)).length, 1);
    const dark = image(size, (x, _y, c) => (c === x % 3 ? 40 : 5));
    assert.deepEqual(nonZero(await hist(dark)), [0]);
  });

  it('one embedding per frame, in order; embeddingOf reads it', async () => {
    const frames = [
      [255, 0, 0],
      [0, 255, 0],
      [255, 0, 0],
    ].map((c) => ({ data: flat(size, c as [number, number, number]) }));
    const out = await model.run(batchOf(model.input, frames));
    assert.equal(out.length, 3);
    assert.deepEqual(out[0], out[2]);
    assert.notDeepEqual(out[0], out[1]);
    assert.equal(embeddingOf(out[1]), out[1]);
    assert.deepEqual(await model.run(batchOf(model.input, [])), []);
  });

  it('bins and size are options, and change the id', async () => {
    const custom = histogramModel({ hueBins: 16, saturationBins: 2, valueBins: 3, width: 16, height: 8 });
    assert.equal(custom.id, 'builtin:histogram?hueBins=16&saturationBins=2&valueBins=3&width=16&height=8');
    assert.deepEqual([custom.input.width, custom.input.height], [16, 8]);
    const h = await runOne<Float32Array>(custom, flat(sizeOf(custom), [255, 0, 0]));
    assert.equal(h.length, 96);
    assert.deepEqual(nonZero(h), [(0 * 2 + 1) * 3 + 2]);
    assert.equal(histogramModel({ hueBins: 8 }).id, 'builtin:histogram');
  });

  it('with one value bin, hue still separates colours', async () => {
    const coarse = histogramModel({ valueBins: 1, saturationBins: 1 });
    const s = sizeOf(coarse);
    const [r, b] = await coarse.run(batchOf(coarse.input, [{ data: flat(s, [200, 0, 0]) }, { data: flat(s, [0, 0, 200]) }]));
    assert.notDeepEqual(nonZero(r as Float32Array), nonZero(b as Float32Array));
  });
});

describe('phash', () => {
  const model = phashModel();
  const size = sizeOf(model);
  const phash = (data: Uint8Array) => runOne<{ hash: string; embedding: Float32Array }>(model, data);

  it('declares 32x32 gray hwc uint8, stretched', () => {
    assert.deepEqual(model.input, { width: 32, height: 32, fit: 'fill', pixelFormat: 'gray', layout: 'hwc', dtype: 'uint8' });
    assert.equal(model.id, 'builtin:phash');
  });

  it('gives 16 hex characters and 64 matching 0/1 bits, half of them set', async () => {
    const { hash, embedding } = await phash(smooth(size, 1));
    assert.match(hash, /^[0-9a-f]{16}$/);
    assert.equal(embedding.length, 64);
    const bits = [...embedding].map(String).join('');
    assert.equal(BigInt(`0b${bits}`).toString(16).padStart(16, '0'), hash);
    assert.equal([...embedding].filter((b) => b === 1).length, 32);
  });

  it('is deterministic, and stable under a small brightness change and a slight blur', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const a = smooth(size, seed);
      const h = await phash(a);
      assert.equal((await phash(a.slice())).hash, h.hash);
      assert.ok(hammingDistance(h, await phash(offset(a, 12))) <= 2, `seed ${seed}: brightness`);
      assert.ok(hammingDistance(h, await phash(blur(size, a))) <= 6, `seed ${seed}: blur`);
    }
  });

  it('is far for different images', async () => {
    const hashes = await Promise.all([1, 2, 3, 4, 5, 6].map((s) => phash(smooth(size, s))));
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        const d = hammingDistance(hashes[i] as never, hashes[j] as never);
        assert.ok(d >= 20, `images ${i} and ${j}: distance ${d}`);
      }
    }
    assert.ok(hammingDistance(await phash(checkerboard(size, 4)), await phash(smooth(size, 1))) >= 20);
  });

  it('squared L2 distance of the embeddings equals the Hamming distance', async () => {
    const [a, b] = await Promise.all([phash(smooth(size, 1)), phash(smooth(size, 2))]);
    const l2 = a.embedding.reduce((s, x, i) => s + (x - (b.embedding[i] as number)) ** 2, 0);
    assert.equal(l2, hammingDistance(a.hash, b.hash));
  });

  it('takes no options', () => {
    assert.throws(() => phashModel({ size: 16 } as never), {
      code: 'ERR_INVALID_OPTIONS',
      details: { model: 'builtin:phash', option: 'size' },
    });
  });
});

describe('hammingDistance', () => {
  it('counts differing bits of hex strings, any case', () => {
    assert.equal(hammingDistance('0000000000000000', '0000000000000000'), 0);
    assert.equal(hammingDistance('ffffffffffffffff', '0000000000000000'), 64);
    assert.equal(hammingDistance('ff00000000000000', '0f00000000000001'), 5);
    assert.equal(hammingDistance('ABCDEF', 'abcdef'), 0);
    assert.equal(hammingDistance('8', '1'), 2);
  });

  it('rejects unequal lengths and non-hex input with ERR_INVALID_OPTIONS', () => {
    assert.throws(() => hammingDistance('ff', 'fff'), { code: 'ERR_INVALID_OPTIONS', message: /equal length.*2 and 3/ });
    assert.throws(() => hammingDistance('zz', 'ff'), { code: 'ERR_INVALID_OPTIONS', details: { option: 'a' } });
    assert.throws(() => hammingDistance('ff', 42 as never), { code: 'ERR_INVALID_OPTIONS', details: { option: 'b' } });
  });
});

describe('stats', () => {
  const model = statsModel();
  const size = sizeOf(model);
  const stats = (data: Uint8Array) => runOne<{ brightness: number; contrast: number; sharpness: number }>(model, data);

  it('declares 256x144 gray hwc uint8, stretched', () => {
    assert.deepEqual(model.input, { width: 256, height: 144, fit: 'fill', pixelFormat: 'gray', layout: 'hwc', dtype: 'uint8' });
  });

  it('white is brightness 1, black 0, mid-grey about 0.5; flat images have contrast 0 and sharpness 0', async () => {
    assert.deepEqual(await stats(flat(size, 255)), { brightness: 1, contrast: 0, sharpness: 0 });
    assert.deepEqual(await stats(flat(size, 0)), { brightness: 0, contrast: 0, sharpness: 0 });
    const grey = await stats(flat(size, 128));
    assert.equal(grey.brightness, 128 / 255);
    assert.equal(grey.contrast, 0);
    assert.equal(grey.sharpness, 0);
  });

  it('half black, half white has contrast 0.5', async () => {
    const s = await stats(image(size, (x) => (x < 128 ? 0 : 255)));
    assert.equal(s.brightness, 0.5);
    assert.equal(s.contrast, 0.5);
  });

  it('a 1-pixel checkerboard is as sharp as it gets: Laplacian ±1020, variance 1020²', async () => {
    const s = await stats(checkerboard(size, 1));
    assert.equal(s.sharpness, 1020 * 1020);
    assert.equal(s.contrast, 0.5);
  });

  it('a linear gradient has no Laplacian; blur lowers sharpness; coarser detail is less sharp', async () => {
    assert.equal((await stats(image(size, (x) => x))).sharpness, 0);
    const sharp = await stats(checkerboard(size, 4));
    const soft = await stats(blur(size, checkerboard(size, 4)));
    assert.ok(soft.sharpness < sharp.sharpness / 2, `${soft.sharpness} vs ${sharp.sharpness}`);
    assert.ok((await stats(checkerboard(size, 16))).sharpness < sharp.sharpness);
    assert.ok((await stats(noise(size, 5))).sharpness > 1000);
  });

  it('the size is an option', async () => {
    const small = statsModel({ width: 8, height: 4 });
    assert.equal(small.id, 'builtin:stats?width=8&height=4');
    assert.deepEqual(await runOne(small, flat(sizeOf(small), 51)), { brightness: 0.2, contrast: 0, sharpness: 0 });
  });
});
