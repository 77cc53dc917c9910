/** The LanceDB vector store sink: rows, idempotent re-runs, cosine search, and the read-only store. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isLanceStore, lanceSink, openLanceStore } from '../src/sinks/lance.ts';
import type { ResultRecord } from '../src/sinks/types.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-lance-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Unit-ish vectors pointing in clearly different directions in 8 dimensions. */
function vectorFor(i: number): Float32Array {
  const v = new Float32Array(8);
  v[i % 8] = 1;
  v[(i + 1) % 8] = 0.25 * ((i % 3) + 1);
  return v;
}

function records(n: number, model = 'test:embed'): ResultRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${model}:k${i}`,
    source: 'clip.mp4',
    index: i,
    ptsSeconds: i / 25,
    decodedAtMs: 1_700_000_000_000,
    model,
    output: i % 2 === 0 ? vectorFor(i) : { embedding: Array.from(vectorFor(i)) },
  }));
}

test('stores every record once, across re-runs', async () => {
  const path = join(dir, 'rerun.lance');
  for (let run = 0; run < 2; run += 1) {
    await using sink = lanceSink(path);
    await sink.open();
    await sink.write(records(6).slice(0, 4));
    await sink.write(records(6));
    assert.equal(await sink.count(), 6);
  }
  await using store = await openLanceStore(path);
  assert.equal(await store.count(), 6);
});

test('search: an identical vector scores ≈ 1 and scores are ordered best first', async () => {
  const path = join(dir, 'search.lance');
  await using sink = lanceSink(path);
  await sink.write(records(8));
  const hits = await sink.search(vectorFor(5), 4);
  assert.equal(hits.length, 4);
  assert.deepEqual({ ...hits[0], score: 0 }, { source: 'clip.mp4', index: 5, ptsSeconds: 5 / 25, model: 'test:embed', score: 0 });
  assert.ok(Math.abs((hits[0]?.score ?? 0) - 1) < 1e-5, `score ${hits[0]?.score}`);
  for (let i = 1; i < hits.length; i += 1) assert.ok((hits[i - 1]?.score ?? 0) >= (hits[i]?.score ?? 0), JSON.stringify(hits));
  // Cosine, not L2: a scaled query finds the same frame with the same score.
  const scaled = Array.from(vectorFor(5), (x) => x * 10);
  const [top] = await sink.search(scaled, 1);
  assert.equal(top?.index, 5);
  assert.ok(Math.abs((top?.score ?? 0) - 1) < 1e-5);
  await sink.close();

  await using store = await openLanceStore(path);
  const again = await store.search(vectorFor(2), 1);
  assert.equal(again[0]?.index, 2);
  const none = await store.search(vectorFor(2), 3, { model: 'other:model' });
  assert.deepEqual(none, []);
});

test('an output without an embedding is refused with ERR_INVALID_OPTIONS naming the model', async () => {
  await using sink = lanceSink(join(dir, 'labels.lance'));
  const record = { ...records(1)[0]!, model: 'test:labels', output: { label: 'cat' } };
  await assert.rejects(
    sink.write([record]),
    (err: Error & { code?: string }) => err.code === 'ERR_INVALID_OPTIONS' && err.message.includes('test:labels'),
  );
});

test('a vector of another size is refused, naming both sizes', async () => {
  await using sink = lanceSink(join(dir, 'dims.lance'));
  await sink.write(records(2));
  const wrong = { ...records(1)[0]!, key: 'other', output: Float32Array.of(1, 2, 3) };
  await assert.rejects(
    sink.write([wrong]),
    (err: Error & { code?: string }) => err.code === 'ERR_INVALID_OPTIONS' && /3-value/.test(err.message) && /8-value/.test(err.message),
  );
  await assert.rejects(sink.search([1, 2, 3], 1), { code: 'ERR_INVALID_OPTIONS' });
  await assert.rejects(sink.search(vectorFor(0), 0), { code: 'ERR_INVALID_OPTIONS' });
});

test('openLanceStore refuses a path that is not a store, naming it, and creates nothing', async () => {
  const missing = join(dir, 'missing.lance');
  await assert.rejects(
    openLanceStore(missing),
    (err: Error & { code?: string }) => err.code === 'ERR_INVALID_OPTIONS' && err.message.includes(missing),
  );
  assert.equal(isLanceStore(missing), false);
  const plain = join(dir, 'plain-dir');
  await mkdir(plain);
  await writeFile(join(plain, 'notes.txt'), 'x');
  await assert.rejects(openLanceStore(plain), { code: 'ERR_INVALID_OPTIONS' });
  const written = join(dir, 'tables.lance');
  await using sink = lanceSink(written, { table: 'clips' });
  await sink.write(records(1));
  await sink.close();
  await assert.rejects(openLanceStore(written), (err: Error) => /no table "frames"/.test(err.message));
  await using store = await openLanceStore(written, { table: 'clips' });
  assert.equal(await store.count(), 1);
});

test('a store path that is a file fails with ERR_SINK_WRITE', async () => {
  const file = join(dir, 'file.lance');
  await writeFile(file, 'x');
  const sink = lanceSink(file);
  await assert.rejects(sink.open(), (err: Error & { code?: string }) => err.code === 'ERR_SINK_WRITE' && err.message.includes(file));
  await sink.close();
});
