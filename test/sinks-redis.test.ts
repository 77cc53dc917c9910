/** The Redis stream sink against a real redis-server: entries, idempotent re-runs, trimming, failures. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { redisSink } from '../src/sinks/redis.ts';
import type { ResultRecord } from '../src/sinks/types.ts';
import { freePort, startRedis, type TestRedis } from './helpers/redis.ts';

let redis: TestRedis;
let client: Redis;
before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
after(async () => {
  await client?.quit();
  await redis?.stop();
});

let streams = 0;
/** A fresh stream name per test, so tests never see each other's entries. */
const freshStream = () => `test:${process.pid}:${(streams += 1)}`;

function records(n: number): ResultRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    source: 'clip.mp4',
    index: i,
    ptsSeconds: i / 25,
    decodedAtMs: 7,
    model: 'test:labels',
    output: { label: 'cat', score: 0.5, embedding: Float32Array.of(i) },
  }));
}

test('XADDs one entry per record with the documented fields', async () => {
  const stream = freshStream();
  await using sink = redisSink(redis.url, { stream });
  await sink.open();
  await sink.write(records(3));
  const entries = await client.xrange(stream, '-', '+');
  assert.equal(entries.length, 3);
  const [, fields] = entries[1]!;
  const map = Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]));
  assert.deepEqual(map, {
    key: 'k1',
    source: 'clip.mp4',
    index: '1',
    ptsSeconds: '0.04',
    decodedAtMs: '7',
    model: 'test:labels',
    output: '{"label":"cat","score":0.5,"embedding":[1]}',
  });
  assert.equal(await client.scard(`${stream}:keys`), 3);
});

test('two identical runs leave XLEN equal to the record count', async () => {
  const stream = freshStream();
  for (let run = 0; run < 2; run += 1) {
    await using sink = redisSink(`${redis.url}#${stream}`);
    await sink.write(records(4).slice(0, 2));
    await sink.write([...records(5), records(5)[0]!]);
  }
  assert.equal(await client.xlen(stream), 5);
});

test('maxLen trims the stream; trimmed keys are still not written again', async () => {
  const stream = freshStream();
  const many = Array.from({ length: 300 }, (_, i) => ({ ...records(1)[0]!, key: `m${i}`, index: i }));
  await using sink = redisSink(redis.url, { stream, maxLen: 100 });
  for (let i = 0; i < 300; i += 50) await sink.write(many.slice(i, i + 50));
  const length = await client.xlen(stream);
  assert.ok(length >= 100 && length < 300, `XLEN ${length}`);
  await sink.write(many);
  assert.equal(await client.xlen(stream), length);
});

test('an unreachable Redis fails open() quickly with ERR_SINK_WRITE', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const sink = redisSink(url, { stream: freshStream() });
  const started = performance.now();
  await assert.rejects(sink.write(records(1)), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
    assert.equal(err.code, 'ERR_SINK_WRITE');
    assert.equal(err.details?.cause, 'ECONNREFUSED');
    assert.ok(err.message.includes(url), err.message);
    return true;
  });
  assert.ok(performance.now() - started < 2000);
  await sink.close();
});

test('a stream key of another type fails with a non-retriable ERR_SINK_WRITE naming it', async () => {
  const stream = freshStream();
  await client.set(stream, 'not a stream');
  await using sink = redisSink(redis.url, { stream });
  await assert.rejects(
    sink.write(records(1)),
    (err: Error & { code?: string; retriable?: boolean }) =>
      err.code === 'ERR_SINK_WRITE' && err.retriable === false && err.message.includes(stream),
  );
  assert.equal(await client.scard(`${stream}:keys`), 0, 'no key recorded for an entry that was not written');
});

test('a server that goes away mid-run fails the next write, bounded in time', async () => {
  const own = await startRedis();
  try {
    await using sink = redisSink(own.url, { stream: freshStream(), reconnectAttempts: 2 });
    await sink.write(records(1));
    await own.stop();
    const started = performance.now();
    await assert.rejects(sink.write(records(2)), { code: 'ERR_SINK_WRITE' });
    assert.ok(performance.now() - started < 5000);
  } finally {
    await own.stop();
  }
});

test('close quits and is idempotent; options are checked at creation', async () => {
  const sink = redisSink(redis.url, { stream: freshStream() });
  await sink.open();
  await Promise.all([sink.close(), sink.close()]);
  assert.throws(() => redisSink('http://127.0.0.1:6379'), { code: 'ERR_INVALID_OPTIONS' });
  assert.throws(() => redisSink(redis.url, { maxLen: 0 }), { code: 'ERR_INVALID_OPTIONS' });
});
