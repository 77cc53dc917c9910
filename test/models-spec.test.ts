/**
 * Model specs in the models layer (`builtin:`, `hf:`, `.onnx`), shared by `--model` and pipeline configs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadModel, modelSpecKind } from '../src/models/spec.ts';
import { failure } from './helpers/assertions.ts';

describe('model specs', () => {
  it('tells the kinds apart from the string', () => {
    assert.equal(modelSpecKind('builtin:scene'), 'builtin');
    assert.equal(modelSpecKind('hf:Xenova/clip-vit-base-patch32'), 'hf');
    assert.equal(modelSpecKind('models/missing.onnx'), 'onnx');
    assert.equal(modelSpecKind('package.json'), 'onnx', 'an existing path counts as an ONNX file (its loading then says whether it is one)');
    assert.equal(modelSpecKind('fast'), null);
  });

  it('builds built-ins with their options, lazily creates ONNX models, and refuses other strings', async () => {
    const scene = await loadModel('builtin:scene', { builtinOptions: { threshold: 40 } });
    assert.match(scene.id, /^builtin:scene/);
    const other = await loadModel('builtin:scene');
    assert.notEqual(scene.id, other.id, 'options are part of the id');
    const onnx = await loadModel('models/not-there.onnx', { inputSize: { width: 64, height: 32 } });
    assert.deepEqual([onnx.input.width, onnx.input.height], [64, 32], 'nothing is read before init()');
    const bad = await failure(() => loadModel('fast'));
    assert.equal(bad.code, 'ERR_INVALID_OPTIONS');
    assert.deepEqual(bad.details, { option: 'model', value: 'fast' });
    assert.match(bad.message, /"fast" is not a model spec; use builtin:NAME \(histogram, phash, stats, motion, scene\), hf:HUB_ID_OR_DIR or a path to an \.onnx file/);
    assert.equal((await failure(() => loadModel('builtin:nosuch'))).code, 'ERR_MODEL_NOT_FOUND');
    assert.equal((await failure(() => loadModel('builtin:scene', { builtinOptions: { threshold: 'x' } }))).code, 'ERR_INVALID_OPTIONS');
  });
});
