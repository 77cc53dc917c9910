/**
 * Option validation and the plan in words: every rule rejects with ERR_INVALID_OPTIONS, a message that
 * names the option, the bad value and the fix, and details { option, value }.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FramepipeError } from '../src/core/errors.ts';
import { describeSampling, validateSampling } from '../src/sampling/validate.ts';

/** Asserts a rejection: the code, the details, and every fragment in the message. */
function rejects(options: unknown, option: string, value: unknown, ...fragments: string[]): void {
  assert.throws(
    () => validateSampling(options),
    (err: unknown) => {
      assert.ok(err instanceof FramepipeError);
      assert.equal(err.code, 'ERR_INVALID_OPTIONS');
      assert.deepEqual(err.details, { option, value });
      for (const fragment of fragments) assert.ok(err.message.includes(fragment), `"${err.message}" lacks "${fragment}"`);
      return true;
    },
  );
}

test('valid options come back clean: unset keys dropped, at copied and frozen', () => {
  const at = [3, 1.5];
  const clean = validateSampling({ at, startSeconds: 1, endSeconds: undefined });
  assert.deepEqual(clean, { at: [3, 1.5], startSeconds: 1 });
  assert.ok(Object.isFrozen(clean.at));
  assert.notEqual(clean.at, at);
  assert.deepEqual(validateSampling(undefined), {});
  assert.deepEqual(validateSampling({}), {});
  assert.deepEqual(validateSampling({ count: 5, first: true, maxFrames: 3 }), { count: 5, first: true, maxFrames: 3 });
  assert.deepEqual(validateSampling({ keyframes: false, every: 2 }), { keyframes: false, every: 2 });
  assert.deepEqual(validateSampling({ fps: 1000, startSeconds: 0 }), { fps: 1000, startSeconds: 0 });
});

test('every, count and maxFrames must be integers ≥ 1', () => {
  rejects({ every: 0 }, 'every', 0, 'sampling.every must be an integer ≥ 1, got 0; use every: 1 for every frame');
  rejects({ every: 2.5 }, 'every', 2.5, 'sampling.every', 'got 2.5');
  rejects({ every: '30' }, 'every', '30', 'sampling.every', 'got "30"');
  rejects({ count: -3 }, 'count', -3, 'sampling.count must be an integer ≥ 1, got -3', 'count: 16');
  rejects({ count: Number.NaN }, 'count', Number.NaN, 'got NaN');
  rejects({ maxFrames: 0 }, 'maxFrames', 0, 'sampling.maxFrames must be an integer ≥ 1, got 0', 'leave it out for no limit');
  rejects({ maxFrames: Number.POSITIVE_INFINITY }, 'maxFrames', Number.POSITIVE_INFINITY, 'got Infinity');
});

test('fps must be finite, > 0 and ≤ 1000', () => {
  for (const fps of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1000.5, null]) {
    rejects({ fps }, 'fps', fps, 'sampling.fps must be a finite number > 0 and ≤ 1000', `got ${String(fps)}`, 'fps: 2');
  }
});

test('at must be a non-empty array of at most 100000 finite times ≥ 0', () => {
  rejects({ at: [] }, 'at', [], 'sampling.at must be a non-empty array', 'got []', 'at: [1.5, 3, 10.25]');
  rejects({ at: 1.5 }, 'at', 1.5, 'sampling.at', 'got 1.5');
  rejects({ at: [1, -2] }, 'at[1]', -2, 'sampling.at[1] must be a finite number ≥ 0', 'got -2');
  rejects({ at: [1, 2, Number.NaN] }, 'at[2]', Number.NaN, 'sampling.at[2]', 'got NaN');
  rejects({ at: [Number.POSITIVE_INFINITY] }, 'at[0]', Number.POSITIVE_INFINITY, 'got Infinity');
  const tooMany = Array.from({ length: 100_001 }, (_, i) => i);
  rejects({ at: tooMany }, 'at', tooMany, 'at most 100000', '(100001 items)');
  assert.equal(validateSampling({ at: tooMany.slice(1) }).at?.length, 100_000);
});

test('startSeconds ≥ 0 and finite; endSeconds > startSeconds', () => {
  rejects({ startSeconds: -0.5 }, 'startSeconds', -0.5, 'sampling.startSeconds must be a finite number ≥ 0', 'got -0.5');
  rejects({ startSeconds: Number.POSITIVE_INFINITY }, 'startSeconds', Number.POSITIVE_INFINITY, 'got Infinity');
  rejects({ endSeconds: 0 }, 'endSeconds', 0, 'sampling.endSeconds must be a finite number > 0', 'got 0');
  rejects({ startSeconds: 5, endSeconds: 5 }, 'endSeconds', 5, 'greater than sampling.startSeconds (5), got 5');
  rejects({ startSeconds: 5, endSeconds: 2.5 }, 'endSeconds', 2.5, 'got 2.5', 'swap');
  assert.deepEqual(validateSampling({ startSeconds: 1.25, endSeconds: 1.5 }), { startSeconds: 1.25, endSeconds: 1.5 });
});

test('at most one of every, fps, count, at, keyframes', () => {
  rejects({ every: 30, fps: 2 }, 'fps', 2, 'sampling.every and sampling.fps cannot be combined (got every: 30, fps: 2)', 'choose one');
  rejects({ count: 4, at: [1] }, 'at', [1], 'sampling.count and sampling.at cannot be combined');
  rejects({ fps: 1, keyframes: true }, 'keyframes', true, 'sampling.fps and sampling.keyframes');
});

test('first only with count, and must be a boolean', () => {
  rejects({ first: true }, 'first', true, 'sampling.first only applies with sampling.count', 'add count: N');
  rejects({ every: 2, first: true }, 'first', true, 'only applies with sampling.count');
  rejects({ count: 3, first: 'yes' }, 'first', 'yes', 'sampling.first must be true or false, got "yes"');
  rejects({ keyframes: 1 }, 'keyframes', 1, 'sampling.keyframes must be true or false, got 1');
  assert.deepEqual(validateSampling({ first: false }), { first: false });
});

test('unknown keys are named, with a suggestion when one is close', () => {
  rejects({ evry: 2 }, 'evry', 2, 'unknown option sampling.evry (got 2)', 'did you mean sampling.every?', 'valid options: every, fps');
  rejects({ max: 5 }, 'max', 5, 'unknown option sampling.max (got 5)', 'did you mean sampling.maxFrames?');
  rejects({ end: 5 }, 'end', 5, 'did you mean sampling.endSeconds?');
  rejects({ fsp: 2 }, 'fsp', 2, 'did you mean sampling.fps?');
  rejects({ keyframe: true }, 'keyframe', true, 'did you mean sampling.keyframes?');
  rejects({ startseconds: 1 }, 'startseconds', 1, 'did you mean sampling.startSeconds?');
  rejects({ zzzzzzzzzz: 1 }, 'zzzzzzzzzz', 1, 'unknown option sampling.zzzzzzzzzz');
  assert.throws(() => validateSampling({ zzzzzzzzzz: 1 }), (err: Error) => !err.message.includes('did you mean'));
  // The misspelt key is reported first: it usually explains everything else.
  rejects({ every: 0, fsp: 2 }, 'fsp', 2, 'unknown option sampling.fsp', 'did you mean sampling.fps?');
});

test('options that are not an object are refused', () => {
  for (const options of [null, 5, 'fps=2', [1, 2]]) {
    rejects(options, 'sampling', options, 'sampling must be an object of options', '{ fps: 2 }');
  }
});

test('describeSampling puts each plan in words', () => {
  const cases: [object, string][] = [
    [{}, 'every frame'],
    [{ every: 1 }, 'every frame'],
    [{ every: 30, startSeconds: 0 }, 'every 30th frame from 0s'],
    [{ every: 2 }, 'every 2nd frame'],
    [{ every: 3 }, 'every 3rd frame'],
    [{ every: 11 }, 'every 11th frame'],
    [{ every: 21 }, 'every 21st frame'],
    [{ every: 112 }, 'every 112th frame'],
    [{ fps: 2, startSeconds: 1.5, endSeconds: 10, maxFrames: 16 }, '2 fps from 1.5s to 10s, at most 16 frames'],
    [{ fps: 1 / 3 }, '0.333333 fps'],
    [{ count: 16 }, '16 frames spread evenly'],
    [{ count: 1 }, '1 frame spread evenly'],
    [{ count: 8, first: true, endSeconds: 4 }, 'the first 8 frames until 4s'],
    [{ at: [1.5, 3, 10.25] }, 'the frames displayed at 1.5s, 3s, 10.25s'],
    [{ at: [1, 2, 3, 4, 5, 6, 7] }, 'the frames displayed at 1s, 2s, 3s, 4s, 5s, … (7 times)'],
    [{ keyframes: true, maxFrames: 1 }, 'keyframes only, at most 1 frame'],
  ];
  for (const [options, words] of cases) assert.equal(describeSampling(validateSampling(options)), words);
});
