/** The callback and tee sinks, and CLI sink specs (`openSink`, `parseSinkSpec`). */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { callbackSink } from '../src/sinks/callback.ts';
import { jsonlSink } from '../src/sinks/jsonl.ts';
import { lanceSink } from '../src/sinks/lance.ts';
import { openSink, parseSinkSpec } from '../src/sinks/open.ts';
import { teeSink } from '../src/sinks/tee.ts';
import type { ResultRecord } from '../src/sinks/types.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-sinks-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function records(n: number): ResultRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    source: 'a.mp4',
    index: i,
    ptsSeconds: i,
    decodedAtMs: 0,
    model: 'test:embed',
    output: Float32Array.of(1, i),
  }));
}

test('callbackSink awaits fn once per batch, in order', async () => {
  const seen: string[][] = [];
  let running = 0;
  const sink = callbackSink(async function collect(batch) {
    running += 1;
    assert.equal(running, 1, 'batches never overlap');
    await new Promise((resolve) => setTimeout(resolve, 5));
    seen.push(batch.map((r) => r.key));
    running -= 1;
  });
  assert.equal(sink.name, 'callback:collect');
  await Promise.all([sink.write(records(2)), sink.write(records(3).slice(2))]);
  await sink.close();
  assert.deepEqual(seen, [['k0', 'k1'], ['k2']]);
});

test('callbackSink passes a throw from fn through', async () => {
  const sink = callbackSink(() => {
    throw new Error('receiver down');
  });
  await assert.rejects(sink.write(records(1)), /receiver down/);
});

test('teeSink writes to every sink and searches through the searchable one', async () => {
  const got: ResultRecord[] = [];
  const path = join(dir, 'tee.jsonl');
  await using sink = teeSink([callbackSink((b) => void got.push(...b)), jsonlSink(path), lanceSink(join(dir, 'tee.lance'))]);
  await sink.write(records(3));
  assert.equal(got.length, 3);
  assert.equal((await readFile(path, 'utf8')).trim().split('\n').length, 3);
  const hits = await sink.search?.([1, 2], 1);
  assert.equal(hits?.[0]?.index, 2);
});

test('teeSink reports a failing sink after the others finished', async () => {
  const got: ResultRecord[] = [];
  const failing = callbackSink(() => Promise.reject(new Error('boom')));
  await using sink = teeSink([failing, callbackSink((b) => void got.push(...b))]);
  await assert.rejects(sink.write(records(2)), /boom/);
  assert.equal(got.length, 2);
  assert.throws(() => teeSink([]), { code: 'ERR_INVALID_OPTIONS' });
});

test('parseSinkSpec recognises every accepted form', async () => {
  assert.deepEqual(parseSinkSpec('out/results.jsonl'), { kind: 'jsonl', path: 'out/results.jsonl' });
  assert.deepEqual(parseSinkSpec('R.NDJSON'), { kind: 'jsonl', path: 'R.NDJSON' });
  assert.deepEqual(parseSinkSpec('store.lance/'), { kind: 'lance', dir: 'store.lance' });
  assert.deepEqual(parseSinkSpec('redis://127.0.0.1:6380/2'), { kind: 'redis', url: 'redis://127.0.0.1:6380/2' });
  assert.deepEqual(parseSinkSpec('rediss://:pw@host#my%3Astream'), { kind: 'redis', url: 'rediss://:pw@host', stream: 'my:stream' });
  assert.deepEqual(parseSinkSpec('https://example.com/hook?x=1'), { kind: 'webhook', url: 'https://example.com/hook?x=1' });
  // An existing LanceDB directory is recognised without the suffix.
  const plain = join(dir, 'vectors');
  await using sink = lanceSink(plain);
  await sink.write(records(1));
  await sink.close();
  assert.deepEqual(parseSinkSpec(plain), { kind: 'lance', dir: plain });
});

test('anything else is ERR_INVALID_OPTIONS listing the accepted forms', () => {
  for (const spec of ['results.csv', '', 'ftp://host/x', join(dir, 'no-such-dir')]) {
    assert.throws(
      () => parseSinkSpec(spec),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_INVALID_OPTIONS');
        assert.match(err.message, /\.jsonl.*\.lance.*redis:\/\/.*https?:\/\//s);
        return true;
      },
    );
  }
});

test('openSink builds the sink the spec names, with its options', async () => {
  assert.equal(openSink(join(dir, 'o.jsonl')).name, `jsonl:${join(dir, 'o.jsonl')}`);
  assert.equal(openSink(join(dir, 'o.lance')).name, `lance:${join(dir, 'o.lance')}`);
  assert.equal(openSink('https://example.com/hook').name, 'webhook:https://example.com/hook');
  assert.equal(openSink('redis://127.0.0.1:6379#frames', { redis: { stream: 'ignored' } }).name, 'redis:redis://127.0.0.1:6379#frames');
  assert.equal(openSink('redis://:secret@127.0.0.1:6379', { redis: { stream: 's' } }).name, 'redis:redis://:***@127.0.0.1:6379#s');
  assert.throws(() => openSink('https://example.com/hook', { webhook: { timeoutMs: 0 } }), { code: 'ERR_INVALID_OPTIONS' });
});
