/**
 * createOnnxModel and OnnxSession on the real ONNX Runtime with the tiny CLIP vision model: parity with
 * PyTorch on the reference pixel tensors, dynamic batch sizes, every load-time error, provider fallback,
 * options validation and the lifecycle.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FramepipeError } from '../src/core/errors.ts';
import { createOnnxModel, type ModelWarning, OnnxSession } from '../src/models/onnx/index.ts';
import type { ModelBatch } from '../src/models/types.ts';

const FIXTURE = fileURLToPath(new URL('../../shared/fixtures/tiny-clip/', import.meta.url));
const VISION = join(FIXTURE, 'onnx', 'vision_model.onnx');
const INPUT = { width: 224, height: 224 };
const FRAME = 3 * 224 * 224;

interface Reference {
  images: { file: string; pixel_values_file: string; image_embeds: number[] }[];
}

/** A batch in the declared form, built by hand (the frame engine builds the same shape). */
function batchOf(data: Float32Array): ModelBatch {
  const n = data.length / FRAME;
  const frames = Array.from({ length: n }, (_, i) => ({
    index: i,
    ptsSeconds: i,
    durationSeconds: null,
    keyframe: true,
    decodedAtMs: 0,
    source: 'test',
  }));
  return { frames, shape: [n, 3, 224, 224], format: 'rgb24', layout: 'chw', dtype: 'float32', data };
}

async function readF32(path: string): Promise<Float32Array> {
  const buf = await readFile(path);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const code = (expected: string) => (err: unknown) => (err as FramepipeError).code === expected;
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

let ref: Reference;
let pixels: Float32Array[] = [];
let tmp = '';

before(async () => {
  ref = JSON.parse(await readFile(join(FIXTURE, 'reference.json'), 'utf8')) as Reference;
  pixels = await Promise.all(ref.images.map((im) => readF32(join(FIXTURE, im.pixel_values_file))));
  tmp = await mkdtemp(join(tmpdir(), 'framepipe-onnx-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('createOnnxModel on the tiny CLIP vision model', () => {
  test('defaults: id from the file name, first input and output, CPU, dynamic batch', async () => {
    await using model = createOnnxModel({ model: VISION, input: INPUT });
    assert.equal(model.id, 'onnx:vision_model.onnx');
    assert.equal(model.provider, null, 'nothing is loaded before init');
    await model.init();
    assert.equal(model.provider, 'cpu');
    assert.equal(model.maxBatchSize, undefined);
    assert.deepEqual(model.io, {
      input: { name: 'pixel_values', type: 'float32', shape: ['batch', 3, 224, 224] },
      output: { name: 'image_embeds', type: 'float32', shape: ['batch', 16] },
    });
  });

  test('image_embeds of the exact reference pixel_values match PyTorch within 1e-5', async () => {
    await using model = createOnnxModel({ model: VISION, input: INPUT, threads: 1 });
    const all = new Float32Array(pixels.length * FRAME);
    pixels.forEach((p, i) => all.set(p, i * FRAME));
    const rows = await model.run(batchOf(all));
    assert.equal(rows.length, ref.images.length);
    const diffs = rows.map((row, i) => maxAbsDiff(row, ref.images[i]?.image_embeds ?? []));
    for (const [i, d] of diffs.entries()) assert.ok(d <= 1e-5, `${ref.images[i]?.file}: max abs diff ${d} > 1e-5`);
  });

  test('batch sizes 1, 3 and 5 give identical per-frame outputs, each row its own copy', async () => {
    await using model = createOnnxModel({ model: VISION, input: INPUT });
    const data = new Float32Array(5 * FRAME).map((_, i) => Math.sin(i * 0.37) * 2);
    const whole = await model.run(batchOf(data));
    for (const size of [1, 3]) {
      const rows: Float32Array[] = [];
      for (let start = 0; start < 5; start += size)
        rows.push(...(await model.run(batchOf(data.slice(start * FRAME, Math.min(5, start + size) * FRAME)))));
      assert.deepEqual(rows, whole, `batches of ${size}`);
    }
    assert.ok(
      whole.every((row) => row.length === 16 && row.buffer.byteLength === 64),
      'rows are copies, not views of the whole output',
    );
  });

  test('an empty batch returns [] without running; a batch of another form → ERR_MODEL_INPUT_MISMATCH', async () => {
    await using model = createOnnxModel({ model: VISION, input: INPUT, warmup: false });
    assert.deepEqual(await model.run({ ...batchOf(new Float32Array(0)), shape: [0, 3, 224, 224] }), []);
    const wrong: ModelBatch = { ...batchOf(new Float32Array(FRAME)), layout: 'hwc', shape: [1, 224, 224, 3] };
    await assert.rejects(
      model.run(wrong),
      (err: FramepipeError) => err.code === 'ERR_MODEL_INPUT_MISMATCH' && /layout hwc is not chw/.test(err.message),
    );
    const short: ModelBatch = { ...batchOf(new Float32Array(FRAME)), data: new Float32Array(10) };
    await assert.rejects(model.run(short), code('ERR_MODEL_INPUT_MISMATCH'));
  });

  test('another output by name: one row of 50×32 values per frame', async () => {
    await using model = createOnnxModel({ model: VISION, input: INPUT, outputName: 'last_hidden_state' });
    const rows = await model.run(batchOf(new Float32Array(2 * FRAME)));
    assert.deepEqual(
      rows.map((r) => r.length),
      [1600, 1600],
    );
  });
});

describe('load-time errors name the problem and the fix', () => {
  test('a path that does not exist → ERR_MODEL_NOT_FOUND', async () => {
    const model = createOnnxModel({ model: join(tmp, 'missing.onnx'), input: INPUT });
    await assert.rejects(model.init(), (err: FramepipeError) => err.code === 'ERR_MODEL_NOT_FOUND' && err.message.includes('missing.onnx'));
  });

  test('a file that is not ONNX, a directory, garbage bytes, empty bytes → ERR_MODEL_INVALID', async () => {
    const text = join(tmp, 'notes.onnx');
    await writeFile(text, 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n');
    for (const model of [text, tmp, new Uint8Array([8, 1, 2, 3, 4]), new Uint8Array(0)]) {
      await assert.rejects(createOnnxModel({ model, input: INPUT }).init(), code('ERR_MODEL_INVALID'), String(model));
    }
  });

  test('declared 112×112 for a 224 model → ERR_MODEL_INPUT_MISMATCH naming both shapes and the fix', async () => {
    const model = createOnnxModel({ model: VISION, input: { width: 112, height: 112 } });
    await assert.rejects(model.init(), (err: FramepipeError) => {
      assert.equal(err.code, 'ERR_MODEL_INPUT_MISMATCH');
      assert.match(err.message, /\[batch,3,224,224\]/);
      assert.match(err.message, /112x112 rgb24 chw float32/);
      assert.match(err.message, /Declare width: 224, height: 224/);
      return true;
    });
  });

  test('layout, channels and element type mismatches each say what to declare', async () => {
    const cases = [
      [{ ...INPUT, layout: 'hwc' }, /layout differs.*Declare layout: 'chw'/],
      [{ ...INPUT, pixelFormat: 'gray' }, /3 channels, gray has 1.*pixelFormat: 'rgb24'/],
      [{ ...INPUT, pixelFormat: 'rgba' }, /3 channels, rgba has 4/],
      [{ ...INPUT, dtype: 'uint8' }, /element type differs/],
    ] as const;
    for (const [input, pattern] of cases) {
      await assert.rejects(
        createOnnxModel({ model: VISION, input }).init(),
        (err: FramepipeError) => err.code === 'ERR_MODEL_INPUT_MISMATCH' && pattern.test(err.message),
        JSON.stringify(input),
      );
    }
  });

  test('unknown inputName / outputName → ERR_INVALID_OPTIONS listing the names there are', async () => {
    await assert.rejects(
      createOnnxModel({ model: VISION, input: INPUT, inputName: 'image' }).init(),
      (err: FramepipeError) => err.code === 'ERR_INVALID_OPTIONS' && err.message.includes("'pixel_values'"),
    );
    await assert.rejects(
      createOnnxModel({ model: VISION, input: INPUT, outputName: 'logits' }).init(),
      (err: FramepipeError) => err.code === 'ERR_INVALID_OPTIONS' && err.message.includes("'image_embeds', 'last_hidden_state'"),
    );
  });

  test('options are validated when the model is created', () => {
    const bad: unknown[] = [
      { model: VISION, input: INPUT, providers: ['gpu'] },
      { model: VISION, input: INPUT, providers: [] },
      { model: VISION, input: INPUT, providers: ['cpu', 'cpu'] },
      { model: VISION, input: INPUT, threads: 0 },
      { model: VISION, input: { width: 0, height: 224 } },
      { model: VISION, input: { ...INPUT, mean: [0.5, 0.5] } },
      { model: VISION, input: { ...INPUT, shortestEdge: 200 } },
      { model: VISION, input: INPUT, batch: 4 },
      { model: '', input: INPUT },
    ];
    for (const options of bad) {
      assert.throws(() => createOnnxModel(options as never), code('ERR_INVALID_OPTIONS'), JSON.stringify(options));
    }
  });
});

describe('execution providers', () => {
  test("['cuda', 'cpu'] runs, with a provider-fallback warning where CUDA is not installed", async () => {
    const warnings: ModelWarning[] = [];
    await using model = createOnnxModel({ model: VISION, input: INPUT, providers: ['cuda', 'cpu'], onWarning: (w) => warnings.push(w) });
    await model.init();
    if (model.provider === 'cuda') return assert.deepEqual(warnings, []);
    assert.equal(model.provider, 'cpu');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.code, 'provider-fallback');
    assert.deepEqual([warnings[0]?.details.provider, warnings[0]?.details.fallback], ['cuda', 'cpu']);
    assert.match(warnings[0]?.message ?? '', /'cuda' is not available.*using 'cpu'/);
    assert.equal((await model.run(batchOf(new Float32Array(FRAME)))).length, 1);
  });

  test(
    "providers that never exist on Linux fall back in order: ['dml', 'coreml', 'cpu']",
    { skip: process.platform !== 'linux' },
    async () => {
      const warnings: ModelWarning[] = [];
      await using model = createOnnxModel({
        model: VISION,
        input: INPUT,
        providers: ['dml', 'coreml', 'cpu'],
        onWarning: (w) => warnings.push(w),
      });
      await model.init();
      assert.equal(model.provider, 'cpu');
      assert.deepEqual(
        warnings.map((w) => [w.code, w.details.provider, w.details.fallback]),
        [
          ['provider-fallback', 'dml', 'coreml'],
          ['provider-fallback', 'coreml', 'cpu'],
        ],
      );
    },
  );

  test(
    'requireProvider with an unavailable first provider → ERR_PROVIDER_UNAVAILABLE, no fallback',
    { skip: process.platform !== 'linux' },
    async () => {
      for (const providers of [['cuda'], ['dml', 'cpu']] as const) {
        const model = createOnnxModel({ model: VISION, input: INPUT, providers: [...providers], requireProvider: true });
        await assert.rejects(
          model.init(),
          (err: FramepipeError) =>
            err.code === 'ERR_PROVIDER_UNAVAILABLE' &&
            err.message.includes(`'${providers[0]}'`) &&
            /drop requireProvider/.test(err.message),
        );
      }
    },
  );

  test(
    'no listed provider available (and no cpu) → ERR_PROVIDER_UNAVAILABLE suggesting cpu',
    { skip: process.platform !== 'linux' },
    async () => {
      const model = createOnnxModel({ model: VISION, input: INPUT, providers: ['dml', 'coreml'] });
      await assert.rejects(model.init(), (err: FramepipeError) => err.code === 'ERR_PROVIDER_UNAVAILABLE' && /Add 'cpu'/.test(err.message));
    },
  );

  test('a broken model under a provider list is still ERR_MODEL_INVALID, not a provider problem', async () => {
    const model = createOnnxModel({ model: new Uint8Array([1, 2, 3]), input: INPUT, providers: ['dml', 'cpu'] });
    await assert.rejects(model.init(), code('ERR_MODEL_INVALID'));
  });
});

describe('lifecycle', () => {
  test('dispose is idempotent; run after dispose → ERR_MODEL_RUN; an aborted signal → ERR_ABORTED', async () => {
    const model = createOnnxModel({ model: VISION, input: INPUT });
    await model.init();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(model.run(batchOf(new Float32Array(FRAME)), controller.signal), code('ERR_ABORTED'));
    const running = model.run(batchOf(new Float32Array(FRAME)));
    await Promise.all([model.dispose(), model.dispose()]);
    assert.equal((await running).length, 1, 'a run in flight finishes before the session is released');
    await model.dispose();
    await assert.rejects(model.run(batchOf(new Float32Array(FRAME))), code('ERR_MODEL_RUN'));
    await assert.rejects(model.init(), code('ERR_MODEL_RUN'));
  });

  test('concurrent inits and a first run share one load', async () => {
    const model = createOnnxModel({ model: VISION, input: INPUT, warmup: false });
    await Promise.all([model.init(), model.init(), model.run(batchOf(new Float32Array(FRAME)))]);
    await model.dispose();
  });
});

describe('OnnxSession', () => {
  test('loads bytes, describes inputs and outputs, runs typed arrays, releases once', async () => {
    const session = await OnnxSession.create(await readFile(join(FIXTURE, 'onnx', 'text_model.onnx')), { threads: 1 });
    assert.equal(session.modelName.endsWith('bytes of ONNX>'), true);
    assert.deepEqual(
      session.inputs.map((i) => [i.name, i.type, i.shape]),
      [
        ['input_ids', 'int64', ['batch', 'seq']],
        ['attention_mask', 'int64', ['batch', 'seq']],
      ],
    );
    assert.equal(session.info('text_embeds')?.type, 'float32');
    const ids = BigInt64Array.from([0n, 33n, 48n, 45n, 33n, 175n, 1n]);
    const out = await session.run(
      { input_ids: { data: ids, dims: [1, 7] }, attention_mask: { data: new BigInt64Array(7).fill(1n), dims: [1, 7] } },
      ['text_embeds'],
    );
    assert.deepEqual(Object.keys(out), ['text_embeds']);
    assert.deepEqual(out.text_embeds?.dims, [1, 16]);
    await assert.rejects(session.run({ input_ids: { data: ids, dims: [1, 7] } }), code('ERR_MODEL_RUN'), 'a missing input');
    await Promise.all([session.dispose(), session[Symbol.asyncDispose]()]);
    await assert.rejects(session.run({}), code('ERR_MODEL_RUN'));
  });
});
