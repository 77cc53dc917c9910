/**
 * Resolving Hugging Face models: local directories, the cache, offline mode, and downloads from a real
 * HTTP server on port 0 laid out like the hub (`/<owner>/<name>/resolve/<revision>/<file>`), including
 * refusals (404, 401) and an unreachable hub.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FramepipeError } from '../src/core/errors.ts';
import { createClipImageModel, createClipTextEncoder, createImageClassifier } from '../src/models/hf/index.ts';
import { startTestServer, type TestServer } from './helpers/http-server.ts';

const FIXTURE = fileURLToPath(new URL('../../shared/fixtures/tiny-clip/', import.meta.url));
const code = (expected: string, pattern?: RegExp) => (err: unknown) =>
  (err as FramepipeError).code === expected && (!pattern || pattern.test((err as Error).message));

let tmp = '';
let hub: TestServer;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'framepipe-hub-'));
  const root = join(tmp, 'hub');
  for (const revision of ['main', 'v1']) {
    const dir = join(root, 'acme', 'tiny-clip', 'resolve', revision);
    await mkdir(dir, { recursive: true });
    await cp(FIXTURE, dir, { recursive: true, filter: (src) => !/ref_|reference\.json/.test(src) });
  }
  hub = await startTestServer({ dir: root });
});
after(async () => {
  await hub[Symbol.asyncDispose]();
  await rm(tmp, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('hub ids', () => {
  test('offline and not cached → ERR_MODEL_OFFLINE naming the id, the missing files and the fixes', async () => {
    const cacheDir = join(tmp, 'empty-cache');
    for (const create of [createClipImageModel, createClipTextEncoder, createImageClassifier] as const) {
      await assert.rejects(create({ model: 'openai/clip-vit-base-patch32', cacheDir, offline: true }), (err: FramepipeError) => {
        assert.equal(err.code, 'ERR_MODEL_OFFLINE');
        assert.equal(err.retriable, true);
        assert.match(err.message, /"openai\/clip-vit-base-patch32" is not cached .*offline is set/);
        assert.match(err.message, /into the same cacheDir.*local model directory/);
        return true;
      });
    }
    assert.equal(hub.stats.requests, 0);
  });

  test('hub unreachable and not cached → ERR_MODEL_OFFLINE', async () => {
    const hubUrl = `http://127.0.0.1:${await closedPort()}`;
    await assert.rejects(
      createClipImageModel({ model: 'acme/tiny-clip', cacheDir: join(tmp, 'unreachable'), hubUrl }),
      code('ERR_MODEL_OFFLINE', /unreachable/),
    );
  });

  test('downloads into cacheDir in the transformers.js layout, then loads offline from the cache', async () => {
    const cacheDir = join(tmp, 'cache');
    const before = hub.stats.requests;
    const image = await createClipImageModel({ model: 'acme/tiny-clip', cacheDir, hubUrl: hub.origin });
    assert.equal(image.dir, join(cacheDir, 'acme', 'tiny-clip'));
    assert.equal(image.id, 'clip-image:acme/tiny-clip');
    assert.deepEqual((await readdir(join(cacheDir, 'acme', 'tiny-clip'), { recursive: true })).sort(), [
      'onnx',
      'onnx/vision_model.onnx',
      'preprocessor_config.json',
    ]);
    await image.dispose();
    const text = await createClipTextEncoder({ model: 'acme/tiny-clip', cacheDir, hubUrl: hub.origin });
    const fetched = hub.stats.requests - before;
    assert.equal(fetched, 6, 'each file once: 2 for the image model, 4 more for the text encoder (preprocessor config already cached)');
    await text.dispose();
    await using offline = await createClipTextEncoder({ model: 'acme/tiny-clip', cacheDir, offline: true });
    assert.equal((await offline.encode(['a photo of a dog']))[0]?.length, 16);
    assert.equal(hub.stats.requests - before, fetched, 'offline: no request');
  });

  test('a revision other than main is fetched from /resolve/<revision>/ and cached apart', async () => {
    const cacheDir = join(tmp, 'cache-rev');
    await using image = await createClipImageModel({ model: 'acme/tiny-clip', cacheDir, hubUrl: hub.origin, revision: 'v1' });
    assert.equal(image.id, 'clip-image:acme/tiny-clip@v1');
    assert.ok((await stat(join(cacheDir, 'acme', 'tiny-clip', 'v1', 'onnx', 'vision_model.onnx'))).isFile());
    assert.ok(hub.stats.log.some((r) => r.path === '/acme/tiny-clip/resolve/v1/onnx/vision_model.onnx'));
  });

  test('an unknown id → ERR_MODEL_NOT_FOUND (HTTP 404); a refused one → ERR_MODEL_NOT_FOUND suggesting hubToken', async () => {
    const cacheDir = join(tmp, 'cache-missing');
    await assert.rejects(
      createClipImageModel({ model: 'acme/nothing-here', cacheDir, hubUrl: hub.origin }),
      code('ERR_MODEL_NOT_FOUND', /HTTP 404/),
    );
    await hub.set({ headersRequired: { authorization: 'Bearer s3cret' } });
    try {
      await assert.rejects(
        createClipImageModel({ model: 'acme/tiny-clip', cacheDir, hubUrl: hub.origin }),
        code('ERR_MODEL_NOT_FOUND', /gated or private.*hubToken/),
      );
      await using image = await createClipImageModel({ model: 'acme/tiny-clip', cacheDir, hubUrl: hub.origin, hubToken: 's3cret' });
      assert.equal(image.dimensions, 16);
    } finally {
      await hub.set({ headersRequired: undefined });
    }
  });

  test('a download cut off midway leaves no file that looks cached', async () => {
    const cacheDir = join(tmp, 'cache-cut');
    await hub.set({ resetAfterBytes: 1000, resetMode: 'always' });
    try {
      await assert.rejects(
        createClipImageModel({ model: 'acme/tiny-clip', cacheDir, hubUrl: hub.origin }),
        code('ERR_MODEL_OFFLINE', /broke off/),
      );
    } finally {
      await hub.set({ resetAfterBytes: undefined });
    }
    const files = await readdir(join(cacheDir, 'acme', 'tiny-clip'), { recursive: true });
    assert.ok(!files.includes('onnx/vision_model.onnx') && !files.some((f) => f.endsWith('.part')), files.join(', '));
  });
});

describe('local directories and bad references', () => {
  test('a directory without a required file → ERR_MODEL_NOT_FOUND naming the file', async () => {
    const dir = join(tmp, 'partial');
    await cp(FIXTURE, dir, { recursive: true, filter: (src) => !src.endsWith('tokenizer.json') });
    await assert.rejects(createClipTextEncoder({ model: dir }), code('ERR_MODEL_NOT_FOUND', /lacks tokenizer\.json/));
  });

  test('a path that does not exist, or neither a path nor an id → ERR_MODEL_NOT_FOUND', async () => {
    await assert.rejects(createClipImageModel({ model: join(tmp, 'nope') }), code('ERR_MODEL_NOT_FOUND', /directory not found/));
    await assert.rejects(createClipImageModel({ model: './nope' }), code('ERR_MODEL_NOT_FOUND'));
    await assert.rejects(
      createClipImageModel({ model: 'a/b/c', offline: true }),
      code('ERR_MODEL_NOT_FOUND', /neither an existing directory nor a hub id/),
    );
  });

  test('a broken config file → ERR_MODEL_INVALID naming it', async () => {
    const dir = join(tmp, 'broken');
    await cp(FIXTURE, dir, { recursive: true });
    await writeFile(join(dir, 'preprocessor_config.json'), '{ "size": ');
    await assert.rejects(createClipImageModel({ model: dir }), code('ERR_MODEL_INVALID', /preprocessor_config\.json is not valid JSON/));
  });

  test('options are validated first: unknown keys, bad URLs, paths leaving the model', async () => {
    const bad: unknown[] = [
      { model: FIXTURE, cachedir: '/tmp' },
      { model: FIXTURE, hubUrl: 'not a url' },
      { model: FIXTURE, onnxFile: '../x.onnx' },
      { model: FIXTURE, offline: 'yes' },
      { model: '' },
    ];
    for (const options of bad)
      await assert.rejects(createClipImageModel(options as never), code('ERR_INVALID_OPTIONS'), JSON.stringify(options));
    await assert.rejects(createClipTextEncoder({ model: FIXTURE, padding: 'max' as never }), code('ERR_INVALID_OPTIONS'));
  });
});
