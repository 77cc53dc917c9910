/**
 * The built-in model registry and what every built-in shares: names and ids, option validation, the batch
 * form check, cancellation and the per-source state bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceStates } from '../src/models/builtin/common.ts';
import {
  BUILTIN_MODEL_NAMES,
  builtinModel,
  isBuiltinModelName,
  MAX_TRACKED_SOURCES,
  motionModel,
  sceneModel,
} from '../src/models/builtin/index.ts';
import { batchOf, flat, sizeOf } from './helpers/synthetic-images.ts';

describe('builtinModel', () => {
  it('knows exactly histogram, phash, stats, motion and scene, with ids builtin:<name>', () => {
    assert.deepEqual([...BUILTIN_MODEL_NAMES], ['histogram', 'phash', 'stats', 'motion', 'scene']);
    for (const name of BUILTIN_MODEL_NAMES) {
      assert.equal(builtinModel(name).id, `builtin:${name}`);
      assert.equal(builtinModel(`builtin:${name}`).id, `builtin:${name}`);
      assert.ok(isBuiltinModelName(name));
    }
    assert.equal(isBuiltinModelName('clip'), false);
  });

  it('every model declares packed uint8 input of a fixed size', () => {
    for (const name of BUILTIN_MODEL_NAMES) {
      const { input } = builtinModel(name);
      assert.equal(input.layout, 'hwc', name);
      assert.equal(input.dtype, 'uint8', name);
      assert.equal(input.fit, 'fill', name);
      assert.ok(input.pixelFormat === 'rgb24' || input.pixelFormat === 'gray', name);
      assert.ok(Number.isInteger(input.width) && Number.isInteger(input.height), name);
    }
  });

  it('an unknown name is ERR_MODEL_NOT_FOUND listing the available names', () => {
    for (const name of ['clip', 'builtin:clip', '', 'Histogram', 'builtin:']) {
      assert.throws(
        () => builtinModel(name),
        (err: Error & { code?: string; details?: Record<string, unknown> }) => {
          assert.equal(err.code, 'ERR_MODEL_NOT_FOUND');
          assert.match(err.message, /histogram, phash, stats, motion, scene/);
          assert.deepEqual(err.details?.available, [...BUILTIN_MODEL_NAMES]);
          return true;
        },
      );
    }
  });

  it('passes options through; each call makes a new instance with its own state', async () => {
    assert.equal(builtinModel('scene', { threshold: 40 }).id, 'builtin:scene?threshold=40');
    const a = builtinModel('motion');
    const b = builtinModel('motion');
    assert.notEqual(a, b);
    const frame = { data: flat(sizeOf(a), 9) };
    await a.run(batchOf(a.input, [frame]));
    assert.deepEqual(await b.run(batchOf(b.input, [frame])), [{ motion: null, intervalSeconds: null }]);
  });
});

describe('option validation', () => {
  const bad: [string, unknown, string][] = [
    ['scene', { threshold: 0 }, 'threshold'],
    ['scene', { threshold: -1 }, 'threshold'],
    ['scene', { threshold: Number.NaN }, 'threshold'],
    ['scene', { threshold: '27' }, 'threshold'],
    ['scene', { minSceneSeconds: -0.5 }, 'minSceneSeconds'],
    ['scene', { minSceneSeconds: Infinity }, 'minSceneSeconds'],
    ['scene', { width: 8 }, 'width'],
    ['scene', { minSceneFrames: 3 }, 'minSceneFrames'],
    ['histogram', { hueBins: 0 }, 'hueBins'],
    ['histogram', { hueBins: 8.5 }, 'hueBins'],
    ['histogram', { saturationBins: 17 }, 'saturationBins'],
    ['histogram', { bins: 8 }, 'bins'],
    ['stats', { width: 2 }, 'width'],
    ['stats', { height: 5000 }, 'height'],
    ['motion', { width: 1.5 }, 'width'],
    ['phash', { bits: 64 }, 'bits'],
    ['motion', 'fast', 'options'],
    ['stats', [1, 2], 'options'],
  ];
  for (const [name, options, option] of bad) {
    it(`${name} ${JSON.stringify(options)} is ERR_INVALID_OPTIONS naming ${option}`, () => {
      assert.throws(
        () => builtinModel(name, options as object),
        (err: Error & { code?: string; details?: Record<string, unknown> }) => {
          assert.equal(err.code, 'ERR_INVALID_OPTIONS');
          assert.equal(err.details?.option, option);
          assert.equal(err.details?.model, `builtin:${name}`);
          assert.ok(err.message.includes(option), err.message);
          return true;
        },
      );
    });
  }

  it('messages give the accepted range and the default', () => {
    assert.throws(() => sceneModel({ threshold: 300 }), {
      message: /"threshold" must be a number from 0.01 to 255 \(default 27\), got 300/,
    });
    assert.throws(() => builtinModel('scene', { bogus: 1 } as object), {
      message: /no option "bogus"; its options are: threshold, minSceneSeconds, width, height/,
    });
  });

  it('undefined options and undefined fields mean the defaults', () => {
    assert.equal(sceneModel(undefined).id, 'builtin:scene');
    assert.equal(sceneModel({ threshold: undefined }).id, 'builtin:scene');
  });
});

describe('every built-in model', () => {
  for (const name of BUILTIN_MODEL_NAMES) {
    it(`${name}: one output per frame; a batch of the wrong form is ERR_MODEL_INPUT_MISMATCH; an aborted signal is ERR_ABORTED`, async () => {
      const model = builtinModel(name);
      const size = sizeOf(model);
      const frames = [0, 1, 2].map((i) => ({ data: flat(size, 40 * i), ptsSeconds: i }));
      assert.equal((await model.run(batchOf(model.input, frames))).length, 3);
      assert.deepEqual(await model.run(batchOf(model.input, [])), []);

      const otherFormat = model.input.pixelFormat === 'gray' ? 'rgb24' : 'gray';
      const wrong = batchOf({ ...model.input, pixelFormat: otherFormat }, [{ data: flat({ ...size, pixelFormat: otherFormat }, 0) }]);
      await assert.rejects(model.run(wrong), {
        code: 'ERR_MODEL_INPUT_MISMATCH',
        message: new RegExp(`builtin:${name} needs batches of ${model.input.pixelFormat} hwc uint8`),
      });
      const bigger = batchOf({ ...model.input, width: model.input.width + 1 }, [{ data: flat({ ...size, width: size.width + 1 }, 0) }]);
      await assert.rejects(model.run(bigger), { code: 'ERR_MODEL_INPUT_MISMATCH' });
      const chw = { ...batchOf(model.input, frames), layout: 'chw' as const };
      await assert.rejects(model.run(chw), { code: 'ERR_MODEL_INPUT_MISMATCH' });
      const floats = {
        ...batchOf(model.input, frames),
        dtype: 'float32' as const,
        data: new Float32Array(frames.length * frames[0]!.data.length),
      };
      await assert.rejects(model.run(floats), { code: 'ERR_MODEL_INPUT_MISMATCH' });
      const short = { ...batchOf(model.input, frames), data: new Uint8Array(5) };
      await assert.rejects(model.run(short), { code: 'ERR_MODEL_INPUT_MISMATCH', message: /holds 5 values/ });

      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await assert.rejects(model.run(batchOf(model.input, frames), controller.signal), { code: 'ERR_ABORTED' });
      await model.dispose?.();
      await model.dispose?.();
    });
  }
});

describe('per-source state bound', () => {
  it('forgets the least recently seen source beyond the limit', () => {
    const states = new SourceStates<number>(3);
    states.set('a', 1);
    states.set('b', 2);
    states.set('c', 3);
    assert.equal(states.get('a'), 1); // a is now the most recent
    states.set('d', 4);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((k) => states.get(k)),
      [1, undefined, 3, 4],
    );
    assert.equal(states.size, 3);
    states.set('c', 30);
    assert.equal(states.size, 3);
    states.clear();
    assert.equal(states.size, 0);
  });

  it(`motion tracks up to ${MAX_TRACKED_SOURCES} sources, then starts the oldest over`, async () => {
    const model = motionModel({ width: 4, height: 4 });
    const size = sizeOf(model);
    const frames = (t: number, from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ data: flat(size, 7), source: `s${from + i}`, ptsSeconds: t }));
    await model.run(batchOf(model.input, frames(0, 0, MAX_TRACKED_SOURCES)));
    const again = await model.run(batchOf(model.input, frames(1, 0, 2)));
    assert.deepEqual(
      again.map((o) => o.motion),
      [0, 0],
    );
    await model.run(batchOf(model.input, frames(2, MAX_TRACKED_SOURCES, MAX_TRACKED_SOURCES + 1)));
    // s2 was the least recently seen, so it was forgotten; s0 and s1 were refreshed.
    const after = await model.run(batchOf(model.input, [...frames(3, 0, 3)]));
    assert.deepEqual(
      after.map((o) => o.motion),
      [0, 0, null],
    );
  });
});
