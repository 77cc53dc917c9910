/** The JSONL sink against real files: format, re-runs, crash leftovers, unwritable paths. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jsonlSink } from '../src/sinks/jsonl.ts';
import type { ResultRecord } from '../src/sinks/types.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-jsonl-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function records(n: number, from = 0): ResultRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${from + i}`,
    source: 'clip.mp4',
    index: from + i,
    ptsSeconds: (from + i) / 25,
    decodedAtMs: 1_700_000_000_000 + i,
    model: 'test:embed',
    output: Float32Array.of(0.1 * (i + 1), 1 / 3, -7.25e-8),
  }));
}

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a newline');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('writes one line per record in the documented field order, float32 values exact', async () => {
  const path = join(dir, 'nested', 'a.jsonl');
  const input = records(3);
  await using sink = jsonlSink(path);
  await sink.open();
  await sink.write(input.slice(0, 2));
  await sink.write(input.slice(2));
  await sink.close();
  const rows = await lines(path);
  assert.equal(rows.length, 3);
  assert.deepEqual(Object.keys(rows[0] ?? {}), ['key', 'source', 'index', 'ptsSeconds', 'decodedAtMs', 'model', 'output']);
  rows.forEach((row, i) => assert.deepEqual(Float32Array.from(row.output as number[]), input[i]?.output));
  assert.deepEqual(
    rows.map((r) => r.key),
    ['k0', 'k1', 'k2'],
  );
});

test('a re-run with the same records adds no lines; new keys are appended', async () => {
  const path = join(dir, 'rerun.jsonl');
  for (const batch of [records(4), records(4), records(6)]) {
    await using sink = jsonlSink(path, { fsync: false });
    await sink.write(batch);
  }
  const keys = (await lines(path)).map((r) => r.key);
  assert.deepEqual(keys, ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
});

test('duplicate keys within one batch are written once', async () => {
  const path = join(dir, 'dup.jsonl');
  const [a, b] = records(2);
  await using sink = jsonlSink(path);
  await sink.write([a!, b!, a!]);
  await sink.close();
  assert.equal((await lines(path)).length, 2);
});

test('a truncated last line from a crash is cut off and its record written again', async () => {
  const path = join(dir, 'crash.jsonl');
  const whole = records(2)
    .map((r) => JSON.stringify({ ...r, output: Array.from(r.output as Float32Array) }))
    .join('\n');
  await writeFile(path, `${whole}\n{"key":"k2","source":"cli`);
  const sink = jsonlSink(path);
  await sink.open();
  assert.equal(sink.droppedTailBytes, '{"key":"k2","source":"cli'.length);
  await sink.write(records(4));
  await sink.close();
  assert.deepEqual(
    (await lines(path)).map((r) => r.key),
    ['k0', 'k1', 'k2', 'k3'],
  );
});

test('a complete last record without a newline is kept', async () => {
  const path = join(dir, 'nonl.jsonl');
  await writeFile(path, '{"key":"k0","output":1}');
  await using sink = jsonlSink(path);
  await sink.write(records(2));
  await sink.close();
  assert.deepEqual(
    (await lines(path)).map((r) => r.key),
    ['k0', 'k1'],
  );
});

test('a file with a foreign line in the middle is refused, naming the line', async () => {
  const path = join(dir, 'foreign.jsonl');
  await writeFile(path, '{"key":"k0"}\nnot json\n{"key":"k1"}\n');
  const sink = jsonlSink(path);
  await assert.rejects(sink.open(), (err: Error & { code?: string }) => err.code === 'ERR_SINK_WRITE' && /line 2/.test(err.message));
  await sink.close();
  assert.equal(await readFile(path, 'utf8'), '{"key":"k0"}\nnot json\n{"key":"k1"}\n', 'the file is left as it was');
});

test('an unwritable path (under a file) fails with ERR_SINK_WRITE naming the path', async () => {
  const file = join(dir, 'plain-file');
  await writeFile(file, 'x');
  const path = join(file, 'out.jsonl');
  const sink = jsonlSink(path);
  await assert.rejects(sink.write(records(1)), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
    assert.equal(err.code, 'ERR_SINK_WRITE');
    assert.ok(err.message.includes(path), err.message);
    return true;
  });
  await sink.close();
});

test('close is idempotent and writing after it fails with ERR_SINK_WRITE', async () => {
  const sink = jsonlSink(join(dir, 'closed.jsonl'));
  await sink.write(records(1));
  await Promise.all([sink.close(), sink.close()]);
  await sink.close();
  await assert.rejects(sink.write(records(1)), { code: 'ERR_SINK_WRITE' });
});

test('concurrent writes are serialized into whole lines', async () => {
  const path = join(dir, 'concurrent.jsonl');
  await using sink = jsonlSink(path, { fsync: false });
  await Promise.all(Array.from({ length: 20 }, (_, i) => sink.write(records(5, i * 5))));
  await sink.close();
  const keys = (await lines(path)).map((r) => r.key);
  assert.equal(keys.length, 100);
  assert.equal(new Set(keys).size, 100);
});
